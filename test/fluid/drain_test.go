package fluid

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
	e2estack "github.com/fluid-drain/fluid-drain/test/e2e/stack"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// drainWorkload is what the graceful scale-in runs under: files spread
// over every worker, read and checked in a loop. The runtime runs the
// job service, so ASYNC_THROUGH files get persisted; each leaving worker
// also gets one whose persistence is delayed (PersistDelay after its
// write), so when the scale-in starts that worker holds data that exists
// only in its cache, and fluid-drain must hold it until it is persisted.
// No MUST_CACHE files: Alluxio never persists them by itself, so
// fluid-drain would (rightly) hold their workers until the drain timeout.
var drainWorkload = stack.Workload{FileSize: 256 << 10, CacheThrough: 8, AsyncThrough: 4,
	PerLeavingWorkerDelayed: 1, PersistDelay: 30 * time.Second, ReadAfter: 20 * time.Second}

// fluid-drain installed next to Fluid with its chart (mode fluid: the
// admission guard, no CRD, its own service account), a Fluid user's
// runtime of 4 workers scaled to 2 under a reading workload: the guard
// holds each leaving pod until fluid-drain has decommissioned and drained
// its worker, and a worker holding data not yet persisted is held, with
// the reason UnpersistedData, until it is; no read fails and no file is
// lost.
func testGracefulScaleInNextToFluid(ctx context.Context, t *testing.T, rt stack.Runtime) {
	marks := setUpNextToFluid(ctx, t, &rt)
	conds := watchGracefulScaleIn(ctx, t, rt)
	fig, err := s.ScaleInUnderLoad(ctx, rt, 2, drainWorkload, s.ScaleRuntime, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\nWITH FLUID-DRAIN (Fluid %s, %s): %v\n", stack.FluidVersion, "graceful scale-in", fig)
	if fig.FailedReads != 0 || fig.LostFiles != 0 {
		t.Errorf("with fluid-drain %d reads failed and %d files were lost; want none: %v", fig.FailedReads, fig.LostFiles, fig.Lost)
	}
	for i := 2; i < 4; i++ {
		pod := rt.WorkerPod(i)
		var states []string
		var decommissioning time.Time
		for _, m := range marks()[pod] {
			states = append(states, m.State)
			if m.State == "Decommissioning" && decommissioning.IsZero() {
				decommissioning = m.At
			}
		}
		if len(states) == 0 || states[len(states)-1] != "Scaled" || !slices.Contains(states, "Draining") {
			t.Errorf("%s went through %v before it was deleted; want Decommissioning, Draining, then Scaled", pod, states)
		}
		shown := heldForUnpersisted(conds(), pod)
		left := fig.Left[pod]
		// When the last of the pod's own delayed files was persisted.
		var persisted time.Time
		for _, p := range fig.DelayedOn[pod] {
			at, ok := fig.PersistedAt[p]
			if !ok {
				persisted = time.Time{}
				break
			}
			if at.After(persisted) {
				persisted = at
			}
		}
		since := func(at time.Time) time.Duration { return at.Sub(fig.Start).Round(time.Second) }
		switch {
		case len(fig.DelayedOn[pod]) == 0:
			t.Errorf("no file of delayed persistence was placed on %s", pod)
		case shown.IsZero():
			t.Errorf("%s held files not yet persisted, but the %s condition never said so (reason %s, naming the pod)", pod, datav1alpha1.GracefulScaleInCondition, drainfsm.UnpersistedDataReason)
		case persisted.IsZero():
			t.Errorf("%s left before its delayed ASYNC_THROUGH files %v were persisted", pod, fig.DelayedOn[pod])
		case !left.After(persisted):
			t.Errorf("%s left at %s, before its files were persisted at %s", pod, left.Format(time.StampMilli), persisted.Format(time.StampMilli))
		default:
			fmt.Printf("%s: held with %s (first shown %s after the replicas change); its files persisted at %s, decommissioned at %s, gone at %s\n",
				pod, drainfsm.UnpersistedDataReason, since(shown), since(persisted), since(decommissioning), since(left))
		}
	}
	// What Alluxio itself says: every ASYNC_THROUGH file was persisted.
	out, err := s.ExecIn(ctx, rt.Namespace, rt.MasterPod(), stack.MasterContainer, "alluxio", "fs", "ls", "-R", "/workload")
	if err != nil {
		t.Fatal(err)
	}
	async := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "async-through") {
			async++
			if f := strings.Fields(line); len(f) < 2 || f[1] != "PERSISTED" {
				t.Errorf("not persisted after the scale-in: %s", line)
			}
		}
	}
	if want := drainWorkload.AsyncThrough + fig.Delayed; async != want {
		t.Errorf("alluxio fs ls -R /workload lists %d ASYNC_THROUGH files, want %d:\n%s", async, want, out)
	}
	cond := gracefulScaleIn(ctx, t, rt)
	if cond == nil || cond.Status != metav1.ConditionTrue || !strings.Contains(cond.Message, "scaled in from 4 to 2 workers") {
		t.Errorf("condition %s = %+v; want True, scaled in from 4 to 2 workers", datav1alpha1.GracefulScaleInCondition, cond)
	}
}

// conditionSeen is the runtime's GracefulScaleIn condition at a time.
type conditionSeen struct {
	At              time.Time
	Reason, Message string
}

