package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"

	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// 1. Native StatefulSet, 5 to 2: the three highest ordinals are
// decommissioned, kept while busy, and removed only once drained; the
// condition passes Pending, Decommissioning, Draining, Scaled in order.
func TestNativeFiveToTwoDrainsBeforeRemoving(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(5)
	f.waitReady(5)
	f.g.Expect(f.nativeSet()).NotTo(BeNil(), "workers run on a native StatefulSet")
	h := f.watch()

	victims := []string{"cache-worker-2", "cache-worker-3", "cache-worker-4"}
	ips := map[string]string{}
	for _, name := range victims {
		p := f.pod(name)
		ips[name] = p.Status.PodIP
		f.setBusy(p, true)
	}
	stopClient := f.runClient("/data/read")
	defer stopClient()

	f.scaleTo(2)
	f.g.Eventually(func() []string {
		var s []string
		for _, name := range victims {
			s = append(s, f.podState(name))
		}
		return s
	}, long, 100*time.Millisecond).Should(HaveEach("Draining"))
	// The reconcile that records Draining asks the workers on its next poll.
	f.g.Eventually(func() string { return f.scaledIn().Message }, long, 100*time.Millisecond).Should(ContainSubstring("operations in flight"))
	f.g.Consistently(f.podNames, 3*time.Second, 200*time.Millisecond).Should(HaveLen(5),
		"no victim may leave while Alluxio reports it busy")
	f.g.Expect(f.workerSetReplicas()).To(Equal(int32(5)), "replicas drop only once every victim drained")

	for _, name := range victims {
		f.g.Expect(f.emu.SetBusy(f.ctx, ips[name], webPort, false)).To(Succeed())
	}
	f.waitScaled(2)
	stopClient()
	f.g.Expect(f.podNames()).To(Equal([]string{"cache-worker-0", "cache-worker-1"}))
	f.g.Expect(f.workerSetReplicas()).To(Equal(int32(2)))

	reasons, podStates := h.snapshot()
	// Chosen, decommissioned and confirmed in one reconcile: the first
	// record a victim gets already says Decommissioning, and the
	// condition first says what the scale-in waits for, the drain.
	f.g.Expect(framework.InOrder(reasons, []string{"Draining", "Scaled"})).To(BeTrue(), "condition reasons seen: %v", reasons)
	for _, name := range victims {
		f.g.Expect(podStates[name]).To(Equal([]string{"Decommissioning", "Draining", "Scaled"}), name)
		h.mu.Lock()
		w, ok := h.atDeletion[name]
		h.mu.Unlock()
		f.g.Expect(ok).To(BeTrue(), "%s: its worker seen when the pod got its deletion timestamp", name)
		f.g.Expect(w.State).To(Equal(emulator.WorkerDecommissioned), name)
		f.g.Expect(w.Busy).To(BeFalse(), name)
		f.g.Expect(w.OperationsInFlight).To(BeZero(), "%s deleted with operations in flight", name)
	}
	f.g.Expect(podStates).NotTo(HaveKey("cache-worker-0"))
	f.g.Expect(podStates).NotTo(HaveKey("cache-worker-1"))

	// The emulator saw each victim decommissioned once, then removed.
	decommissionedAt := map[string]time.Time{}
	for _, e := range f.record() {
		switch e.Kind {
		case emulator.EventWorkerDecommissioned:
			decommissionedAt[e.Host] = e.Time
		case emulator.EventWorkerRemoved:
			at, ok := decommissionedAt[e.Host]
			f.g.Expect(ok).To(BeTrue(), "worker %s removed without being decommissioned", e.Host)
			f.g.Expect(e.Time.Sub(at)).To(BeNumerically(">=", refresh), "worker %s removed before clients' refresh interval passed", e.Host)
		}
	}
	for name, n := range f.decommissions() {
		f.g.Expect(n).To(Equal(1), "worker %s decommissioned %d times", name, n)
	}
	f.g.Expect(f.decommissions()).To(HaveLen(3))
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Normal Scaled"), ContainSubstring("scaled in from 5 to 2 workers"))))
	f.expectNoViolations()
}

