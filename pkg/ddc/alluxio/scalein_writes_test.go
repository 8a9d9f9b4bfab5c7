package alluxio

import (
	"testing"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// A victim seen idle right after the master confirmed its decommission
// starts its quiet period there, in the Draining record itself; a busy
// one does not, and its quiet period starts only once it is seen idle.
func TestDrainingRecordCarriesTheIdleSeenAtTheConfirmation(t *testing.T) {
	e := newEngine(t, 4, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.scaleTo(2)
	e.reconcile()
	for _, i := range []int32{2, 3} {
		e.g.Expect(e.state(i)).To(Equal("Draining"))
	}
	idle, _ := e.pod(3)
	e.g.Expect(idle.Annotations[datav1alpha1.ScaleInIdleSinceAnnotation]).To(Equal(idle.Annotations[datav1alpha1.ScaleInDecommissionedAtAnnotation]))
	busy, _ := e.pod(2)
	e.g.Expect(busy.Annotations).NotTo(HaveKey(datav1alpha1.ScaleInIdleSinceAnnotation))

	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 0 })
	e.advance(poll)
	busy, _ = e.pod(2)
	e.g.Expect(parseTime(busy.Annotations[datav1alpha1.ScaleInIdleSinceAnnotation])).To(BeTemporally("==", e.clock.Now()), "idle from the look that saw it idle")
}
