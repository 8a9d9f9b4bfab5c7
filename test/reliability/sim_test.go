package reliability

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	flagSimSchedules = flag.Int("sim-schedules", 0, "simulated schedules to run (default: $RELIABILITY_SIM_SCHEDULES, else 200)")
	flagSimSeed      = flag.String("sim-seed", "", "replay the simulated schedules of these seeds only (comma-separated)")
)

// knownFailures are seeds whose schedules fail on a controller defect not
// fixed yet, with the failure each must show. They are checked both ways:
// such a seed must still fail that way (when the defect is fixed, the test
// says to remove the entry), and every other seed must pass.
var knownFailures = map[int64]string{}

// TestSimulatedSchedules plays seeded fault schedules on simulated time
// (simSchedule): the controller is reconciled only when it asks or when
// a watched object changes, Alluxio's clients route work and write files
// by their cached worker lists, and a seed always gives the same run.
func TestSimulatedSchedules(t *testing.T) {
	var seeds []int64
	if *flagSimSeed != "" {
		for _, f := range strings.Split(*flagSimSeed, ",") {
			s, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("-sim-seed=%q is not a list of numbers", *flagSimSeed)
			}
			seeds = append(seeds, s)
		}
	} else {
		n := int64(*flagSimSchedules)
		if n == 0 {
			n = defaultSchedules
			if v, ok := envInt("RELIABILITY_SIM_SCHEDULES"); ok {
				n = v
			}
		}
		base := int64(1)
		if v, ok := envInt("RELIABILITY_BASE_SEED"); ok {
			base = v
		}
		for i := range n {
			seeds = append(seeds, base+i)
		}
	}
	started := time.Now()
	type outcome struct {
		sc simSchedule
		w  *simWorld
	}
	results := make([]outcome, len(seeds))
	var wg sync.WaitGroup
	var anyFailed atomic.Bool
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sc := newSimSchedule(seeds[i])
				results[i] = outcome{sc: sc, w: sc.run()}
				if _, known := knownFailures[sc.seed]; len(results[i].w.failed) > 0 && !known {
					anyFailed.Store(true)
				}
			}
		}()
	}
	for i := range seeds {
		if *flagStop && anyFailed.Load() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()

	passed, failed, shown, known := 0, 0, 0, 0
	faults := map[simFaultKind]int{}
	var failedSeeds []string
	simulated := time.Duration(0)
	reconciles := 0
	for _, o := range results {
		if o.w == nil {
			continue // not run: -stop-on-failure
		}
		for _, f := range o.sc.faults {
			faults[f.kind]++
		}
		simulated += o.w.clock.Now().Sub(o.w.start)
		reconciles += o.w.reconciles
		if want, ok := knownFailures[o.sc.seed]; ok {
			if len(o.w.failed) == 0 || !strings.Contains(strings.Join(o.w.failed, "\n"), want) {
				t.Errorf("simulated schedule seed %d no longer fails with %q (failures: %q): the defect is fixed or moved; update knownFailures",
					o.sc.seed, want, o.w.failed)
			} else {
				known++
				t.Logf("simulated schedule seed %d fails as known: %s", o.sc.seed, want)
			}
			continue
		}
		if len(o.w.failed) == 0 {
			passed++
			if len(seeds) == 1 {
				t.Logf("schedule %s passed\n%s", o.sc, o.w.report())
			}
			continue
		}
		failed++
		failedSeeds = append(failedSeeds, strconv.FormatInt(o.sc.seed, 10))
		if shown < *flagShow {
			shown++
			t.Errorf("simulated schedule %s FAILED:\n  %s\nreplay: go test ./test/reliability/ -run SimulatedSchedules -count=1 -v -sim-seed=%d\nschedule log:\n%s",
				o.sc, strings.Join(o.w.failed, "\n  "), o.sc.seed, o.w.report())
		} else {
			t.Errorf("simulated schedule seed %d FAILED: %s", o.sc.seed, o.w.failed[0])
		}
	}
	var kinds []string
	for _, w := range simWeights {
		kinds = append(kinds, fmt.Sprintf("%s=%d", w.kind, faults[w.kind]))
	}
	t.Logf("faults injected: %s", strings.Join(kinds, " "))
	if failed > 0 {
		t.Logf("failed seeds: %s", strings.Join(failedSeeds, " "))
	}
	fmt.Printf("simulated schedules: %d passed, %d failed, %d known defects in %s (%s simulated, %d reconciles)\n",
		passed, failed, known, time.Since(started).Round(time.Second), simulated.Round(time.Minute), reconciles)
}

// A seed gives one run: the same log, events and verdict, however busy
// the machine.
func TestSimulatedScheduleIsReproducible(t *testing.T) {
	for _, seed := range []int64{3, 44, 101} {
		a, b := newSimSchedule(seed).run(), newSimSchedule(seed).run()
		if a.report() != b.report() || strings.Join(a.failed, "\n") != strings.Join(b.failed, "\n") {
			t.Errorf("seed %d ran two ways:\n--- first\n%s\n--- second\n%s", seed, a.report(), b.report())
		}
	}
}
