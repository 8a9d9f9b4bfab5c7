// Package reliability plays randomized, seeded fault schedules against the
// graceful scale-in: the controller's Reconcile driven in a loop against a
// fake API server, a simulated StatefulSet controller, garbage collector
// and kubelet, and the in-process Alluxio emulator, with faults injected
// between and inside reconciles. After each schedule the faults stop and
// the world must converge, with the invariants held throughout.
//
//	go test ./test/reliability/ -run Schedules              # 200 schedules
//	go test ./test/reliability/ -run Schedules -seed=42 -v  # replay one
//	RELIABILITY_SCHEDULES=5000 go test ./test/reliability/ -run Schedules -count=1 -v
//
// A seed fixes the schedule (workers, policy, every fault and its step);
// the interleaving with real time (refresh intervals, operations in
// flight) can still differ between runs, so a replay reproduces the
// schedule, and nearly always its outcome.
package reliability

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

var (
	flagSchedules = flag.Int("schedules", 0, "schedules to run (default: $RELIABILITY_SCHEDULES, else 200)")
	flagSeed      = flag.String("seed", "", "replay the schedules of these seeds only (comma-separated)")
	flagBaseSeed  = flag.Int64("base-seed", 0, "first seed; schedule i runs seed base+i (default: $RELIABILITY_BASE_SEED, else 1)")
	flagParallel  = flag.Int("parallel-schedules", 6, "schedules run at once (each sleeps most of its time)")
	flagShow      = flag.Int("show-failures", 5, "failed schedules whose whole log is printed")
	flagStop      = flag.Bool("stop-on-failure", false, "hand out no more schedules once one failed (mutation runs)")
)

const defaultSchedules = 200

// blocks hands each schedule its own 127.a.b.0/24.
var blocks atomic.Int64

func nextBlock() string {
	i := blocks.Add(1) - 1
	return fmt.Sprintf("127.%d.%d.", 1+(i/256)%250, i%256)
}

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

func envInt(name string) (int64, bool) {
	v := os.Getenv(name)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("%s=%q is not a number", name, v))
	}
	return n, true
}

func TestSchedules(t *testing.T) {
	ctx := ctrl.LoggerInto(context.Background(), logr.Discard())
	tm := defaultTimings

	var seeds []int64
	if *flagSeed != "" {
		for _, f := range strings.Split(*flagSeed, ",") {
			s, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("-seed=%q is not a list of numbers", *flagSeed)
			}
			seeds = append(seeds, s)
		}
	} else {
		n := int64(*flagSchedules)
		if n == 0 {
			if v, ok := envInt("RELIABILITY_SCHEDULES"); ok {
				n = v
			} else {
				n = defaultSchedules
			}
		}
		base := *flagBaseSeed
		if base == 0 {
			base = 1
			if v, ok := envInt("RELIABILITY_BASE_SEED"); ok {
				base = v
			}
		}
		for i := range n {
			seeds = append(seeds, base+i)
		}
	}

	type outcome struct {
		sc schedule
		w  *world
	}
	started := time.Now()
	jobs := make(chan int64)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range max(1, min(*flagParallel, len(seeds))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range jobs {
				sc := newSchedule(seed, tm)
				results <- outcome{sc: sc, w: sc.run(ctx, nextBlock(), tm)}
			}
		}()
	}
	// Stop handing out schedules before go test's -timeout would kill
	// the binary mid-schedule (a soak of thousands wants -timeout=0).
	deadline, hasDeadline := t.Deadline()
	var stoppedEarly, anyFailed atomic.Bool
	go func() {
		for _, s := range seeds {
			if *flagStop && anyFailed.Load() {
				break
			}
			if hasDeadline && time.Until(deadline) < tm.settleTime+30*time.Second {
				stoppedEarly.Store(true)
				break
			}
			jobs <- s
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()

	passed, failed, shown := 0, 0, 0
	faultCounts := map[faultKind]int{}
	var failedSeeds []string
	for o := range results {
		for _, f := range o.sc.faults {
			faultCounts[f.kind]++
		}
		if len(o.w.failures) == 0 {
			passed++
			if len(seeds) == 1 {
				t.Logf("schedule %s passed\n%s", o.sc, o.w.report())
			}
			continue
		}
		failed++
		anyFailed.Store(true)
		failedSeeds = append(failedSeeds, strconv.FormatInt(o.sc.seed, 10))
		if shown < *flagShow {
			shown++
			t.Errorf("schedule %s FAILED:\n  %s\nreplay: go test ./test/reliability/ -run Schedules -count=1 -v -seed=%d\nschedule log:\n%s",
				o.sc, strings.Join(o.w.failures, "\n  "), o.sc.seed, o.w.report())
		} else {
			t.Errorf("schedule seed %d FAILED: %s", o.sc.seed, o.w.failures[0])
		}
	}
	var kinds []string
	for _, w := range weights {
		kinds = append(kinds, fmt.Sprintf("%s=%d", w.kind, faultCounts[w.kind]))
	}
	t.Logf("faults injected: %s", strings.Join(kinds, " "))
	if failed > 0 {
		t.Logf("failed seeds: %s", strings.Join(failedSeeds, " "))
	}
	fmt.Printf("schedules: %d passed, %d failed in %s\n", passed, failed, time.Since(started).Round(time.Second))
	if stoppedEarly.Load() {
		t.Errorf("stopped after %d of %d schedules: go test's -timeout is near; run long soaks with -timeout=0", passed+failed, len(seeds))
	}
}