// 2. Advanced StatefulSet, 5 to 3, the two annotated pods are the ones the
// real Kruise controller removes (reserveOrdinals), not the highest.
func TestAdvancedStatefulSetRemovesTheAnnotatedVictims(t *testing.T) {
	f := newFixture(t, "AdvancedStatefulSet=true")
	f.createRuntime(5)
	f.waitReady(5)
	f.g.Expect(f.advancedSet()).NotTo(BeNil(), "workers run on a Kruise Advanced StatefulSet")
	f.g.Expect(f.nativeSet()).To(BeNil())
	h := f.watch()
	for _, name := range []string{"cache-worker-1", "cache-worker-3"} {
		p := f.pod(name)
		patch := client.MergeFrom(p.DeepCopy())
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[datav1alpha1.ScaleInVictimAnnotation] = "true"
		f.g.Expect(k8s.Patch(f.ctx, p, patch)).To(Succeed())
		f.setBusy(p, true)
	}
	f.scaleTo(3)
	f.g.Eventually(func() []string { return []string{f.podState("cache-worker-1"), f.podState("cache-worker-3")} },
		long, 100*time.Millisecond).Should(HaveEach("Draining"))
	f.g.Consistently(f.podNames, 2*time.Second, 200*time.Millisecond).Should(HaveLen(5), "busy: nobody leaves yet")
	for _, name := range []string{"cache-worker-1", "cache-worker-3"} {
		f.setBusy(f.pod(name), false)
	}
	f.waitScaled(3)
	f.g.Expect(f.podNames()).To(Equal([]string{"cache-worker-0", "cache-worker-2", "cache-worker-4"}))
	set := f.advancedSet()
	f.g.Expect(set.Spec.ReserveOrdinals).To(ConsistOf(intstr.FromInt32(1), intstr.FromInt32(3)))
	f.g.Eventually(func() int32 { return f.advancedSet().Status.Replicas }, long).Should(Equal(int32(3)), "Kruise reports 3 replicas")
	_, podStates := h.snapshot()
	f.g.Expect(podStates).To(HaveLen(2), "only the annotated pods were victims: %v", podStates)
	f.g.Expect(f.decommissions()).To(HaveLen(2))
	f.expectNoViolations()
}

// 3a. Raising replicas mid-drain cancels: victims are re-enabled in
// Alluxio and, once their in-flight work is done, restarted in place
// (same names, no new ordinals).
func TestScaleOutMidDrainCancels(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(4)
	f.waitReady(4)
	h := f.watch()
	before := map[string]string{}
	for _, p := range f.workerPods() {
		before[p.Name] = string(p.UID)
		f.setBusy(&p, true)
	}
	f.scaleTo(2)
	f.g.Eventually(func() []string { return []string{f.podState("cache-worker-2"), f.podState("cache-worker-3")} },
		long, 100*time.Millisecond).Should(HaveEach("Draining"))

	f.scaleTo(4)
	// Decommissioned and still busy: it restarts only once its work is
	// done, so nothing in flight is killed.
	f.g.Eventually(func() string { return ptr.Deref(f.scaledIn(), metav1.Condition{}).Reason }, long, 100*time.Millisecond).
		Should(Equal("Cancelling"))
	f.g.Expect(f.podNames()).To(HaveLen(4))
	for _, name := range []string{"cache-worker-2", "cache-worker-3"} {
		f.setBusy(f.pod(name), false)
	}
	f.g.Eventually(func(g Gomega) {
		c := f.scaledIn()
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(c.Reason).To(Equal(datav1alpha1.CancelledReason))
	}, long, 100*time.Millisecond).Should(Succeed())
	f.waitReady(4)
	f.g.Expect(f.podNames()).To(Equal([]string{"cache-worker-0", "cache-worker-1", "cache-worker-2", "cache-worker-3"}))
	for _, p := range f.workerPods() {
		f.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
		f.g.Expect(p.Annotations).NotTo(HaveKey(datav1alpha1.ScaleInStateAnnotation))
		if p.Name == "cache-worker-0" || p.Name == "cache-worker-1" {
			f.g.Expect(string(p.UID)).To(Equal(before[p.Name]), "%s was never a victim: untouched", p.Name)
		}
	}
	_, podStates := h.snapshot()
	f.g.Expect(podStates["cache-worker-3"]).To(Equal([]string{"Decommissioning", "Draining", "Cancelled"}))
	enabled := 0
	for _, e := range f.record() {
		if e.Kind == emulator.EventWorkerEnabled {
			enabled++
		}
	}
	f.g.Expect(enabled).To(Equal(2), "both victims re-enabled in Alluxio")
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Normal Restarted"), ContainSubstring("cache-worker-3"))))
	f.g.Expect(f.events()).To(ContainElement(HavePrefix("Normal Cancelled")))
	f.expectNoViolations()
}

