package mutants

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/reliability.md pairs every documented behaviour with a mutant:
// each row of its tables names at least one, and each one named is in
// the catalogue that `make mutants` runs.
func TestEveryRowOfTheReliabilityTablesNamesACatalogueMutant(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(ModuleRoot(), "docs", "reliability.md"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range Catalogue {
		known[m.Name] = true
	}
	name := regexp.MustCompile("`([a-z0-9-]+)`")
	const header = "| documented behaviour | fast test that fails | mutant |"
	inTable, rows := false, 0
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case line == header:
			inTable = true
			continue
		case !strings.HasPrefix(line, "|"):
			inTable = false
			continue
		case !inTable || strings.HasPrefix(line, "|---"):
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) != 5 {
			t.Errorf("a row of three cells expected: %s", line)
			continue
		}
		rows++
		found := name.FindAllStringSubmatch(cells[3], -1)
		if len(found) == 0 {
			t.Errorf("row names no mutant: %s", line)
		}
		for _, m := range found {
			if !known[m[1]] {
				t.Errorf("row names %s, which is not in the catalogue: %s", m[1], line)
			}
		}
	}
	if rows < 40 {
		t.Errorf("found %d rows with mutants in docs/reliability.md; the tables were not read", rows)
	}
}
