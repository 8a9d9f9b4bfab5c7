package alluxio

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// setRefresh writes the clients' refresh interval into the runtime's
// properties.
func (e *engine) setRefresh(v string) {
	rt := e.runtime()
	if rt.Spec.Properties == nil {
		rt.Spec.Properties = map[string]string{}
	}
	rt.Spec.Properties[refreshIntervalKey] = v
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
}

// An interval raised in the properties while a victim drains holds it
// for the new interval: clients now keep their worker lists that long,
// so the interval the drain started with is no longer enough.
func TestRaisedRefreshIntervalHoldsADrainingVictim(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.setRefresh("30s")
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	decommissioned := e.decommissionedAt(2)
	e.setRefresh("3min")
	for e.clock.Now().Add(poll).Before(decommissioned.Add(3 * time.Minute)) {
		e.advance(poll)
		e.g.Expect(e.left(2)).To(BeFalse(), "left %s after its decommission, before the raised refresh interval (3min)",
			e.clock.Now().Sub(decommissioned))
	}
	e.reconcileUntil(poll, 10, func() bool { return e.left(2) })
}

// A lowered interval lets a draining victim go sooner.
func TestLoweredRefreshIntervalLetsADrainingVictimGoSooner(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	decommissioned := e.decommissionedAt(2)
	e.setRefresh("30s")
	e.reconcileUntil(poll, 20, func() bool { return e.left(2) })
	e.g.Expect(e.clock.Now().Sub(decommissioned)).To(BeNumerically("<", refresh))
}
