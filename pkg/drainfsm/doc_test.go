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
		fmt.Fprintf(&b, "//\t%-16s %-65s -> %-15s %s\n", t.Event, strings.Join(src, ","), t.Dst, t.Action)
	}
	return b.String()
}

// renderWaitWorks prints the work done while waiting the way doc.go
// shows it.
func renderWaitWorks() string {
	var b strings.Builder
	for _, w := range WaitWorks {
		states := make([]string, 0, len(w.States))
		for _, s := range w.States {
			states = append(states, string(s))
		}
		fmt.Fprintf(&b, "//\t%-26s %-50s %s\n", strings.Join(states, ","), w.While, w.Action)
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
	g.Expect(string(doc)).To(ContainSubstring(renderWaitWorks()),
		"doc.go's list of work while waiting differs from WaitWorks; paste this into doc.go:\n%s", renderWaitWorks())
}
