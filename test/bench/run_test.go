package bench

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// bench is one TestBench run: its knobs, and the sections measured so far.
type bench struct {
	t       *testing.T
	ctx     context.Context
	runs    int
	sizes   []int
	only    *regexp.Regexp // BENCH_ONLY: measure only the cases it matches
	started time.Time
	host    string
	// sections of BENCHMARKS.md, in order.
	sections []string
	// checked counts the checked runs; failures are what they did wrong.
	checked  int
	failures []string
}

func newBench(t *testing.T) *bench {
	b := &bench{t: t, ctx: t.Context(), runs: envInt(t, "BENCH_RUNS", 3), sizes: []int{1, 10, 50}, started: time.Now(), host: machine()}
	if v := os.Getenv("BENCH_VICTIMS"); v != "" {
		b.sizes = envInts(t, "BENCH_VICTIMS", v)
	}
	concurrencyFromEnv()
	if v := os.Getenv("BENCH_ONLY"); v != "" {
		re, err := regexp.Compile(v)
		if err != nil {
			t.Fatalf("BENCH_ONLY=%q: %v", v, err)
		}
		b.only = re
	}
	return b
}

// wants says whether the case named name is measured.
func (b *bench) wants(name string) bool { return b.only == nil || b.only.MatchString(name) }

// measured is the runs of one case.
type measured struct {
	name                   string
	sc                     scaleCase
	elapsed, p99           stat
	reads, writes          stat // per victim
	perKind                map[string]*stat
	requests               stat // reads and writes per scale-in (per runtime)
	controllerCPU, procCPU stat // seconds
	last                   apiCalls
}

// measure runs sc b.runs times, checking each run.
func (b *bench) measure(name string, sc scaleCase) *measured {
	m := &measured{name: name, sc: sc, perKind: map[string]*stat{}}
	for r := range b.runs {
		out, err := runScaleIn(b.ctx, sc)
		if err != nil {
			b.t.Fatalf("%s, run %d: %v", name, r+1, err)
		}
		b.checked++
		for _, f := range out.failures {
			b.failures = append(b.failures, fmt.Sprintf("%s, run %d: %s", name, r+1, f))
		}
		v := float64(sc.victims())
		m.elapsed.add(secs(out.elapsed))
		m.reads.add(float64(out.calls.reads()) / v)
		m.writes.add(float64(out.calls.writes()) / v)
		for _, k := range writeKinds {
			if m.perKind[k.name] == nil {
				m.perKind[k.name] = &stat{}
			}
			m.perKind[k.name].add(float64(out.calls.sum(k.keys...)) / v)
		}
		m.requests.add(float64(out.calls.reads()+out.calls.writes()) / float64(sc.runtimes))
		m.p99.add(out.reconciles.quantile(0.99))
		if out.cpu.profiled {
			m.controllerCPU.add(secs(out.cpu.controller))
		}
		if sc.cpu {
			m.procCPU.add(secs(out.cpu.process))
		}
		m.last = out.calls
		b.t.Logf("%s, run %d: %.2fs, %d reads, %d writes (%v), p99 reconcile %.2fs, CPU %s controller / %s process, %d failures", name, r+1,
			secs(out.elapsed), out.calls.reads(), out.calls.writes(), out.calls, out.reconciles.quantile(0.99),
			out.cpu.controller, out.cpu.process, len(out.failures))
	}
	return m
}

// section adds a section to BENCHMARKS.md.
func (b *bench) section(s string) {
	b.sections = append(b.sections, s)
	b.t.Log("\n" + s)
}

func envInts(t *testing.T, name, v string) []int {
	var out []int
	for _, f := range strings.Split(v, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &n); err != nil || n < 1 {
			t.Fatalf("%s=%q: want numbers such as 1,10,50", name, v)
		}
		out = append(out, n)
	}
	return out
}
