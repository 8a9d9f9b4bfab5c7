// Package mutants is a catalogue of semantic mutants of the scale-in
// controller: each is a small change to the production code that breaks
// one named safety or behaviour property. `make mutants` (cmd/mutants)
// builds each one with `go test -overlay` (the working tree is never
// touched), runs the fast suites against it, prints the test that killed
// it, and fails if any mutant survives.
//
// A mutation is stored as search/replace pairs applied to the current
// production file at run time, never as a copy of the file: when the code
// changes so that a search text is no longer found (exactly once), the
// catalogue fails loudly (TestEveryMutationAppliesToTheCurrentCode, and
// the runner) instead of testing a stale copy.
package mutants
