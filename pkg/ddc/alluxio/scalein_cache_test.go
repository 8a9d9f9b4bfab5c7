package alluxio

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// laggingPods is a cache that is behind the API server on pods: some it
// has not seen yet, others it still holds with an older scale-in state.
type laggingPods struct {
	client.Client
	unseen map[string]bool
	state  map[string]string
	// gone are pods the cache still holds after they left.
	gone []corev1.Pod
}

func (c laggingPods) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := c.Client.List(ctx, list, opts...); err != nil {
		return err
	}
	pods, ok := list.(*corev1.PodList)
	if !ok {
		return nil
	}
	var kept []corev1.Pod
	for _, p := range pods.Items {
		if c.unseen[p.Name] {
			continue
		}
		if st, ok := c.state[p.Name]; ok && p.Annotations != nil {
			p.Annotations[datav1alpha1.ScaleInStateAnnotation] = st
		}
		kept = append(kept, p)
	}
	pods.Items = append(kept, c.gone...)
	return nil
}

// behind makes the engine's cache lag; the API reader stays direct.
func (e *engine) behind(cache laggingPods) {
	cache.Client = e.c
	e.r.Client, e.r.APIReader = cache, e.c
}

// Pods the cache has not seen yet are not taken for empty ordinals: the
// worker set keeps them until they are drained.
func TestWorkerSetKeepsPodsTheCacheHasNotSeen(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.behind(laggingPods{unseen: map[string]bool{"cache-worker-1": true, "cache-worker-2": true}})
	e.scaleTo(1)
	e.reconcile()
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)), "dropped pods the cache had not seen, undrained")
	e.g.Expect(e.state(1)).NotTo(Equal("gone"))
	e.g.Expect(e.state(2)).NotTo(Equal("gone"))

	e.behind(laggingPods{})
	e.reconcileUntil(poll, 5, func() bool { return e.state(1) == "Draining" && e.state(2) == "Draining" })
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)))
}

// A victim the cache still shows Scaled, while the API server has it
// draining again, is not dropped on the cache's word.
func TestWorkerSetKeepsAVictimTheCacheStillShowsScaled(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.scaleTo(2)
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	e.behind(laggingPods{state: map[string]string{"cache-worker-2": "Scaled"}})
	e.reconcile()
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)), "dropped a draining victim its cache showed Scaled")
	e.g.Expect(e.left(2)).To(BeFalse())
}

// A pod the cache still holds with the finalizer after it left is not an
// error: there is nothing left to release. (A busy victim deleted by
// hand while it drains is held by the finalizer until clients refreshed,
// then released.)
func TestPodGoneButStillCachedIsNotAnError(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.scaleTo(2)
	e.reconcileUntil(poll, 5, func() bool { return e.state(2) == "Draining" })
	p, _ := e.pod(2)
	e.g.Expect(e.c.Delete(e.ctx, &p)).To(Succeed())
	e.reconcile()
	last, _ := e.pod(2)
	e.g.Expect(last.DeletionTimestamp.IsZero()).To(BeFalse())
	e.reconcileUntil(refresh, 5, func() bool { return e.state(2) == "gone" })
	e.g.Expect(last.Finalizers).To(ContainElement(datav1alpha1.ScaleInFinalizer))

	e.behind(laggingPods{gone: []corev1.Pod{last}})
	e.reconcile() // fails the test on a returned error
}
