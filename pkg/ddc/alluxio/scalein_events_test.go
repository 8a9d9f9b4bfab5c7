package alluxio

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// Victims that take a step together are told in one event naming them
// all, highest ordinal first, and each step is told once.
func TestVictimsTakingAStepTogetherShareOneEvent(t *testing.T) {
	e := newEngine(t, 5, datav1alpha1.ScaleInPolicy{})
	e.drainEvents()
	e.scaleTo(2)
	e.reconcileUntil(poll, 40, func() bool { return e.state(2) == "gone" && e.state(3) == "gone" && e.state(4) == "gone" })
	byReason := map[string][]string{}
	for _, ev := range e.drainEvents() {
		reason := strings.Fields(ev)[1]
		byReason[reason] = append(byReason[reason], ev)
	}
	for _, step := range []string{"Pending", "Decommissioning", "Draining"} {
		e.g.Expect(byReason[step]).To(HaveLen(1), step)
		e.g.Expect(byReason[step][0]).To(ContainSubstring("pods %[1]s-worker-4, %[1]s-worker-3 and %[1]s-worker-2: ", e.rt.Name), step)
	}
}

// A list of victims too long for one event names the first ones and
// counts the rest, within the API server's limit on a note.
func TestALongListOfVictimsFitsInOneEvent(t *testing.T) {
	g := NewWithT(t)
	var victims []*victim
	for i := 199; i >= 0; i-- {
		victims = append(victims, &victim{ordinal: int32(i), pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("a-long-runtime-name-worker-%d", i)}}})
	}
	note := podsNote(victims, "the Alluxio master no longer routes work to it")
	g.Expect(len(note)).To(BeNumerically("<=", noteLimit))
	g.Expect(note).To(HavePrefix("pods a-long-runtime-name-worker-199, a-long-runtime-name-worker-198, "))
	g.Expect(note).To(MatchRegexp(` and \d+ more: the Alluxio master no longer routes work to it$`))
	shown := strings.Count(note, "a-long-runtime-name-worker-")
	g.Expect(note).To(ContainSubstring(fmt.Sprintf(" and %d more: ", 200-shown)))

	g.Expect(podsNote(victims[:1], strings.Repeat("x", 2000))).To(HaveLen(noteLimit))
	g.Expect(podsNote(victims[198:], "gone")).To(Equal("pods a-long-runtime-name-worker-1 and a-long-runtime-name-worker-0: gone"))
}

// seriesRecorder keeps each event under the key the events API folds
// events by (object, type, reason, action, related object: not the
// note), as the API server would show them: one series per key, with
// its first note.
type seriesRecorder struct {
	events.EventRecorder
	mu     sync.Mutex
	series map[string][]string
}

func (r *seriesRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	key := eventtype + "/" + reason + "/" + action
	if p, ok := related.(*corev1.Pod); ok && p != nil {
		key += "/" + p.Name
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.series[key] = append(r.series[key], fmt.Sprintf(note, args...))
}

// The end of a scale-in is told in an event of its own, though its
// victims' last step has the same reason: no two events of it fall into
// one series of the events API, where the later note would never show.
func TestTheScaleInsEndIsNotFoldedIntoItsVictimsEvent(t *testing.T) {
	e := newEngine(t, 5, datav1alpha1.ScaleInPolicy{})
	rec := &seriesRecorder{series: map[string][]string{}}
	e.r.Recorder = rec
	e.scaleTo(2)
	e.reconcileUntil(poll, 40, func() bool { return e.state(2) == "gone" && e.state(3) == "gone" && e.state(4) == "gone" })
	var ends int
	for key, notes := range rec.series {
		e.g.Expect(notes).To(HaveLen(1), "events folded into one series %s: %q", key, notes)
		if strings.Contains(notes[0], "scaled in from 5 to 2 workers") {
			ends++
		}
	}
	e.g.Expect(ends).To(Equal(1), "the scale-in's end is told: %v", rec.series)
}
