package bench

import (
	"os"
	"strconv"
	"testing"
)

// TestSmoke checks that the bench still runs: one tiny graceful
// scale-in (2 -> 1 workers), one run, checked (cluster.check), no timing
// asserted.
func TestSmoke(t *testing.T) {
	out, err := runScaleIn(t.Context(), scaleCase{graceful: true, runtimes: 1, from: 2, to: 1, busy: briefFor, workload: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range out.failures {
		t.Error(f)
	}
	if out.calls.writes() == 0 || out.reconciles.total == 0 {
		t.Fatalf("nothing measured: calls %v, %d reconciles", out.calls, out.reconciles.total)
	}
	t.Logf("1 victim: %s, %d reads, %d writes (%v), p99 reconcile %.3fs",
		out.elapsed, out.calls.reads(), out.calls.writes(), out.calls, out.reconciles.quantile(0.99))
}

// TestBench measures every figure and writes BENCHMARKS.md (BENCH=1).
// Any run whose scale-in was wrong (cluster.check) fails it, after the
// file is written with the failures listed.
func TestBench(t *testing.T) {
	if os.Getenv("BENCH") != "1" {
		t.Skip("the full bench runs with BENCH=1 (make bench)")
	}
	b := newBench(t)
	b.scaleSizes()
	b.manyRuntimes()
	b.memory()
	b.write()
	for _, f := range b.failures {
		t.Error(f)
	}
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
