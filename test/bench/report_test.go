package bench

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// stat is the median, min and max of a figure's runs.
type stat struct{ samples []float64 }

func (s *stat) add(v float64) { s.samples = append(s.samples, v) }

func (s stat) sorted() []float64 { x := slices.Clone(s.samples); slices.Sort(x); return x }

func (s stat) median() float64 {
	x := s.sorted()
	switch {
	case len(x) == 0:
		return math.NaN()
	case len(x)%2 == 1:
		return x[len(x)/2]
	}
	return (x[len(x)/2-1] + x[len(x)/2]) / 2
}

// fmt renders "median (min–max)" with the given verb, e.g. "%.2f".
func (s stat) fmt(verb string) string {
	x := s.sorted()
	if len(x) == 0 {
		return "–"
	}
	m := fmt.Sprintf(verb, s.median())
	if len(x) == 1 {
		return m
	}
	return fmt.Sprintf("%s (%s–%s)", m, fmt.Sprintf(verb, x[0]), fmt.Sprintf(verb, x[len(x)-1]))
}

// floorAllAtOnce is the least time any correct controller needs when all
// victims drain at once, each busy for work after the replica change: a
// victim may leave once the clients' refresh interval passed since its
// decommission and it has been idle for the quiet period since then
// (the quiet period may run during the refresh wait, but not before the
// decommission, which cannot come before the replica change).
func floorAllAtOnce(work time.Duration) time.Duration { return max(refresh, work+quiet) }

// floorSequential is the least time with maxConcurrent=1: victim k may be
// decommissioned only once victim k-1 is done, must then wait the
// refresh interval, and cannot be done before its own work ended plus
// the quiet period: end_k = max(end_(k-1) + refresh, work + quiet),
// end_0 = 0.
func floorSequential(n int, work time.Duration) time.Duration {
	var end time.Duration
	for range n {
		end = max(end+refresh, work+quiet)
	}
	return end
}

// machine describes where the bench ran.
func machine() string {
	cpu := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
				mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("- CPU: %s, %d cores (nproc)\n- Memory: %s\n- Go: %s %s/%s\n- Load average when the bench started: %s",
		cpu, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH, loadavg())
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ") + " (1, 5, 15 min)"
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func secs(d time.Duration) float64 { return d.Seconds() }
