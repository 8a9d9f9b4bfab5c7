package fluid

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	e2estack "github.com/fluid-drain/fluid-drain/test/e2e/stack"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// drainWorkload is what the graceful scale-in runs under: files spread
// over every worker, read and checked in a loop. The stack runs no
// Alluxio job service, so data that exists only in a cache can never be
// persisted here; fluid-drain would (rightly) hold its worker for ever, so
// the files are written through to the under store.
var drainWorkload = stack.Workload{FileSize: 256 << 10, CacheThrough: 12, ReadAfter: 20 * time.Second}

// fluid-drain installed next to Fluid with its chart (mode fluid: the
// admission guard, no CRD, its own service account), a Fluid user's
// runtime of 4 workers scaled to 2 under a reading workload: the guard
// holds each leaving pod until fluid-drain has decommissioned and drained
// its worker, no read fails and no file is lost.
func testGracefulScaleInNextToFluid(ctx context.Context, t *testing.T, rt stack.Runtime) {
	ensureFluidDrain(ctx, t)
	if err := s.CreateRuntime(ctx, &rt); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitSetUp(ctx, rt, 8*time.Minute); err != nil {
		t.Fatal(err)
	}
	marks := watchScaleInStates(ctx, t, rt)
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
		states := marks()[pod]
		if len(states) == 0 || states[len(states)-1] != "Scaled" || !slices.Contains(states, "Draining") {
			t.Errorf("%s went through %v before it was deleted; want Decommissioning, Draining, then Scaled", pod, states)
		}
	}
	cond := gracefulScaleIn(ctx, t, rt)
	if cond == nil || cond.Status != metav1.ConditionTrue || !strings.Contains(cond.Message, "scaled in from 4 to 2 workers") {
		t.Errorf("condition %s = %+v; want True, scaled in from 4 to 2 workers", datav1alpha1.GracefulScaleInCondition, cond)
	}
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

// watchScaleInStates records every scale-in state each of the runtime's
// worker pods carried, in order, until ctx ends.
func watchScaleInStates(ctx context.Context, t *testing.T, rt stack.Runtime) func() map[string][]string {
	t.Helper()
	w, err := s.Cluster.Clientset.CoreV1().Pods(rt.Namespace).Watch(ctx, metav1.ListOptions{LabelSelector: "role=alluxio-worker,release=" + rt.Name})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string][]string{}
	done := make(chan struct{})
	var snapshot map[string][]string
	ask := make(chan chan map[string][]string)
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
					if h := seen[pod.Name]; st != "" && (len(h) == 0 || h[len(h)-1] != st) {
						seen[pod.Name] = append(h, st)
					}
				}
			case reply := <-ask:
				snapshot = map[string][]string{}
				for k, v := range seen {
					snapshot[k] = append([]string(nil), v...)
				}
				reply <- snapshot
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() map[string][]string {
		reply := make(chan map[string][]string, 1)
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
