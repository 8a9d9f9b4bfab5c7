package mutants

import (
	"slices"
	"testing"
)

// The catalogue must apply to the code as it is now: a mutation whose
// search text is gone would test nothing.
func TestEveryMutationAppliesToTheCurrentCode(t *testing.T) {
	root := ModuleRoot()
	for _, m := range Catalogue {
		files, err := m.Apply(root)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(files) == 0 {
			t.Errorf("mutant %s changes no file", m.Name)
		}
	}
}

func TestEveryPropertyHasAMutantAndEveryMutantAKnownProperty(t *testing.T) {
	names := map[string]bool{}
	covered := map[Property]bool{}
	for _, m := range Catalogue {
		if names[m.Name] {
			t.Errorf("mutant name %s used twice", m.Name)
		}
		names[m.Name] = true
		if !slices.Contains(Properties, m.Property) {
			t.Errorf("mutant %s breaks an unlisted property %q", m.Name, m.Property)
		}
		covered[m.Property] = true
		for _, s := range m.SuitesOf() {
			if !slices.Contains(SuiteNames, s) {
				t.Errorf("mutant %s names an unknown suite %q", m.Name, s)
			}
		}
	}
	for _, p := range Properties {
		if !covered[p] {
			t.Errorf("no mutant breaks %q", p)
		}
	}
}

func TestApplyRefusesAMutationThatNoLongerMatches(t *testing.T) {
	m := Mutant{Name: "stale", Edits: []Edit{{decide, "this text is in no file", "x"}}}
	if _, err := m.Apply(ModuleRoot()); err == nil {
		t.Fatal("a search text that is not found must fail the run")
	}
	m = Mutant{Name: "ambiguous", Edits: []Edit{{decide, "return", "x"}}}
	if _, err := m.Apply(ModuleRoot()); err == nil {
		t.Fatal("a search text found more than once must fail the run")
	}
}