// watchGracefulScaleIn records each new reason and message of the
// runtime's GracefulScaleIn condition (looked at every second) until ctx
// ends.
func watchGracefulScaleIn(ctx context.Context, t *testing.T, rt stack.Runtime) func() []conditionSeen {
	t.Helper()
	var mu sync.Mutex
	var seen []conditionSeen
	go func() {
		for ctx.Err() == nil {
			if st, err := s.State(ctx, rt); err == nil {
				for _, c := range st.ConditionObjects {
					mu.Lock()
					if c.Type == datav1alpha1.GracefulScaleInCondition && (len(seen) == 0 || seen[len(seen)-1].Reason != c.Reason || seen[len(seen)-1].Message != c.Message) {
						seen = append(seen, conditionSeen{At: time.Now(), Reason: c.Reason, Message: c.Message})
					}
					mu.Unlock()
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return func() []conditionSeen {
		mu.Lock()
		defer mu.Unlock()
		return append([]conditionSeen(nil), seen...)
	}
}

// heldForUnpersisted returns when the condition first said, with reason
// UnpersistedData, that pod holds files not yet persisted (zero: never).
func heldForUnpersisted(seen []conditionSeen, pod string) time.Time {
	// The condition's message lists each leaving pod as
	// "<pod> (<state>: <why>)"; a held pod's why counts its files.
	held := regexp.MustCompile(regexp.QuoteMeta(pod) + ` \(\w+: \d+ files [^;]*not yet persisted`)
	for _, c := range seen {
		if c.Reason == drainfsm.UnpersistedDataReason && held.MatchString(c.Message) {
			return c.At
		}
	}
	return time.Time{}
}

// fluidDrain is fluid-drain as a Fluid user installs it (see
// stack.InstallFluidDrain), installed once, by the first scenario that
// needs it. Scenarios kill and restart the process; TestFluid stops it
// at the end.
type fluidDrain struct {
	c *e2estack.Controller
}

var drain *fluidDrain

// ensureFluidDrain installs and starts fluid-drain unless it runs.
func ensureFluidDrain(ctx context.Context, t *testing.T) *fluidDrain {
	t.Helper()
	if drain == nil {
		c, err := s.InstallFluidDrain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		drain = &fluidDrain{c: c}
	}
	return drain
}

// setUpNextToFluid starts fluid-drain unless it runs, has Fluid set up a
// runtime from the user's manifests, and records the scale-in states its
// worker pods carry from then on.
func setUpNextToFluid(ctx context.Context, t *testing.T, rt *stack.Runtime) func() map[string][]stateMark {
	t.Helper()
	ensureFluidDrain(ctx, t)
	if err := s.CreateRuntime(ctx, rt); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitSetUp(ctx, *rt, 8*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitGuarded(ctx, *rt, time.Minute); err != nil {
		t.Fatal(err)
	}
	return watchScaleInStates(ctx, t, *rt)
}

// kill ends the controller with SIGKILL: no shutdown, no last write.
func (d *fluidDrain) kill() { d.c.Kill() }

// restart starts a new controller process with the same options.
func (d *fluidDrain) restart(ctx context.Context) error {
	c, err := d.c.Restart(ctx)
	if err != nil {
		return err
	}
	d.c = c
	return nil
}

// stopFluidDrain stops the controller, showing its log's tail when the
// test failed.
func stopFluidDrain(t *testing.T) {
	if drain == nil {
		return
	}
	if t.Failed() {
		t.Logf("fluid-drain log (tail):\n%s", drain.c.Tail(6000))
	}
	_ = drain.c.Stop(10 * time.Second)
	drain = nil
}

// stateMark is a scale-in state a worker pod carried, from when it was
// first seen.
type stateMark struct {
	State string
	At    time.Time
}

// watchScaleInStates records every scale-in state each of the runtime's
// worker pods carried, in order, until ctx ends.
func watchScaleInStates(ctx context.Context, t *testing.T, rt stack.Runtime) func() map[string][]stateMark {
	t.Helper()
	w, err := s.Cluster.Clientset.CoreV1().Pods(rt.Namespace).Watch(ctx, metav1.ListOptions{LabelSelector: "role=alluxio-worker,release=" + rt.Name})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string][]stateMark{}
	done := make(chan struct{})
	ask := make(chan chan map[string][]stateMark)
	go func() {
		defer close(done)
		for {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				if pod, isPod := ev.Object.(*corev1.Pod); isPod && ev.Type != watch.Error {
					st := pod.Annotations[datav1alpha1.ScaleInStateAnnotation]
					if h := seen[pod.Name]; st != "" && (len(h) == 0 || h[len(h)-1].State != st) {
						seen[pod.Name] = append(h, stateMark{State: st, At: time.Now()})
					}
				}
			case reply := <-ask:
				snapshot := map[string][]stateMark{}
				for k, v := range seen {
					snapshot[k] = append([]stateMark(nil), v...)
				}
				reply <- snapshot
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() map[string][]stateMark {
		reply := make(chan map[string][]stateMark, 1)
		select {
		case ask <- reply:
			return <-reply
		case <-done:
			return seen
		}
	}
}

func gracefulScaleIn(ctx context.Context, t *testing.T, rt stack.Runtime) *metav1.Condition {
	t.Helper()
	st, err := s.State(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range st.ConditionObjects {
		if c.Type == datav1alpha1.GracefulScaleInCondition {
			return &c
		}
	}
	return nil
}