// 3b. Lowering replicas further mid-drain extends the running scale-in.
func TestFurtherScaleInMidDrainExtends(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(4)
	f.waitReady(4)
	p3 := f.pod("cache-worker-3")
	f.setBusy(p3, true)
	f.scaleTo(3)
	f.waitPodState("cache-worker-3", "Draining")
	f.scaleTo(1)
	f.g.Eventually(func() string { return ptr.Deref(f.scaledIn(), metav1.Condition{}).Message }, long, 100*time.Millisecond).
		Should(ContainSubstring("from 4 to 1"))
	f.setBusy(p3, false)
	f.waitScaled(1)
	f.g.Expect(f.podNames()).To(Equal([]string{"cache-worker-0"}))
	f.g.Expect(f.scaledIn().Message).To(ContainSubstring("scaled in from 4 to 1 workers"))
	f.g.Expect(f.decommissions()).To(HaveLen(3))
	f.expectNoViolations()
}

func withDrainTimeout(d time.Duration, action datav1alpha1.DrainTimeoutAction) func(*datav1alpha1.AlluxioRuntime) {
	return func(rt *datav1alpha1.AlluxioRuntime) {
		rt.Spec.ScaleIn.DrainTimeout = &metav1.Duration{Duration: d}
		rt.Spec.ScaleIn.OnDrainTimeout = action
	}
}

// 4a. A drain that never ends, onDrainTimeout Force: removed, and the
// events say TimedOut and Forced.
func TestDrainTimeoutForceRemoves(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(2, withDrainTimeout(3*time.Second, datav1alpha1.DrainTimeoutForce))
	f.waitReady(2)
	f.setBusy(f.pod("cache-worker-1"), true)
	f.scaleTo(1)
	f.waitScaled(1)
	f.g.Expect(f.podNames()).To(Equal([]string{"cache-worker-0"}))
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning TimedOut"), ContainSubstring("cache-worker-1"))))
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning Forced"), ContainSubstring("onDrainTimeout is Force"))))
}

// 4b. The same with Wait: the worker stays, reason TimedOut, until it is
// idle.
func TestDrainTimeoutWaitKeeps(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(2, withDrainTimeout(3*time.Second, datav1alpha1.DrainTimeoutWait))
	f.waitReady(2)
	victim := f.pod("cache-worker-1")
	f.setBusy(victim, true)
	f.scaleTo(1)
	f.g.Eventually(f.scaledInReason, long, 100*time.Millisecond).Should(Equal("TimedOut"))
	f.g.Expect(f.scaledIn().Message).To(ContainSubstring("onDrainTimeout is Wait"))
	f.g.Eventually(f.events, long).Should(ContainElement(And(HavePrefix("Warning TimedOut"), ContainSubstring("cache-worker-1"))))
	f.g.Consistently(f.podNames, 3*time.Second, 200*time.Millisecond).Should(HaveLen(2), "with Wait, a timed-out worker stays")
	f.g.Expect(f.scaledInReason()).To(Equal("TimedOut"))
	f.setBusy(victim, false)
	f.waitScaled(1)
	f.expectNoViolations()
}

