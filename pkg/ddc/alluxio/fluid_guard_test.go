package alluxio

import (
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-base/featuregate"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

// guardedWorkers names the worker pods under the admission guard.
func (e *engine) guardedWorkers() []string {
	var out []string
	for _, p := range e.pods() {
		if p.Labels["role"] == "alluxio-worker" && guard.Guarded(&p) {
			out = append(out, p.Name)
		}
	}
	return out
}

var allFourWorkers = []string{"cache-worker-0", "cache-worker-1", "cache-worker-2", "cache-worker-3"}

// Next to Fluid the guard holds exactly the workers fluid-drain will
// drain: every worker of a runtime it manages while the gate is on, and
// none once the gate is off.
func TestFluidWorkersAreGuardedWhileTheGateIsOn(t *testing.T) {
	e := newFluidEngine(t, 4, nil)
	e.reconcileFluid()
	e.g.Expect(e.guardedWorkers()).To(ConsistOf(allFourWorkers))
	for _, p := range e.pods() {
		if p.Labels["role"] == "alluxio-master" {
			e.g.Expect(guard.Guarded(&p)).To(BeFalse(), "the master is never held")
		}
	}

	gates := featuregate.NewFeatureGate()
	e.g.Expect(gates.Add(map[featuregate.Feature]featuregate.FeatureSpec{features.GracefulScaleIn: {Default: false, PreRelease: featuregate.Beta}})).To(Succeed())
	e.r.Gates = gates
	e.fluidScalesTo(2)
	e.reconcileFluid()
	e.g.Expect(e.guardedWorkers()).To(BeEmpty(), "with the gate off nothing is drained, so nothing may be held")
	e.g.Expect(e.state(2)).To(Equal("gone"), "Fluid's plain scale-in went through")
	e.g.Expect(e.state(3)).To(Equal("gone"))
}

// A runtime annotated data.fluid.io/graceful-scale-in=false is Fluid's
// alone: its pods are released from the guard, mid-drain too, and Fluid's
// scale-in removes them.
func TestFluidRuntimeOptedOutIsNeverHeld(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.fluidScalesTo(2)
	e.reconcileFluidUntil(5, func() bool { return e.state(2) == "Draining" })
	rt := e.runtime()
	rt.Annotations = map[string]string{datav1alpha1.GracefulScaleInAnnotation: "false"}
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
	e.reconcileFluid()
	e.g.Expect(e.guardedWorkers()).To(BeEmpty())
	e.g.Expect(e.state(2)).To(Equal("gone"))
}

// A Failed worker pod is replaced at once: the StatefulSet controller's
// delete passes the guard, drained or not.
func TestFluidFailedWorkerPassesTheGuard(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	e.reconcileFluid()
	p, _ := e.pod(1)
	e.g.Expect(guardHolds(&p)).To(BeTrue(), "a running worker is held")
	p.Status.Phase = corev1.PodFailed
	e.g.Expect(guardHolds(&p)).To(BeFalse(), "a Failed worker is not")
}

// The runtime deleted mid-drain: every pod leaves the guard, and none
// keeps a finalizer.
func TestFluidRuntimeDeletedMidDrainReleasesTheGuard(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.fluidScalesTo(2)
	e.reconcileFluidUntil(5, func() bool { return e.state(2) == "Draining" })
	e.g.Expect(e.c.Delete(e.ctx, e.runtime())).To(Succeed())
	e.reconcile()
	e.g.Expect(e.guardedWorkers()).To(BeEmpty())
	for _, p := range e.pods() {
		e.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
	}
}

// Next to Fluid the guard holds a leaving pod, not a finalizer: a victim
// drains without one, so nothing is left Terminating should fluid-drain
// go away mid-drain.
func TestFluidVictimsCarryNoFinalizer(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.fluidScalesTo(2)
	e.reconcileFluidUntil(5, func() bool { return e.state(2) == "Draining" })
	p, _ := e.pod(2)
	e.g.Expect(p.Finalizers).To(BeEmpty())
	e.g.Expect(guardHolds(&p)).To(BeTrue())
}

// A victim judged to have nothing to drain (its worker never
// registered) is marked Scaled, which lets the guard release it, only
// after a second look in a later reconcile.
func TestFluidNothingToDrainIsActedOnAfterASecondLook(t *testing.T) {
	e := newFluidEngine(t, 4, nil)
	e.master.set(func(m *fakeMaster) { delete(m.registered, host(3)); m.down[host(3)] = true })
	e.fluidScalesTo(3)
	e.reconcileFluid()
	e.g.Expect(e.state(3)).To(Equal("Pending"), "one look is not enough to let it go")
	e.clock.Step(poll)
	e.reconcileFluid()
	e.g.Expect(e.state(3)).To(Equal("gone"), "the second look confirms it")
}

// setRevisions labels each worker pod with its revision and gives the
// worker set its update revision, as the StatefulSet controller does.
func (e *engine) setRevisions(update string, pods map[int32]string) {
	for i, rev := range pods {
		p, ok := e.pod(i)
		e.g.Expect(ok).To(BeTrue())
		p.Labels[appsv1.ControllerRevisionHashLabelKey] = rev
		e.g.Expect(e.c.Update(e.ctx, &p)).To(Succeed())
	}
	sts := e.fluidSet()
	sts.Status.UpdateRevision = update
	e.g.Expect(e.c.Status().Update(e.ctx, sts)).To(Succeed())
}

// A rolling update of Fluid's worker set (`kubectl rollout restart`, a
// new image) is not drained: the pods it is about to replace leave the
// guard, so the rollout goes on as with Fluid alone, and each pod made
// again at the new revision is guarded again.
func TestFluidRollingUpdateIsNotHeld(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	e.setRevisions("rev-1", map[int32]string{0: "rev-1", 1: "rev-1", 2: "rev-1"})
	e.reconcileFluid()
	e.g.Expect(e.guardedWorkers()).To(ConsistOf("cache-worker-0", "cache-worker-1", "cache-worker-2"))

	e.setRevisions("rev-2", map[int32]string{2: "rev-2"})
	e.reconcileFluid()
	e.g.Expect(e.guardedWorkers()).To(ConsistOf("cache-worker-2"), "the pods still at rev-1 are about to be replaced")
	for _, i := range []int32{0, 1} {
		p, _ := e.pod(i)
		e.g.Expect(guardHolds(&p)).To(BeFalse(), "the rollout's delete of worker %d is not held", i)
	}
}
