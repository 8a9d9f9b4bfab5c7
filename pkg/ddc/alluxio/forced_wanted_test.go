package alluxio

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// A draining victim wanted back after a scale-out is taken back (and
// restarted, on real Alluxio) only once it is drained; forced, it is
// taken back at once, which kills its work like a forced exit, so a
// Warning event with reason Forced says so.
func TestForcedVictimWantedBackRestartsAtOnceWithAWarningEvent(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 3 })
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	e.scaleTo(3)
	e.advance(poll)
	e.g.Expect(e.state(2)).To(Equal("Draining"), "busy: it restarts only once drained")
	e.drainEvents()

	p, _ := e.pod(2)
	p.Annotations[datav1alpha1.ScaleInForceAnnotation] = "true"
	e.g.Expect(e.c.Update(e.ctx, &p)).To(Succeed())
	e.reconcileUntil(poll, 3, func() bool { return e.state(2) == "" })
	forced := false
	for _, ev := range e.drainEvents() {
		if strings.HasPrefix(ev, corev1.EventTypeWarning+" "+datav1alpha1.ForcedReason) && strings.Contains(ev, "cache-worker-2") {
			forced = true
		}
	}
	e.g.Expect(forced).To(BeTrue(), "a Warning event with reason Forced names the pod restarted undrained")
}
