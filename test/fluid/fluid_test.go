package fluid

import (
	"context"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// Fluid's own controllers, with a Fluid user's unchanged Dataset and
// AlluxioRuntime, set up a real Alluxio of 4 workers; then the runner's
// own behaviour; then the baseline scale-in. One runtime, in order.
func TestFluid(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	rt := stack.Runtime{Namespace: "default", Name: "hbase", Workers: 4}

	ok := t.Run("Fluid sets up a real Alluxio of 4 workers", func(t *testing.T) {
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
	if !ok {
		t.FailNow()
	}
}