// 5. The controller process killed with SIGKILL while a victim is
// Decommissioning, then while one is Draining, restarted each time: the
// scale-in completes and no worker is decommissioned twice.
func TestControllerKilledMidScaleInResumes(t *testing.T) {
	f := newFixture(t, "")
	// One victim at a time, so each phase comes round more than once.
	f.createRuntime(4, func(rt *datav1alpha1.AlluxioRuntime) { rt.Spec.ScaleIn.MaxConcurrent = ptr.To[int32](1) })
	f.waitReady(4)
	h := f.watch()
	f.scaleTo(1)
	for _, phase := range []string{"Decommissioning", "Draining"} {
		var in string
		f.g.Eventually(func() string {
			for _, p := range f.workerPods() {
				if p.Annotations[datav1alpha1.ScaleInStateAnnotation] == phase {
					in = p.Name
					return phase
				}
			}
			return ""
		}, long, 10*time.Millisecond).Should(Equal(phase))
		f.ctrl.Kill()
		t.Logf("controller killed (SIGKILL) while %s was %s", in, phase)
		time.Sleep(time.Second)
		var err error
		f.ctrl, err = f.ctrl.Restart(f.ctx)
		f.g.Expect(err).NotTo(HaveOccurred())
	}
	f.waitScaled(1)
	_, podStates := h.snapshot()
	// The first victim is decommissioned in the reconcile that chose it;
	// the others wait for its slot in Pending.
	f.g.Expect(podStates["cache-worker-3"]).To(Equal([]string{"Decommissioning", "Draining", "Scaled"}), "cache-worker-3")
	for _, name := range []string{"cache-worker-1", "cache-worker-2"} {
		f.g.Expect(podStates[name]).To(Equal([]string{"Pending", "Decommissioning", "Draining", "Scaled"}), name)
	}
	for _, e := range f.record() {
		f.g.Expect(e.Kind).NotTo(Equal(emulator.EventWorkerEnabled), "no victim may be taken back into service")
	}
	decommissions := f.decommissions()
	f.g.Expect(decommissions).To(HaveLen(3))
	for host, n := range decommissions {
		f.g.Expect(n).To(Equal(1), "worker %s decommissioned %d times", host, n)
	}
	f.expectNoViolations()
}

// 6a. A victim deleted by hand mid-drain: the scale-in finishes, no
// finalizer is left, no pod stays Terminating.
func TestVictimDeletedByHandMidDrain(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(3)
	f.waitReady(3)
	victim := f.pod("cache-worker-2")
	f.setBusy(victim, true)
	f.scaleTo(2)
	f.waitPodState("cache-worker-2", "Draining")
	f.g.Expect(k8s.Delete(f.ctx, victim)).To(Succeed())
	f.g.Expect(f.emu.SetBusy(f.ctx, victim.Status.PodIP, webPort, false)).To(Succeed())
	f.waitScaled(2)
	f.g.Expect(f.podNames()).To(Equal([]string{"cache-worker-0", "cache-worker-1"}))
	// The deleted pod's worker was decommissioned before its process
	// went (its replacement may reuse the IP, so read the record, not the
	// worker's current state).
	var decommissioned, removed bool
	for _, e := range f.record() {
		if e.Host != victim.Status.PodIP || removed {
			continue
		}
		switch e.Kind {
		case emulator.EventWorkerDecommissioned:
			decommissioned = true
		case emulator.EventWorkerRemoved:
			removed = true
			f.g.Expect(decommissioned).To(BeTrue(), "the deleted victim was decommissioned before it went")
		}
	}
	f.g.Expect(removed).To(BeTrue())
	f.expectNoTerminatingPods()
	f.expectNoViolations()
}

// 6b. The runtime deleted mid-drain: every pod goes, none keeps the
// finalizer or stays Terminating.
func TestRuntimeDeletedMidDrain(t *testing.T) {
	f := newFixture(t, "")
	rt := f.createRuntime(3)
	f.waitReady(3)
	for _, p := range f.workerPods() {
		f.setBusy(&p, true)
	}
	f.scaleTo(1)
	f.g.Eventually(func() []string { return []string{f.podState("cache-worker-1"), f.podState("cache-worker-2")} },
		long, 100*time.Millisecond).Should(HaveEach("Draining"))
	f.g.Expect(k8s.Delete(f.ctx, rt, client.PropagationPolicy(metav1.DeletePropagationBackground))).To(Succeed())
	f.g.Eventually(func() []corev1.Pod {
		pods := &corev1.PodList{}
		_ = k8s.List(f.ctx, pods, client.InNamespace(f.ns))
		return pods.Items
	}, long, 200*time.Millisecond).Should(BeEmpty(), "every pod, victims included, goes with the runtime")
}

func (f *fixture) expectNoTerminatingPods() {
	f.t.Helper()
	pods := &corev1.PodList{}
	f.g.Expect(k8s.List(f.ctx, pods, client.InNamespace(f.ns))).To(Succeed())
	for _, p := range pods.Items {
		f.g.Expect(p.DeletionTimestamp).To(BeNil(), "%s is Terminating", p.Name)
		f.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer), p.Name)
	}
}

// runClient reads through the emulated Alluxio client (which refreshes its
// worker list every refresh interval, as real clients do) until stopped.
func (f *fixture) runClient(prefix string) (stop func()) {
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = f.emu.ClientOp(ctx, fmt.Sprintf("%s-%d", prefix, i%17))
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); wg.Wait() }) }
}
