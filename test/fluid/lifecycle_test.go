package fluid

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
	"github.com/fluid-drain/fluid-drain/test/fluid/workload"
)

// testScaleInLifecycleNextToFluid takes one Fluid runtime of 4 workers
// through what can happen to a scale-in under way, each while a worker
// drains (clients refresh every 10s, so every drain lasts at least that):
// fluid-drain killed and restarted, the runtime scaled back out, a drain
// timeout with Force, a rollout restart, a worker that fails,
// fluid-drain uninstalled, and the runtime deleted.
func testScaleInLifecycleNextToFluid(ctx context.Context, t *testing.T, rt stack.Runtime) {
	marks := setUpNextToFluid(ctx, t, &rt)
	lc := &lifecycle{rt: rt, marks: marks}
	for _, sc := range []struct {
		name string
		run  func(context.Context, *testing.T)
	}{
		{"fluid-drain killed with SIGKILL mid-drain, then restarted: the scale-in finishes", lc.killedMidDrain},
		{"scaled back out mid-drain: the cancelled workers serve again and nothing is lost", lc.scaledBackOutMidDrain},
		{"drain timeout with Force: the worker leaves and a Warning event says so", lc.forcedOnTimeout},
		{"kubectl rollout restart of the worker set finishes, nothing lost", lc.rolloutRestarted},
		{"a Failed worker is replaced at once: the guard never holds it", lc.failedWorkerReplaced},
		{"helm uninstall mid-drain: nothing stays held, the worker that stays serves", lc.uninstalledMidDrain},
		{"runtime deleted mid-drain: everything goes and nothing stays Terminating", lc.deletedMidDrain},
	} {
		if !t.Run(sc.name, func(t *testing.T) { sc.run(ctx, t) }) {
			t.FailNow()
		}
	}
	wantNoErrorLines(t)
}

