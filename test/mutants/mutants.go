package mutants

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Edit replaces Search, which must occur exactly once in File (relative
// to the module root), by Replace.
type Edit struct {
	File    string
	Search  string
	Replace string
}

// Mutant is one deliberate break of one property.
type Mutant struct {
	// Name is a short kebab-case name.
	Name string
	// Property is what the mutant breaks, as docs/reliability-and-testing.md states it.
	Property Property
	// Change says what the mutant does, for a person.
	Change string
	Edits  []Edit
	// Suites are the suites run against the mutant, in order, until one
	// kills it. Empty: DefaultSuites.
	Suites []string
	// EnvtestRun is the -run pattern for the envtest suite, when listed;
	// EnvtestPkg its package (default ./test/envtest/scalein/).
	EnvtestRun string
	EnvtestPkg string
	// UnitPkgs and UnitRun narrow the unit suite to these packages and
	// this -run pattern (default: every unit package, every test), so
	// that a mutant pinned by a few tests costs only their run.
	UnitPkgs []string
	UnitRun  string
}

// DefaultSuites: the unit tests (state machine and the engine on a fake
// API server and a fake clock), then the simulated fault schedules.
var DefaultSuites = []string{"unit", "faults"}

// SuitesOf is the mutant's suites.
func (m Mutant) SuitesOf() []string {
	if len(m.Suites) == 0 {
		return DefaultSuites
	}
	return m.Suites
}

// ModuleRoot is the root of this module (two levels above this file).
func ModuleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("mutants: cannot locate the module root")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Apply applies the mutant's edits to the current files under root and
// returns the mutated contents by absolute path. It fails when a search
// text is not found exactly once: the code changed under the catalogue.
func (m Mutant) Apply(root string) (map[string]string, error) {
	if len(m.Edits) == 0 {
		return nil, fmt.Errorf("mutant %s: no edits", m.Name)
	}
	out := map[string]string{}
	for i, e := range m.Edits {
		path := filepath.Join(root, e.File)
		src, ok := out[path]
		if !ok {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("mutant %s edit %d: %w", m.Name, i+1, err)
			}
			src = string(b)
		}
		switch n := strings.Count(src, e.Search); n {
		case 1:
		case 0:
			return nil, fmt.Errorf("mutant %s edit %d: search text not found in %s (the code changed: update the catalogue):\n%s", m.Name, i+1, e.File, e.Search)
		default:
			return nil, fmt.Errorf("mutant %s edit %d: search text found %d times in %s, must be unique:\n%s", m.Name, i+1, n, e.File, e.Search)
		}
		if e.Search == e.Replace {
			return nil, fmt.Errorf("mutant %s edit %d: replacement changes nothing", m.Name, i+1)
		}
		out[path] = strings.Replace(src, e.Search, e.Replace, 1)
	}
	return out, nil
}

// WriteOverlay writes the mutated files and a `go build -overlay` file
// into dir and returns the overlay file's path.
func WriteOverlay(dir string, files map[string]string) (string, error) {
	replace := map[string]string{}
	i := 0
	for path, content := range files {
		i++
		mutated := filepath.Join(dir, fmt.Sprintf("%d-%s", i, filepath.Base(path)))
		if err := os.WriteFile(mutated, []byte(content), 0o644); err != nil {
			return "", err
		}
		replace[path] = mutated
	}
	b, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(dir, "overlay.json")
	return overlay, os.WriteFile(overlay, b, 0o644)
}

// SuiteNames are the suites a mutant can be run against.
// emulator is the fault schedules on the in-process Alluxio emulator in
// real time (slower, and not deterministic).
var SuiteNames = []string{"unit", "faults", "emulator", "envtest"}
