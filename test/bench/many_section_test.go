package bench

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// manyRuntimes measures section 4: BENCH_RUNTIMES runtimes (default 100)
// scaling 10 -> 5 at once, against one alone, with the controller's CPU.
func (b *bench) manyRuntimes() {
	n := envInt(b.t, "BENCH_RUNTIMES", 100)
	sc := scaleCase{graceful: true, runtimes: 1, from: 10, to: 5, busy: busyFor, workload: true, cpu: true}
	oneName, manyName := "1 runtime 10 -> 5", fmt.Sprintf("%d runtimes 10 -> 5", n)
	if !b.wants(oneName) && !b.wants(manyName) {
		return
	}
	one := b.measure(oneName, sc)
	sc.runtimes = n
	many := b.measure(manyName, sc)
	var ratio stat
	for _, v := range many.elapsed.samples {
		ratio.add(v / one.elapsed.median())
	}
	// The same scale-in with the gate off: no drain, the replicas drop at
	// once. Its time is what the API server, etcd and
	// kube-controller-manager alone take to remove the pods on this
	// machine, a floor no controller goes below.
	gsc := scaleCase{runtimes: n, from: 10, to: 5, cpu: true}
	gate := b.measure(fmt.Sprintf("%d runtimes 10 -> 5, gate off", n), gsc)
	var gateRatio stat
	for _, v := range gate.elapsed.samples {
		gateRatio.add(v / one.elapsed.median())
	}
	sweep := b.concurrencySweep(sc, many)
	perRuntime := func(m *measured, s stat) string {
		var out stat
		for _, v := range s.samples {
			out.add(v / float64(m.sc.runtimes))
		}
		return out.fmt("%.3f")
	}
	row := func(m *measured, rel string) string {
		return fmt.Sprintf("| %d | %s | %s | %s | %s | %s | %s | %s |\n", m.sc.runtimes, m.elapsed.fmt("%.2f"), rel, m.p99.fmt("%.2f"),
			m.writes.fmt("%.1f"), m.requests.fmt("%.0f"), perRuntime(m, m.controllerCPU), m.procCPU.fmt("%.1f"))
	}
	gateRow := func(m *measured, rel string) string {
		return fmt.Sprintf("| %d, gate off (baseline) | %s | %s | %s | – | %s | %s | %s |\n", m.sc.runtimes, m.elapsed.fmt("%.2f"), rel, m.p99.fmt("%.2f"),
			m.requests.fmt("%.0f"), perRuntime(m, m.controllerCPU), m.procCPU.fmt("%.1f"))
	}
	b.section(fmt.Sprintf("## 4. Many runtimes\n\n"+
		"%d runtimes of 10 workers (%d worker pods, %d pods with the masters, addresses from %s1 to %s254, fake nodes shared) all scaled 10 -> 5 at once, victims busy 3s with the emulated client sending operations; "+
		"time from the first replica change to the last victim pod gone, against one runtime alone doing the same. The controller runs with %d concurrent reconciles (%s).\n\n"+
		"| runtimes | time (s) | relative to one runtime (median) | p99 reconcile (s) | writes / victim | API requests per scale-in | controller CPU per scale-in (s) | bench process CPU (s) |\n|---|---|---|---|---|---|---|---|\n%s%s%s\n"+
		"p99 reconcile is histogram_quantile(0.99) over `controller_runtime_reconcile_time_seconds` (metrics.Registry) during the scale-in. "+
		"API requests per scale-in are the controller's reads and writes (exec counted as above) divided by the runtimes. "+
		"Controller CPU is measured, from the replica change until every runtime reported its scale-in finished, by a CPU profile of the bench process in which every goroutine the controller's manager starts carries a pprof label "+
		"(goroutines inherit their creator's labels): the labelled samples are the controller's reconciles, informers, work queues and API and Alluxio clients, divided by the runtimes. "+
		"Not in it: the Go garbage collector's own workers (shared by the whole process), the `alluxio` shim processes (they stand in for the CLI in the master pod), "+
		"and the API server, etcd and kube-controller-manager (other processes). The last column is the whole bench process (getrusage; the fake kubelet, %d emulated Alluxio clusters and their clients, the bench's own watches, and the controller) for comparison.\n\n"+
		"The gate-off row is the same %d runtimes scaled in without any drain (GracefulScaleIn=false: the replicas drop at once, no victim is decommissioned): "+
		"its time is what the API server, etcd and kube-controller-manager alone take to remove the pods on these 2 cores, so no controller goes below it; it takes %s times as long as one runtime's graceful scale-in, and the graceful scale-in of the %d runtimes takes %s times the gate-off time.\n\n"+
		"Target: <= 1.5x: %s.\n\n%s", n, 10*n, 11*n, podPrefixes[0], podPrefixes[len(podPrefixes)-1], concurrency, concurrencyWhy,
		row(one, "1"), row(many, ratio.fmt("%.2f")), gateRow(gate, gateRatio.fmt("%.2f")), n, n, gateRatio.fmt("%.2f"), n, fmt.Sprintf("%.2f", many.elapsed.median()/gate.elapsed.median()), met(ratio.median() <= 1.5), sweep))
}

// concurrencySweep measures the many-runtimes case once with each of
// BENCH_SWEEP's concurrent reconciles (default 2,8) beside the measured
// default, which is how main's --concurrency default was chosen.
func (b *bench) concurrencySweep(sc scaleCase, atDefault *measured) string {
	values := []int{2, 8}
	if v := os.Getenv("BENCH_SWEEP"); v != "" {
		values = envInts(b.t, "BENCH_SWEEP", v)
	}
	def := concurrency
	defer func() { concurrency = def }()
	rows := map[int]*measured{def: atDefault}
	runs := b.runs
	b.runs = 1
	defer func() { b.runs = runs }()
	for _, c := range values {
		if c == def {
			continue
		}
		concurrency = c
		rows[c] = b.measure(fmt.Sprintf("%d runtimes 10 -> 5, %d concurrent reconciles", sc.runtimes, c), sc)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "### Concurrent reconciles\n\nThe same %d-runtime scale-in with other numbers of concurrent reconciles (one run each; the default's row is the median above). "+
		"The last column is the controller's CPU time over the wall time of the scale-in: well below 2 (cores), the controller is not what the scale-in waits for.\n\n"+
		"| concurrent reconciles | time (s) | p99 reconcile (s) | controller CPU per scale-in (s) | controller CPU / wall time |\n|---|---|---|---|---|\n", sc.runtimes)
	fastest := def
	for _, c := range slices.Sorted(maps.Keys(rows)) {
		m := rows[c]
		cpu := m.controllerCPU.median()
		fmt.Fprintf(&out, "| %d | %.2f | %.2f | %.3f | %.2f |\n", c, m.elapsed.median(), m.p99.median(), cpu/float64(sc.runtimes), cpu/m.elapsed.median())
		if m.elapsed.median() < rows[fastest].elapsed.median() {
			fastest = c
		}
	}
	fmt.Fprintf(&out, "\nFastest in this run: %d concurrent reconciles (%.2f s); the default measured above is %d (%s).\n", fastest, rows[fastest].elapsed.median(), def, concurrencyWhy)
	return out.String()
}

// concurrencyFromEnv lets BENCH_CONCURRENCY try another number of
// concurrent reconciles than main's default.
func concurrencyFromEnv() {
	if v := os.Getenv("BENCH_CONCURRENCY"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			concurrency, concurrencyWhy = n, "BENCH_CONCURRENCY"
		}
	}
}
