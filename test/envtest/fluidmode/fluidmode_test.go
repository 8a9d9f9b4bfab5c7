package fluidmode

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// Fluid scales a runtime 3 → 2: the StatefulSet controller's delete of
// the leaving pod is held by the guard while the controller, having found
// Fluid's master and workers through its own cache, decommissions and
// drains it; once marked Scaled it goes. The runtime's condition and the
// master pod's summary tell it. A runtime next to it whose sets Fluid did
// not make is left alone.
func TestFluidScaleInDrainsTheLeavingWorkerBeforeItGoes(t *testing.T) {
	f := newFluid(t, 3, "1sec")
	plain := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "plain"}, Spec: datav1alpha1.AlluxioRuntimeSpec{Replicas: 1}}
	f.g.Expect(k8s.Create(f.ctx, plain)).To(Succeed())

	f.fluidScalesTo(2)
	leaving := f.name + "-worker-2"
	var seen []string
	f.g.Eventually(func() string {
		s := f.podState(leaving)
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		if s == "Draining" {
			w, ok := f.emu.Worker(mustPodIP(f, leaving), 30000)
			f.g.Expect(ok).To(BeTrue())
			f.g.Expect(w.State).NotTo(Equal(emulator.WorkerLive), "Draining: the master no longer lists it live")
		}
		return s
	}, wait, 50*time.Millisecond).Should(Equal("gone"))
	f.g.Expect(seen).To(ContainElement("Draining"), "held by the guard until drained; states seen %v", seen)

	f.g.Eventually(func(g Gomega) {
		c := f.condition()
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
		g.Expect(c.Message).To(ContainSubstring("scaled in from 3 to 2 workers"))
	}, wait, 100*time.Millisecond).Should(Succeed())
	master, ok := f.pod(f.name + "-master-0")
	f.g.Expect(ok).To(BeTrue())
	f.g.Expect(master.Annotations).To(HaveKey(datav1alpha1.ScaleInSummaryAnnotation), "the summary is kept on Fluid's master pod")
	f.g.Expect(f.fluidPods()).To(HaveLen(3), "the master and the two workers that stay")

	sets := &appsv1.StatefulSetList{}
	f.g.Expect(k8s.List(f.ctx, sets, client.InNamespace(f.ns))).To(Succeed())
	for _, s := range sets.Items {
		f.g.Expect(s.Name).To(HavePrefix(f.name+"-"), "mode fluid never makes a workload: %s", s.Name)
	}
	f.g.Expect(f.logs.Lines()).To(BeEmpty())
}

// A runtime deleted while its leaving worker drains (`kubectl delete
// alluxioruntime`): the garbage collector deletes Fluid's sets and pods,
// and the controller releases every pod it held: none is left under the
// guard or Terminating with a finalizer.
func TestRuntimeDeletedMidDrainLeavesNoFluidPodBehind(t *testing.T) {
	// Clients refresh every minute: the leaving worker drains that long.
	f := newFluid(t, 3, "1min")
	f.fluidScalesTo(2)
	leaving := f.name + "-worker-2"
	f.g.Eventually(func() string { return f.podState(leaving) }, wait, 50*time.Millisecond).Should(Equal("Draining"))
	p, _ := f.pod(leaving)
	f.g.Expect(p.Labels).To(HaveKeyWithValue(datav1alpha1.DrainGuardLabel, datav1alpha1.DrainGuardValue), "a draining victim is held by the guard")
	f.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer), "next to Fluid no finalizer is put on Fluid's pods")
	// An earlier fluid-drain put its finalizer on Fluid's victims: the
	// runtime's deletion releases that too.
	base := p.DeepCopy()
	p.Finalizers = append(p.Finalizers, datav1alpha1.ScaleInFinalizer)
	f.g.Expect(k8s.Patch(f.ctx, p, client.MergeFrom(base))).To(Succeed())

	f.g.Expect(k8s.Delete(f.ctx, f.runtime())).To(Succeed())
	f.g.Eventually(func(g Gomega) {
		for _, p := range f.fluidPods() {
			g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer), "%s keeps the finalizer", p.Name)
			g.Expect(p.Labels).NotTo(HaveKey(datav1alpha1.DrainGuardLabel), "%s stays under the guard", p.Name)
		}
		g.Expect(f.fluidPods()).To(BeEmpty())
	}, wait, 200*time.Millisecond).Should(Succeed())
	// The runtime gone under a reconcile is nothing for a human.
	f.g.Expect(f.logs.List()).To(BeEmpty())
}

func mustPodIP(f *fluid, name string) string {
	p, ok := f.pod(name)
	f.g.Expect(ok).To(BeTrue())
	return p.Status.PodIP
}
