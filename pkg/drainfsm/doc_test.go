package drainfsm

import (
	"fmt"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// renderTable prints the transition table the way doc.go shows it.
func renderTable() string {
	var b strings.Builder
	for _, t := range Table {
		src := make([]string, 0, len(t.Src))
		for _, s := range t.Src {
			src = append(src, string(s))
		}
		fmt.Fprintf(&b, "//\t%-16s %-55s -> %-15s %s\n", t.Event, strings.Join(src, ","), t.Dst, t.Action)
	}
	return b.String()
}

// The package documentation's table is the transition table: a change to
// one without the other fails here.
func TestDocumentationListsTheTransitionTable(t *testing.T) {
	g := NewWithT(t)
	doc, err := os.ReadFile("doc.go")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(doc)).To(ContainSubstring(renderTable()),
		"doc.go's transition list differs from Table; paste this into doc.go:\n%s", renderTable())
}
