package alluxio

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

// Each test here drives the engine one reconcile at a time, with the
// clock in the test's hands, through a path where a worker could leave
// undrained or a finalizer could stick.

const poll = 5 * time.Second

// A victim whose decommission had not landed when drainTimeout passed
// (onDrainTimeout: Wait) is decommissioned again, drains, and leaves.
func TestVictimTimedOutBeforeItsDecommissionLandedIsDecommissionedAgain(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{DrainTimeout: &metav1.Duration{Duration: time.Minute}})
	e.master.set(func(m *fakeMaster) { m.stuck = true })
	e.scaleTo(2)
	e.reconcile()
	e.advance(poll)
	e.g.Expect(e.state(2)).To(Equal("Decommissioning"))
	e.advance(2 * time.Minute)
	e.g.Expect(e.state(2)).To(Equal("TimedOut"))

	sent := e.master.decommissionCount(host(2))
	e.master.set(func(m *fakeMaster) { m.stuck = false })
	e.advance(poll)
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeNumerically(">", sent), "the decommission is retried after the timeout")
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.workerReplicas()).To(Equal(int32(2)))
}

// A victim deleted by hand while the master does not answer can be
// forced out: its finalizer never has to be edited by hand.
func TestForcedPendingVictimLeavesWhileTheMasterIsUnreachable(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.unreachable = true })
	e.scaleTo(2)
	e.reconcile()
	e.g.Expect(e.state(2)).To(Equal("Pending"))
	p, _ := e.pod(2)
	e.g.Expect(e.c.Delete(e.ctx, &p)).To(Succeed())
	e.advance(poll)
	e.g.Expect(e.state(2)).To(Equal("Pending"), "held while nothing is known")

	p, _ = e.pod(2)
	p.Annotations[datav1alpha1.ScaleInForceAnnotation] = "true"
	e.g.Expect(e.c.Update(e.ctx, &p)).To(Succeed())
	e.reconcileUntil(poll, 3, func() bool { return e.state(2) == "gone" })
}

// After a master restart the master lists no worker until they register
// again: a victim it does not list may still hold data, and is waited for.
func TestVictimUnlistedByARestartedMasterIsWaitedFor(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) {
		m.startedAt = t0.Add(time.Minute) // after the pods started
		delete(m.registered, host(2))
		m.unpersisted[host(2)] = 3
	})
	e.scaleTo(2)
	for range 5 {
		e.advance(poll)
	}
	e.g.Expect(e.state(2)).To(Equal("Pending"))
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)), "no worker leaves on one absent listing")
	e.g.Expect(e.condition().Reason).To(Equal("WorkerUnregistered"))

	e.master.set(func(m *fakeMaster) { m.registered[host(2)] = 30000 })
	e.advance(poll)
	e.g.Expect(e.condition().Reason).To(Equal("UnpersistedData"), "once registered, its unpersisted files hold it")
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeZero())

	e.master.set(func(m *fakeMaster) { m.unpersisted[host(2)] = 0 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeNumerically(">=", 1), "it was decommissioned before it left")
}

// A worker that never registered leaves without a decommission, but the
// replicas drop only after a second look has confirmed it.
func TestNeverRegisteredVictimLeavesAfterASecondLook(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) {
		delete(m.registered, host(2))
		m.down[host(2)] = true
	})
	e.scaleTo(2)
	e.reconcile()
	e.g.Expect(e.state(2)).To(Equal("Scaled"))
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)), "not in the reconcile that judged it empty")
	e.advance(poll)
	e.g.Expect(e.workerReplicas()).To(Equal(int32(2)))
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeZero())
}

// A draining worker that the master lists as live again (a restarted
// master forgets decommissions) is decommissioned again, and the wait
// for the clients' refresh starts over.
func TestDrainingVictimListedAgainIsDecommissionedAgain(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.scaleTo(2)
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	first := e.decommissionedAt(2)

	e.master.set(func(m *fakeMaster) { m.decommissioned = map[string]bool{} })
	e.advance(time.Minute)
	e.g.Expect(e.master.decommissionCount(host(2))).To(Equal(2), "decommissioned again in the reconcile that saw it listed")
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	e.g.Expect(e.master.decommissionCount(host(2))).To(Equal(2))
	e.g.Expect(e.decommissionedAt(2)).To(BeTemporally(">=", first.Add(time.Minute)), "the refresh wait restarts")
}

// Workers run OnDelete: after a port change in the spec, the running pod
// still has the old port, and the worker is found and drained at it.
func TestVictimIsDrainedAtThePortItRunsWithAfterAPortChange(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	rt := e.runtime()
	rt.Spec.Worker.Properties = map[string]string{"alluxio.worker.web.port": "30500"}
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
	e.reconcile()
	e.scaleTo(2)
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	e.g.Expect(e.master.decommissions[0][0].WebPort).To(Equal(int32(30000)))
}

// The decommission time is when the master confirmed it, not when the
// reconcile began: the clients' refresh interval counts from it.
func TestDecommissionTimeIsTheMastersConfirmation(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.onDecommission = func() { e.clock.Step(7 * time.Second) }
	e.scaleTo(2)
	began := e.clock.Now()
	e.reconcile()
	e.g.Expect(e.decommissionedAt(2)).To(BeTemporally(">=", began.Add(7*time.Second)))
}

// Turning GracefulScaleIn off mid-way closes the open scale-in: the
// condition says how it ended, and no finalizer stays.
func TestGateTurnedOffClosesAnOpenScaleIn(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.scaleTo(2)
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	e.g.Expect(e.condition().Status).To(Equal(metav1.ConditionFalse))

	gates := features.MutableGates.DeepCopy()
	e.g.Expect(gates.SetFromMap(map[string]bool{string(features.GracefulScaleIn): false})).To(Succeed())
	e.r.Gates = gates
	e.advance(poll)
	e.g.Expect(e.condition().Status).To(Equal(metav1.ConditionTrue))
	e.g.Expect(e.condition().Reason).To(Equal(datav1alpha1.PlainScaleInReason))
	e.g.Expect(e.runtime().Status.ScaleIn.CompletionTime).NotTo(BeNil())
	e.reconcile()
	e.g.Expect(e.state(2)).To(Equal("gone"))
}

func TestWorkersReadyCountsTheWorkersRunningDuringAScaleIn(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.g.Expect(workersReadyMessage(5, 5, 2)).To(Equal("5 of 5 workers ready, scaling in to 2"))
	e.g.Expect(workersReadyMessage(2, 2, 2)).To(Equal("2 of 2 workers ready"))
}

func (e *engine) decommissionedAt(i int32) time.Time {
	p, ok := e.pod(i)
	e.g.Expect(ok).To(BeTrue())
	return parseTime(p.Annotations[datav1alpha1.ScaleInDecommissionedAtAnnotation])
}

// Turning the gate off while a decommissioned victim is wanted back
// restarts its pod: Alluxio takes a decommissioned worker back only when
// its process restarts, so it does not stay out of service.
func TestGateTurnedOffRestartsADecommissionedVictimWantedBack(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.scaleTo(2)
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	e.scaleTo(3)
	gates := features.MutableGates.DeepCopy()
	e.g.Expect(gates.SetFromMap(map[string]bool{string(features.GracefulScaleIn): false})).To(Succeed())
	e.r.Gates = gates
	e.reconcile()
	e.g.Expect(e.state(2)).To(Equal("gone"), "restarted: its workload recreates it and the worker registers again")
	e.g.Expect(e.eventsText()).To(ContainSubstring("restarted so that Alluxio takes the decommissioned worker back"))
}
