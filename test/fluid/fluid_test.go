package fluid

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// Fluid's own controllers, with a Fluid user's unchanged Dataset and
// AlluxioRuntime, set up a real Alluxio of 4 workers; then the runner's
// own behaviour; then the baseline scale-in. One runtime, in order.
func TestFluid(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	rt := stack.Runtime{Namespace: "default", Name: "hbase", Workers: 4}
	t.Cleanup(func() { stopFluidDrain(t) })

	step := func(name string, f func(context.Context, *testing.T, stack.Runtime)) {
		if !t.Run(name, func(t *testing.T) { f(ctx, t, rt) }) {
			t.FailNow()
		}
	}
	step("Fluid sets up a real Alluxio of 4 workers", func(ctx context.Context, t *testing.T, _ stack.Runtime) {
		if err := s.CreateRuntime(ctx, &rt); err != nil {
			t.Fatal(err)
		}
		if err := s.WaitSetUp(ctx, rt, 8*time.Minute); err != nil {
			t.Fatal(err)
		}
		n, summary, err := s.LiveWorkers(ctx, rt)
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Fatalf("alluxio fsadmin report summary: %d live workers, want 4:\n%s", n, summary)
		}
		t.Logf("alluxio fsadmin report summary:\n%s", summary)
	})
	step("runner: a pod's configuration is its process's", testPodConfigurationIsTheProcessConfiguration)
	step("runner: exec reaches the real CLI", testExecReachesTheRealCLI)
	step("runner: deleting a pod kills its process", testDeletingAPodKillsItsProcess)
	step("baseline: Fluid alone scales in 4 to 2 under load and loses data", func(ctx context.Context, t *testing.T, rt stack.Runtime) {
		fig, err := s.ScaleInUnderLoad(ctx, rt, 2, stack.DefaultWorkload, s.ScaleRuntime, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("\nBASELINE (Fluid %s alone, no graceful scale-in): %v\n", stack.FluidVersion, fig)
		for p, e := range fig.Lost {
			t.Logf("lost %s: %s", p, e)
		}
		if fig.Placed == 0 || fig.PlacedLost != fig.Placed {
			t.Errorf("%d of the %d files placed only on the leaving workers were lost; Fluid's plain scale-in should lose them all", fig.PlacedLost, fig.Placed)
		}
		if fig.DurableLost != 0 {
			t.Errorf("%d CACHE_THROUGH files lost: the under store has them", fig.DurableLost)
		}
		if fig.FailedReads == 0 {
			t.Errorf("no read failed while the scale-in removed workers holding the only copies")
		}
	})
	step("graceful: fluid-drain next to Fluid drains a 4 to 2 scale-in under load", func(ctx context.Context, t *testing.T, _ stack.Runtime) {
		drained := stack.Runtime{Namespace: "default", Name: "spark", Workers: 4,
			// Clients refresh their worker list every 10s: fluid-drain waits that
			// long after each decommission.
			Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": "10s"},
			// ASYNC_THROUGH files are persisted, so a worker holding
			// unpersisted data can be waited for.
			JobService: true}
		testGracefulScaleInNextToFluid(ctx, t, drained)
	})
	step("lifecycle: killed, scaled back out, timed out and forced, deleted, all mid-drain", func(ctx context.Context, t *testing.T, _ stack.Runtime) {
		testScaleInLifecycleNextToFluid(ctx, t, stack.Runtime{Namespace: "default", Name: "flink", Workers: 4,
			Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": "10s"}})
	})
}
