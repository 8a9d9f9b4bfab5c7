package bench

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSmoke checks that the bench still runs: one tiny graceful
// scale-in (2 -> 1 workers), one run, no timing asserted.
func TestSmoke(t *testing.T) {
	out, err := runScaleIn(t.Context(), scaleCase{graceful: true, runtimes: 1, from: 2, to: 1})
	if err != nil {
		t.Fatal(err)
	}
	if out.calls.writes() == 0 || out.reconciles.total == 0 {
		t.Fatalf("nothing measured: calls %v, %d reconciles", out.calls, out.reconciles.total)
	}
	t.Logf("1 victim: %s, %d reads, %d writes (%v), p99 reconcile %.3fs",
		out.elapsed, out.calls.reads(), out.calls.writes(), out.calls, out.reconciles.quantile(0.99))
}

// TestBench measures every figure and writes BENCHMARKS.md (BENCH=1).
func TestBench(t *testing.T) {
	if os.Getenv("BENCH") != "1" {
		t.Skip("the full bench runs with BENCH=1 (make bench)")
	}
	ctx := t.Context()
	runs := envInt(t, "BENCH_RUNS", 3)
	nRuntimes := envInt(t, "BENCH_RUNTIMES", 100)
	nPods := envInt(t, "BENCH_PODS", 10000)
	sizes := []int{1, 10, 50}
	if v := os.Getenv("BENCH_VICTIMS"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				t.Fatalf("BENCH_VICTIMS=%q: want numbers such as 1,10,50", v)
			}
			sizes = append(sizes, n)
		}
	}
	started := time.Now()
	host := machine()

	stale := map[string]int{} // case -> runtimes left with a stale condition
	measure := func(name string, sc scaleCase) (elapsed, reads, writes, p99 stat, last apiCalls) {
		for r := range runs {
			out, err := runScaleIn(ctx, sc)
			if err != nil {
				t.Fatalf("%s, run %d: %v", name, r+1, err)
			}
			elapsed.add(secs(out.elapsed))
			reads.add(float64(out.calls.reads()) / float64(sc.victims()))
			writes.add(float64(out.calls.writes()) / float64(sc.victims()))
			p99.add(out.reconciles.quantile(0.99))
			last = out.calls
			if out.staleCondition > 0 {
				stale[name] += out.staleCondition
				t.Logf("%s, run %d: %d runtimes finished (status.scaleIn.completionTime set) but left WorkersScaledIn not Scaled", name, r+1, out.staleCondition)
			}
			t.Logf("%s, run %d: %.2fs, %d reads, %d writes (%v), p99 reconcile %.2fs", name, r+1,
				secs(out.elapsed), out.calls.reads(), out.calls.writes(), out.calls, out.reconciles.quantile(0.99))
		}
		return
	}

	// 1-3: one runtime, n victims, all at once, one at a time, gate off.
	var scale, api strings.Builder
	allOK, writesOK := true, true
	fmt.Fprintf(&scale, "| victims | mode | floor (s) | time to last victim gone (s) | ratio to floor | added (s) | added beyond the gate-off time (s) |\n|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&api, "| victims | mode | reads / victim | writes / victim | writes of the last run, by verb and resource |\n|---|---|---|---|---|\n")
	for _, n := range sizes {
		base := scaleCase{runtimes: 1, from: int32(n) + 1, to: 1}
		plain := base
		allAtOnce := base
		allAtOnce.graceful = true
		oneByOne := allAtOnce
		oneByOne.maxConcurrent = 1
		pe, pr, pw, _, pc := measure(fmt.Sprintf("%d victims, gate off", n), plain)
		for _, m := range []struct {
			name  string
			sc    scaleCase
			floor time.Duration
		}{
			{"all at once", allAtOnce, floorAllAtOnce()},
			{"maxConcurrent=1", oneByOne, floorSequential(n)},
		} {
			e, r, w, _, c := measure(fmt.Sprintf("%d victims, %s", n, m.name), m.sc)
			var ratio, added, beyond stat
			for _, v := range e.samples {
				ratio.add(v / secs(m.floor))
				added.add(v - secs(m.floor))
				beyond.add(v - secs(m.floor) - pe.median())
			}
			if m.sc.maxConcurrent == 0 && ratio.median() > 1.10 {
				allOK = false
			}
			if w.median() > 12 {
				writesOK = false
			}
			fmt.Fprintf(&scale, "| %d | %s | %.1f | %s | %s | %s | %s |\n", n, m.name, secs(m.floor), e.fmt("%.2f"), ratio.fmt("%.2f"), added.fmt("%.2f"), beyond.fmt("%.2f"))
			fmt.Fprintf(&api, "| %d | %s | %s | %s | %v |\n", n, m.name, r.fmt("%.1f"), w.fmt("%.1f"), c)
		}
		fmt.Fprintf(&scale, "| %d | gate off (baseline) | – | %s | – | – | – |\n", n, pe.fmt("%.2f"))
		fmt.Fprintf(&api, "| %d | gate off (baseline) | %s | %s | %v |\n", n, pr.fmt("%.1f"), pw.fmt("%.1f"), pc)
	}

	// 4: many runtimes scaling 10 -> 5 at once, against one alone.
	one, _, _, oneP99, _ := measure("1 runtime 10 -> 5", scaleCase{graceful: true, runtimes: 1, from: 10, to: 5})
	many, _, manyW, manyP99, _ := measure(fmt.Sprintf("%d runtimes 10 -> 5", nRuntimes), scaleCase{graceful: true, runtimes: nRuntimes, from: 10, to: 5})
	var manyRatio stat
	for _, v := range many.samples {
		manyRatio.add(v / one.median())
	}

	// 5: memory with unrelated pods.
	bin, err := buildController()
	if err != nil {
		t.Fatal(err)
	}
	var rssNone, rssMany stat
	for r := range runs {
		rss, err := controllerRSS(bin)
		if err != nil {
			t.Fatal(err)
		}
		rssNone.add(float64(rss) / (1 << 20))
		t.Logf("RSS without unrelated pods, run %d: %.1f MiB", r+1, float64(rss)/(1<<20))
	}
	ns, err := createUnrelatedPods(ctx, nPods)
	if err != nil {
		t.Fatal(err)
	}
	for r := range runs {
		rss, err := controllerRSS(bin)
		if err != nil {
			t.Fatal(err)
		}
		rssMany.add(float64(rss) / (1 << 20))
		t.Logf("RSS with %d unrelated pods, run %d: %.1f MiB", nPods, r+1, float64(rss)/(1<<20))
	}
	if err := deleteUnrelatedPods(ctx, ns); err != nil {
		t.Log(err)
	}
	rssDiff := rssMany.median() - rssNone.median()

	var md strings.Builder
	fmt.Fprintf(&md, "# Benchmarks\n\nGenerated by `make bench` (test/bench) on %s; the run took %s.\n\n",
		started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&md, "## Machine\n\n%s\n\n", host)
	fmt.Fprintf(&md, "The 2 cores may be shared with other work while the bench runs: timings are noisy (see the min–max ranges).\n\n")
	fmt.Fprintf(&md, "## Setup\n\nOne local control plane (etcd, kube-apiserver, the real kube-controller-manager with %s, the testenv fake kubelet giving pods 127.0.x.y addresses) "+
		"and one in-process Alluxio emulator per runtime; the controller runs in-process as main starts it (label-selected caches, %d concurrent reconciles, main's default), its CLI calls through the `alluxio` shim. "+
		"Every runtime: `alluxio.user.worker.list.refresh.interval` = emulator RefreshInterval = %s, quietPeriod %s, pollInterval %s; every victim is busy (emulator SetBusy) for %s after the replica change. "+
		"Each figure is the median of %d runs, with (min–max).\n\n", strings.Join(kcmArgs, " "), concurrency, refresh, quiet, poll, busyFor, runs)

	fmt.Fprintf(&md, "## 1–2. Time to scale in, against the floor and the gate-off baseline\n\n")
	fmt.Fprintf(&md, "Time from the replica change (scale subresource) to the last victim pod gone from the API (watched), one runtime scaled from victims+1 to 1 worker. "+
		"Floor, all at once: max(refresh interval, victims' own work) + quiet period = max(%s, %s) + %s = %s. "+
		"Floor, maxConcurrent=1: end_k = max(end_(k-1) + refresh interval, work + quiet period), end_0 = 0, i.e. %s for the first victim and %s for each next one "+
		"(a victim cannot be decommissioned before the previous one is done, and the controller may count the quiet period during the refresh wait). "+
		"Gate off (GracefulScaleIn=false, replicas drop at once) is the API-path floor: what kube-controller-manager, the API server and the kubelet take to remove the pods; "+
		"the last column subtracts it from the added seconds.\n\n", refresh, busyFor, quiet, floorAllAtOnce(), floorSequential(1), refresh)
	md.WriteString(scale.String())
	fmt.Fprintf(&md, "\nTarget: ratio <= 1.10 all at once: %s.\n\n", met(allOK))

	fmt.Fprintf(&md, "## 3. API requests per victim\n\nEvery request the controller's manager sent (a counting `rest.Config.WrapTransport`), from the replica change until the runtime reported the scale-in finished plus 1 s, divided by the victims: "+
		"GET (get, list, watch) are reads; POST, PUT, PATCH, DELETE are writes (events included). Reads are mostly served by the informer caches.\n\n")
	md.WriteString(api.String())
	fmt.Fprintf(&md, "\nTarget: <= 12 writes per victim (graceful runs): %s.\n\n", met(writesOK))

	fmt.Fprintf(&md, "## 4. Many runtimes\n\n%d runtimes of 10 workers (%d worker pods, %d pods with the masters, addresses from %s1 to %s254, fake nodes shared) all scaled 10 -> 5 at once; "+
		"time from the first replica change to the last victim pod gone, against one runtime alone doing the same.\n\n", nRuntimes, 10*nRuntimes, 11*nRuntimes, podPrefixes[0], podPrefixes[len(podPrefixes)-1])
	fmt.Fprintf(&md, "| runtimes | time (s) | relative to one runtime (median) | p99 reconcile (s) | writes / victim |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&md, "| 1 | %s | 1 | %s | – |\n", one.fmt("%.2f"), oneP99.fmt("%.2f"))
	fmt.Fprintf(&md, "| %d | %s | %s | %s | %s |\n", nRuntimes, many.fmt("%.2f"), manyRatio.fmt("%.2f"), manyP99.fmt("%.2f"), manyW.fmt("%.1f"))
	fmt.Fprintf(&md, "\np99 reconcile is histogram_quantile(0.99) over `controller_runtime_reconcile_time_seconds` (metrics.Registry) during the scale-in. Target: <= 1.5x: %s.\n\n", met(manyRatio.median() <= 1.5))

	fmt.Fprintf(&md, "## 5. Memory\n\nVmRSS of the built controller binary (`go build ./cmd/alluxioruntime-controller`, run with a kubeconfig), highest of 5 samples a second apart from 5 s after it started its workers.\n\n")
	fmt.Fprintf(&md, "| cluster | VmRSS (MiB) |\n|---|---|\n| no unrelated pods | %s |\n| %d unrelated pods (no controller labels, Pending) | %s |\n", rssNone.fmt("%.1f"), nPods, rssMany.fmt("%.1f"))
	fmt.Fprintf(&md, "\nDifference of the medians: %.1f MiB. Target: < 20 MiB: %s.\n\n", rssDiff, met(rssDiff < 20))

	fmt.Fprintf(&md, "## Anomalies\n\n")
	if len(stale) == 0 {
		fmt.Fprintf(&md, "None: every graceful scale-in ended with status.scaleIn.completionTime set and WorkersScaledIn=Scaled.\n\n")
	} else {
		fmt.Fprintf(&md, "Runtimes whose scale-in completed (status.scaleIn.completionTime set, every victim Scaled, pods gone) but whose WorkersScaledIn condition was left at an earlier reason (checked 1 s after completion):\n\n")
		for _, k := range slices.Sorted(maps.Keys(stale)) {
			fmt.Fprintf(&md, "- %s: %d\n", k, stale[k])
		}
		md.WriteString("\n")
	}
	fmt.Fprintf(&md, "## Reproduce\n\n```sh\nmake test-binaries   # once: etcd, kube-apiserver, kube-controller-manager into bin/k8s\nmake bench           # BENCH_RUNS=3 BENCH_RUNTIMES=100 BENCH_PODS=10000 BENCH_VICTIMS=1,10,50\n```\n\n"+
		"`go test ./test/bench/ -run Smoke` (part of `go test ./...`) only checks that the bench still runs: one 2 -> 1 scale-in, no timing asserted.\n")
	path := filepath.Join(root, "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
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
