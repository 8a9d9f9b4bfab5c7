package scalein

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// newKruiseFixture runs workers on an Advanced StatefulSet, with a
// stand-in for Kruise's controller (the e2e suite runs the real one).
func newKruiseFixture(t *testing.T) *fixture {
	f := newFixture(t, map[string]bool{"AdvancedStatefulSet": true})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go framework.RunKruiseStandIn(ctx, k8s, f.ns)
	return f
}

func (f *fixture) podNames() []string {
	var out []string
	for _, p := range f.workerPods() {
		out = append(out, p.Name)
	}
	return out
}

func (f *fixture) advancedSet() *kruisev1beta1.StatefulSet {
	set := &kruisev1beta1.StatefulSet{}
	_ = k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.rtName + "-worker"}, set)
	return set
}

func TestAnnotatedVictimIsTheWorkerThatLeaves(t *testing.T) {
	f := newKruiseFixture(t)
	f.createRuntime(5)
	f.waitReady(5)
	w1, _ := f.pod("cache-worker-1")
	patch := client.MergeFrom(w1.DeepCopy())
	w1.Annotations = map[string]string{datav1alpha1.ScaleInVictimAnnotation: "true"}
	f.g.Expect(k8s.Patch(f.ctx, w1, patch)).To(Succeed())
	f.emu.SetBusy(w1.Status.PodIP, 30000, true)

	f.scaleTo(4)
	f.waitPodState("cache-worker-1", "Draining")
	f.g.Consistently(f.podNames, 2*time.Second, 200*time.Millisecond).Should(HaveLen(5), "busy: nobody leaves yet")
	f.emu.SetBusy(w1.Status.PodIP, 30000, false)
	f.waitScaled(4)
	f.g.Expect(f.podNames()).To(ConsistOf("cache-worker-0", "cache-worker-2", "cache-worker-3", "cache-worker-4"))
	f.g.Expect(f.advancedSet().Spec.ReserveOrdinals).To(ConsistOf(intstr.FromInt32(1)))
	f.g.Expect(f.emu.Violations()).To(BeEmpty())

	// Scaling out again reuses the reserved ordinal.
	f.scaleTo(5)
	f.g.Eventually(f.podNames, long).Should(ConsistOf("cache-worker-0", "cache-worker-1", "cache-worker-2", "cache-worker-3", "cache-worker-4"))
	f.g.Expect(f.advancedSet().Spec.ReserveOrdinals).To(BeEmpty())
}

func TestLeastCachedPicksTheEmptiestWorker(t *testing.T) {
	f := newKruiseFixture(t)
	f.createRuntime(4, func(rt *datav1alpha1.AlluxioRuntime) { rt.Spec.ScaleIn.VictimSelection = datav1alpha1.LeastCached })
	f.waitReady(4)
	sizes := map[string]int64{"cache-worker-0": 300 << 20, "cache-worker-1": 10 << 20, "cache-worker-2": 200 << 20, "cache-worker-3": 400 << 20}
	for name, size := range sizes {
		p, _ := f.pod(name)
		f.emu.WriteFile("/data/"+name, p.Status.PodIP, 30000, size, true)
	}
	f.scaleTo(3)
	f.waitScaled(3)
	f.g.Expect(f.podNames()).To(ConsistOf("cache-worker-0", "cache-worker-2", "cache-worker-3"),
		"cache-worker-1 cached the least")
}

func TestNotReadyPodLeavesBeforeReadyOnes(t *testing.T) {
	f := newKruiseFixture(t)
	f.createRuntime(3)
	f.waitReady(3)
	p, _ := f.pod("cache-worker-0")
	base := p.DeepCopy()
	for i, c := range p.Status.Conditions {
		if c.Type == "Ready" {
			p.Status.Conditions[i].Status = "False"
		}
	}
	f.g.Expect(k8s.Status().Patch(f.ctx, p, client.MergeFrom(base))).To(Succeed())
	f.scaleTo(2)
	f.waitScaled(2)
	f.g.Expect(f.podNames()).To(ConsistOf("cache-worker-1", "cache-worker-2"))
}
