package fluid

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// failedWorkerReplaced: a worker pod that fails (phase Failed, as the
// kubelet sets it when its containers exit for good) is deleted by the
// StatefulSet controller and made again at once: the guard never holds
// a Failed pod, drained or not.
func (lc *lifecycle) failedWorkerReplaced(ctx context.Context, t *testing.T) {
	name := lc.rt.WorkerPod(1)
	p := lc.pod(ctx, t, name)
	if p == nil || p.Labels[datav1alpha1.DrainGuardLabel] != datav1alpha1.DrainGuardValue {
		t.Fatalf("%s is not under the guard before it fails: %v", name, p)
	}
	old := p.UID
	p.Status.Phase = corev1.PodFailed
	if _, err := s.Cluster.Clientset.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	failedAt := time.Now()
	var last *corev1.Pod
	if err := s.Poll(ctx, 30*time.Second, func() bool {
		last = lc.pod(ctx, t, name)
		return last != nil && last.UID != old
	}); err != nil {
		t.Fatalf("%s, Failed, not replaced within 30s: %s", name, describePod(last))
	}
	t.Logf("%s failed and was replaced after %s", name, time.Since(failedAt).Round(100*time.Millisecond))
	lc.waitServes(ctx, t, name, 3*time.Minute)
}

// waitServes waits until a client on the pod's node writes a file whose
// blocks land on the pod's worker: a replaced worker serves once the
// master has dropped its former registration at the same address and
// taken the new one.
func (lc *lifecycle) waitServes(ctx context.Context, t *testing.T, pod string, timeout time.Duration) {
	t.Helper()
	c := lc.client(ctx, t)
	var last error
	for i, deadline := 0, time.Now().Add(timeout); time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		pods, err := s.WorkerPods(ctx, lc.rt)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/lifecycle/serves-%s-%d", pod, i)
		if _, last = c.Write(ctx, "CACHE_THROUGH", 64<<10, []string{path}, map[string]string{"alluxio.user.hostname": pods[pod]}); last == nil {
			if last = s.CheckOnlyOn(ctx, lc.rt, path, pods[pod], pods); last == nil {
				t.Logf("%s serves (a client on its node writes there)", pod)
				return
			}
		}
		time.Sleep(5 * time.Second)
	}
	t.Fatalf("%s does not serve within %s: %v", pod, timeout, last)
}

// uninstalledMidDrain: 2 → 1; while worker 1 drains, `helm uninstall`
// of fluid-drain (its controller stops with its Deployment): the guard
// goes with the chart, Fluid's scale-in removes the worker, no pod stays
// Terminating, and the worker that stays serves. fluid-drain is then
// installed again for what follows, and the runtime scaled back to 2.
func (lc *lifecycle) uninstalledMidDrain(ctx context.Context, t *testing.T) {
	victim := lc.rt.WorkerPod(1)
	lc.annotateRuntime(ctx, t, map[string]any{datav1alpha1.QuietPeriodAnnotation: "10m"})
	lc.scale(ctx, t, 1)
	lc.waitState(ctx, t, victim, drainingState, 3*time.Minute)
	if err := s.UninstallFluidDrain(ctx); err != nil {
		t.Fatal(err)
	}
	if err := drain.c.Stop(10 * time.Second); err != nil {
		t.Logf("stopping fluid-drain: %v", err)
	}
	drain = nil
	t.Log("helm uninstall fluid-drain while " + victim + " drains")
	lc.waitGone(ctx, t, victim, 2*time.Minute)
	lc.wantNothingHeld(ctx, t)
	lc.waitServes(ctx, t, lc.rt.WorkerPod(0), 2*time.Minute)
	ensureFluidDrain(ctx, t)
	lc.annotateRuntime(ctx, t, map[string]any{datav1alpha1.QuietPeriodAnnotation: nil})
	lc.scaleOut(ctx, t, 2)
}

// wantNothingHeld: no pod of the runtime is Terminating or carries our
// finalizer.
func (lc *lifecycle) wantNothingHeld(ctx context.Context, t *testing.T) {
	t.Helper()
	pods, err := s.Cluster.Clientset.CoreV1().Pods(lc.rt.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "release=" + lc.rt.Name})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		for _, f := range p.Finalizers {
			if f == datav1alpha1.ScaleInFinalizer {
				t.Errorf("%s keeps fluid-drain's finalizer", p.Name)
			}
		}
		if p.DeletionTimestamp != nil {
			t.Errorf("%s is still Terminating", p.Name)
		}
	}
}

// scaleOut scales the runtime out to n and waits until each of its n
// workers serves.
func (lc *lifecycle) scaleOut(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	lc.scale(ctx, t, n)
	for i := 0; i < n; i++ {
		lc.waitServes(ctx, t, lc.rt.WorkerPod(i), 3*time.Minute)
	}
}

// rolloutRestarted: `kubectl rollout restart statefulset <name>-worker`
// on a runtime fluid-drain guards completes as it does with Fluid alone
// (fluid-drain does not drain rolling restarts, and must not hold them):
// every worker is made again at the new revision, serves, and every file
// written through before the restart reads back.
func (lc *lifecycle) rolloutRestarted(ctx context.Context, t *testing.T) {
	c, files := lc.writeFiles(ctx, t, "rollout", 4)
	before := lc.podUIDs(ctx, t)
	sets := s.Cluster.Clientset.AppsV1().StatefulSets(lc.rt.Namespace)
	name := lc.rt.Name + "-worker"
	patch := `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"` + time.Now().UTC().Format(time.RFC3339) + `"}}}}}`
	if _, err := sets.Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	t.Logf("kubectl rollout restart statefulset %s", name)
	var status string
	if err := s.Poll(ctx, 5*time.Minute, func() bool {
		sts, err := sets.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		st := sts.Status
		status = fmt.Sprintf("updated %d of %d, ready %d, revision %s → %s", st.UpdatedReplicas, st.Replicas, st.ReadyReplicas, st.CurrentRevision, st.UpdateRevision)
		return st.ObservedGeneration >= sts.Generation && st.UpdatedReplicas == *sts.Spec.Replicas && st.CurrentRevision == st.UpdateRevision && st.ReadyReplicas == *sts.Spec.Replicas
	}); err != nil {
		t.Fatalf("the rollout did not finish within 5m: %s", status)
	}
	t.Logf("rollout finished in %s: %s", time.Since(started).Round(time.Second), status)
	after := lc.podUIDs(ctx, t)
	for pod, uid := range before {
		if after[pod] == uid {
			t.Errorf("%s was not made again by the rollout (uid %s)", pod, uid)
		}
	}
	for i := 0; i < 2; i++ {
		lc.waitServes(ctx, t, lc.rt.WorkerPod(i), 3*time.Minute)
	}
	final, err := c.ReadOnce(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(final.Bad) != 0 {
		t.Errorf("%d of %d files lost over the rollout: %v", len(final.Bad), len(files), final.LastError)
	}
}