// wantNoErrorLines fails when fluid-drain's log has an Error line: every
// wait above is normal and logs at Info.
func wantNoErrorLines(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(drain.c.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"level":"error"`) {
			t.Errorf("fluid-drain logged an Error line during normal waits:\n%s", line)
		}
	}
}

type lifecycle struct {
	rt    stack.Runtime
	marks func() map[string][]stateMark
}

// killedMidDrain: 4 → 3; while worker 3 drains, SIGKILL; the guard keeps
// its pod while no controller runs; the restarted one finishes the drain.
func (lc *lifecycle) killedMidDrain(ctx context.Context, t *testing.T) {
	victim := lc.rt.WorkerPod(3)
	lc.scale(ctx, t, 3)
	lc.waitState(ctx, t, victim, drainingState, 3*time.Minute)
	drain.kill()
	t.Logf("fluid-drain killed with SIGKILL while %s drains", victim)
	// Nobody marks it drained now: the StatefulSet controller's delete
	// stays refused, and the pod and its worker stay.
	time.Sleep(15 * time.Second)
	if pod := lc.pod(ctx, t, victim); pod == nil || pod.DeletionTimestamp != nil || pod.Annotations[datav1alpha1.ScaleInStateAnnotation] != drainingState {
		t.Fatalf("with fluid-drain down, %s should stay, Draining; got %s", victim, describePod(pod))
	}
	if err := drain.restart(ctx); err != nil {
		t.Fatal(err)
	}
	lc.waitGone(ctx, t, victim, 3*time.Minute)
	lc.wantPassedThrough(t, victim, drainingState, scaledState)
	lc.wantCondition(ctx, t, "scaled in from 4 to 3 workers")
	if err := s.WaitLiveWorkers(ctx, lc.rt, 3, time.Minute); err != nil {
		t.Error(err)
	}
}

// scaledBackOutMidDrain: 3 → 1 while a workload reads; while both leaving
// workers drain, back to 3: both are cancelled, restarted (Alluxio takes
// a decommissioned worker back only then) and serve again, with no read
// failed and no file lost.
func (lc *lifecycle) scaledBackOutMidDrain(ctx context.Context, t *testing.T) {
	// A quiet period of 30s keeps both draining until Fluid has raised its
	// worker set's replicas again, however slow the machine.
	lc.annotateRuntime(ctx, t, map[string]any{datav1alpha1.QuietPeriodAnnotation: "30s"})
	defer lc.annotateRuntime(ctx, t, map[string]any{datav1alpha1.QuietPeriodAnnotation: nil})
	c, files := lc.writeFiles(ctx, t, "scale-back-out", 8)
	reader, err := c.StartReading(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = reader.Stop() }()
	before := lc.podUIDs(ctx, t)
	lc.scale(ctx, t, 1)
	for _, i := range []int{1, 2} {
		lc.waitState(ctx, t, lc.rt.WorkerPod(i), drainingState, 3*time.Minute)
	}
	lc.scale(ctx, t, 3)
	if err := s.WaitLiveWorkers(ctx, lc.rt, 3, 3*time.Minute); err != nil {
		t.Fatalf("the cancelled workers did not serve again: %v", err)
	}
	after := lc.podUIDs(ctx, t)
	for _, i := range []int{1, 2} {
		pod := lc.rt.WorkerPod(i)
		if p := lc.pod(ctx, t, pod); p == nil || p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "" || slices.Contains(p.Finalizers, datav1alpha1.ScaleInFinalizer) {
			t.Errorf("%s after the cancel: %s; want no scale-in record and no finalizer", pod, describePod(p))
		}
		if before[pod] == after[pod] {
			t.Errorf("%s was not restarted (uid %s): a decommissioned worker serves again only after a restart", pod, after[pod])
		}
		lc.wantPassedThrough(t, pod, drainingState, cancelledState)
	}
	// A worker serves again when a client on its node writes to it and
	// the blocks land there (written through, so nothing on it is left
	// unpersisted for the scenarios after this one).
	pods, err := s.WorkerPods(ctx, lc.rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		pod := lc.rt.WorkerPod(i)
		path := "/lifecycle/back-on-" + pod
		if _, err := c.Write(ctx, "CACHE_THROUGH", 64<<10, []string{path}, map[string]string{"alluxio.user.hostname": pods[pod]}); err != nil {
			t.Errorf("writing to %s once it is back: %v", pod, err)
		} else if err := s.CheckOnlyOn(ctx, lc.rt, path, pods[pod], pods); err != nil {
			t.Errorf("%s does not serve again: %v", pod, err)
		}
	}
	tally, err := reader.Stop()
	if err != nil {
		t.Fatal(err)
	}
	final, err := c.ReadOnce(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reads while scaled in and back out: %d, failed %d, mismatched %d; files read back: %d of %d", tally.Reads, tally.Failed, tally.Mismatched, final.OK, len(files))
	if tally.Failed+tally.Mismatched != 0 || len(final.Bad) != 0 {
		t.Errorf("%d reads failed and %d files were lost (%v); want none", tally.Failed+tally.Mismatched, len(final.Bad), final.LastError)
	}
}

// forcedOnTimeout: 3 → 2 with a drain timeout (8s, from the runtime's
// annotation) shorter than the clients' refresh (10s) plus the quiet
// period: the worker leaves, forced, and a Warning event on the runtime
// names it.
func (lc *lifecycle) forcedOnTimeout(ctx context.Context, t *testing.T) {
	victim := lc.rt.WorkerPod(2)
	lc.annotateRuntime(ctx, t, map[string]any{datav1alpha1.DrainTimeoutAnnotation: "8s", datav1alpha1.OnDrainTimeoutAnnotation: "Force"})
	defer lc.annotateRuntime(ctx, t, map[string]any{datav1alpha1.DrainTimeoutAnnotation: nil, datav1alpha1.OnDrainTimeoutAnnotation: nil})
	lc.scale(ctx, t, 2)
	lc.waitGone(ctx, t, victim, 3*time.Minute)
	lc.wantPassedThrough(t, victim, timedOutState, scaledState)
	evs, err := s.Cluster.Clientset.CoreV1().Events(lc.rt.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=AlluxioRuntime,involvedObject.name=" + lc.rt.Name})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range evs.Items {
		if e.Type == corev1.EventTypeWarning && e.Reason == "Forced" && strings.Contains(e.Message, victim) {
			return
		}
		seen = append(seen, e.Type+" "+e.Reason+": "+e.Message)
	}
	t.Errorf("no Warning event Forced naming %s on the runtime; events:\n%s", victim, strings.Join(seen, "\n"))
}

// deletedMidDrain: 2 → 1, and while worker 1 drains, the user deletes
// the runtime and its Dataset: Fluid uninstalls its chart, and every pod
// goes, none held by fluid-drain's finalizer.
func (lc *lifecycle) deletedMidDrain(ctx context.Context, t *testing.T) {
	victim := lc.rt.WorkerPod(1)
	lc.scale(ctx, t, 1)
	lc.waitState(ctx, t, victim, drainingState, 3*time.Minute)
	if err := s.DeleteRuntime(ctx, lc.rt); err != nil {
		t.Fatal(err)
	}
	var left []string
	err := s.Poll(ctx, 3*time.Minute, func() bool {
		pods, err := s.Cluster.Clientset.CoreV1().Pods(lc.rt.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "release=" + lc.rt.Name})
		if err != nil {
			return false
		}
		left = left[:0]
		for _, p := range pods.Items {
			left = append(left, describePod(&p))
		}
		return len(pods.Items) == 0
	})
	if err != nil {
		t.Fatalf("pods of the deleted runtime still there after 3m: %v", left)
	}
	if _, err := s.RuntimeObject(ctx, lc.rt); !apierrors.IsNotFound(err) {
		t.Errorf("the AlluxioRuntime is still there (err %v)", err)
	}
}

const (
	drainingState  = "Draining"
	scaledState    = "Scaled"
	cancelledState = "Cancelled"
	timedOutState  = "TimedOut"
)

func (lc *lifecycle) scale(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	if err := s.ScaleRuntime(ctx, lc.rt, n); err != nil {
		t.Fatal(err)
	}
	t.Logf("kubectl scale alluxioruntime/%s --replicas=%d", lc.rt.Name, n)
}

func (lc *lifecycle) pod(ctx context.Context, t *testing.T, name string) *corev1.Pod {
	t.Helper()
	p, err := s.Cluster.Clientset.CoreV1().Pods(lc.rt.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (lc *lifecycle) podUIDs(ctx context.Context, t *testing.T) map[string]types.UID {
	t.Helper()
	out := map[string]types.UID{}
	for i := 0; i < 4; i++ {
		if p := lc.pod(ctx, t, lc.rt.WorkerPod(i)); p != nil {
			out[p.Name] = p.UID
		}
	}
	return out
}

func (lc *lifecycle) waitState(ctx context.Context, t *testing.T, pod, state string, timeout time.Duration) {
	t.Helper()
	var last *corev1.Pod
	err := s.Poll(ctx, timeout, func() bool {
		last = lc.pod(ctx, t, pod)
		return last != nil && last.Annotations[datav1alpha1.ScaleInStateAnnotation] == state
	})
	if err != nil {
		t.Fatalf("%s not %s within %s: %s", pod, state, timeout, describePod(last))
	}
	t.Logf("%s is %s", pod, state)
}

// waitGone waits until the pod is gone from the API and its worker
// process has stopped.
func (lc *lifecycle) waitGone(ctx context.Context, t *testing.T, pod string, timeout time.Duration) {
	t.Helper()
	var last *corev1.Pod
	err := s.Poll(ctx, timeout, func() bool {
		last = lc.pod(ctx, t, pod)
		_, running := s.Runner.Pods()[lc.rt.Namespace+"/"+pod]
		return last == nil && !running
	})
	if err != nil {
		t.Fatalf("%s not gone within %s: %s", pod, timeout, describePod(last))
	}
	t.Logf("%s gone", pod)
}

// wantPassedThrough checks the states the pod carried include want, in
// order.
func (lc *lifecycle) wantPassedThrough(t *testing.T, pod string, want ...string) {
	t.Helper()
	var got []string
	for _, m := range lc.marks()[pod] {
		got = append(got, m.State)
	}
	i := 0
	for _, st := range got {
		if i < len(want) && st == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("%s went through %v; want %v in that order", pod, got, want)
	}
}

func (lc *lifecycle) wantCondition(ctx context.Context, t *testing.T, message string) {
	t.Helper()
	var cond *metav1.Condition
	err := s.Poll(ctx, time.Minute, func() bool {
		cond = gracefulScaleIn(ctx, t, lc.rt)
		return cond != nil && cond.Status == metav1.ConditionTrue && strings.Contains(cond.Message, message)
	})
	if err != nil {
		t.Errorf("condition %s = %+v; want True, %q", datav1alpha1.GracefulScaleInCondition, cond, message)
	}
}

func (lc *lifecycle) annotateRuntime(ctx context.Context, t *testing.T, ann map[string]any) {
	t.Helper()
	if err := s.AnnotateRuntime(ctx, lc.rt, ann); err != nil {
		t.Fatal(err)
	}
}

// client is a workload client of the runtime.
func (lc *lifecycle) client(ctx context.Context, t *testing.T) *workload.Client {
	t.Helper()
	props, err := s.ClientProperties(lc.rt)
	if err != nil {
		t.Fatal(err)
	}
	c, err := workload.New(ctx, s.JarsDir, t.TempDir(), props)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeFiles writes n CACHE_THROUGH files (the stack runs no job service,
// so only those are ever persisted) and returns the client and their
// checksums.
func (lc *lifecycle) writeFiles(ctx context.Context, t *testing.T, prefix string, n int) (*workload.Client, map[string]string) {
	t.Helper()
	c := lc.client(ctx, t)
	var paths []string
	for i := 0; i < n; i++ {
		paths = append(paths, fmt.Sprintf("/lifecycle/%s-%d", prefix, i))
	}
	files, err := c.Write(ctx, "CACHE_THROUGH", 256<<10, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, files
}

func describePod(p *corev1.Pod) string {
	if p == nil {
		return "gone"
	}
	return fmt.Sprintf("%s state %q finalizers %v deleting %v", p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation], p.Finalizers, p.DeletionTimestamp != nil)
}
