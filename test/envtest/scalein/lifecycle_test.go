package scalein

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// A victim deleted by hand mid-drain is held only until Alluxio no longer
// routes work to it; then it goes, and the scale-in carries on with its
// replacement.
func TestVictimDeletedByHandIsDecommissionedBeforeItGoes(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(3)
	f.waitReady(3)
	victim, _ := f.pod("cache-worker-2")
	f.emu.SetBusy(victim.Status.PodIP, 30000, true)
	f.scaleTo(2)
	f.waitPodState("cache-worker-2", "Draining")

	f.g.Expect(k8s.Delete(f.ctx, victim)).To(Succeed())
	// The replacement pod (same name) is a victim too; once its own turn
	// is done, the scale-in finishes.
	f.emu.SetBusy(victim.Status.PodIP, 30000, false)
	f.waitScaled(2)
	w, ok := f.emu.Worker(victim.Status.PodIP, 30000)
	f.g.Expect(ok).To(BeTrue())
	f.g.Expect(w.DecommissionedAt.IsZero()).To(BeFalse(), "the deleted victim was decommissioned")
	f.g.Expect(f.emu.Violations()).To(BeEmpty())
}

// Deleting the runtime mid-drain leaves no finalizer behind and no pod
// stuck Terminating.
func TestRuntimeDeletedMidDrainLeavesNoFinalizer(t *testing.T) {
	f := newFixture(t, nil)
	rt := f.createRuntime(3)
	f.waitReady(3)
	for _, p := range f.workerPods() {
		f.emu.SetBusy(p.Status.PodIP, 30000, true)
	}
	f.scaleTo(1)
	f.g.Eventually(func() int {
		n := 0
		for _, p := range f.workerPods() {
			if p.Annotations[datav1alpha1.ScaleInStateAnnotation] == "Draining" {
				n++
			}
		}
		return n
	}, long, 50*time.Millisecond).Should(Equal(2))

	f.g.Expect(k8s.Delete(f.ctx, rt, client.PropagationPolicy("Background"))).To(Succeed())
	f.g.Eventually(func() []corev1.Pod { return f.workerPods() }, long, 200*time.Millisecond).Should(BeEmpty(),
		"every worker pod, victims included, must go with the runtime")
}

// Raising replicas mid-drain cancels the victims: they are re-enabled in
// Alluxio and, since Alluxio takes a decommissioned worker back only when
// its process restarts (seen on real Alluxio 2.9.6), restarted in place
// once their in-flight work is done: same pod names, no new ordinals, no
// finalizer left, every worker live.
func TestScaleOutMidDrainCancelsAndReEnablesVictims(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(4)
	f.waitReady(4)
	h := f.record()
	for _, p := range f.workerPods() {
		f.emu.SetBusy(p.Status.PodIP, 30000, true)
	}
	f.scaleTo(2)
	f.g.Eventually(f.scaledInReason, long, 50*time.Millisecond).Should(Equal("Draining"))

	f.scaleTo(4)
	// Decommissioned and still busy: restarting now would kill its work.
	f.g.Eventually(f.conditionText, long, 50*time.Millisecond).Should(And(HavePrefix("Cancelling"), ContainSubstring("operations in flight")))
	f.g.Consistently(f.podNames, time.Second, 100*time.Millisecond).Should(HaveLen(4))
	for _, p := range f.workerPods() {
		f.emu.SetBusy(p.Status.PodIP, 30000, false)
	}
	f.g.Eventually(func(g Gomega) {
		c := f.scaledIn()
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
		g.Expect(c.Reason).To(Equal(datav1alpha1.CancelledReason), c.Message)
	}, long, 100*time.Millisecond).Should(Succeed())
	f.waitReady(4)
	pods := f.workerPods()
	f.g.Expect(f.podNames()).To(ConsistOf("cache-worker-0", "cache-worker-1", "cache-worker-2", "cache-worker-3"))
	for _, p := range pods {
		f.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
		f.g.Expect(p.Annotations).NotTo(HaveKey(datav1alpha1.ScaleInStateAnnotation))
		w, _ := f.emu.Worker(p.Status.PodIP, 30000)
		f.g.Expect(w.State).To(Equal(emulator.WorkerLive), "%s must serve again", p.Name)
	}
	_, podStates, _ := h.snapshot()
	f.g.Expect(podStates["cache-worker-3"]).To(Equal([]string{"Decommissioning", "Draining", "Cancelled"}), "kept as Cancelled until its restart")
	f.g.Expect(h.Deleted("cache-worker-0")).To(BeFalse(), "workers that were never victims are untouched")
	f.g.Expect(h.Deleted("cache-worker-1")).To(BeFalse())
	enabled := 0
	for _, e := range f.emu.Record() {
		if e.Kind == emulator.EventWorkerEnabled {
			enabled++
		}
	}
	f.g.Expect(enabled).To(Equal(2), "both victims re-enabled in Alluxio")
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Normal Restarted"), ContainSubstring("cache-worker-3"))))
}

// Lowering replicas further mid-drain adds victims to the running
// scale-in.
func TestFurtherScaleInMidDrainExtendsTheScaleIn(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(4)
	f.waitReady(4)
	p3, _ := f.pod("cache-worker-3")
	f.emu.SetBusy(p3.Status.PodIP, 30000, true)
	f.scaleTo(3)
	f.waitPodState("cache-worker-3", "Draining")
	f.scaleTo(1)
	f.g.Eventually(func() string { return ptr.Deref(f.scaledIn(), metav1.Condition{}).Message }, long, 100*time.Millisecond).Should(ContainSubstring("from 4 to 1"))
	f.emu.SetBusy(p3.Status.PodIP, 30000, false)
	f.waitScaled(1)
	f.g.Expect(f.scaledIn().Message).To(ContainSubstring("scaled in from 4 to 1 workers"))
	f.g.Expect(f.emu.Violations()).To(BeEmpty())
}
