package alluxio

import (
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// A victim that finished stays listed as Scaled after the replicas
// dropped, while its pod waits for the worker set's controller to delete
// it: the status must not lose a victim on its way out.
func TestScaledVictimStaysListedUntilItsPodIsGone(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	e.holdPods = true
	e.reconcileUntil(poll, 40, func() bool { return e.workerReplicas() == 2 })
	e.advance(poll)
	_, there := e.pod(2)
	e.g.Expect(there).To(BeTrue())
	victims := e.runtime().Status.ScaleIn.Victims
	i := slices.IndexFunc(victims, func(v datav1alpha1.VictimStatus) bool { return v.Pod == e.rt.Name+"-worker-2" })
	e.g.Expect(i).To(BeNumerically(">=", 0), "worker 2 not listed: %+v", victims)
	e.g.Expect(victims[i].State).To(Equal("Scaled"))
}

// Each step of a victim's drain is told once, in order, though several
// of them happen in one reconcile.
func TestEachStepOfADrainIsOneEvent(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.drainEvents()
	e.scaleTo(2)
	e.reconcileUntil(poll, 40, func() bool { return e.state(2) == "gone" })
	var reasons []string
	for _, ev := range e.drainEvents() {
		if strings.Contains(ev, "pod "+e.rt.Name+"-worker-2:") {
			reasons = append(reasons, strings.Fields(ev)[1])
		}
	}
	e.g.Expect(reasons).To(Equal([]string{"Pending", "Decommissioning", "Draining", "Scaled"}))
}
