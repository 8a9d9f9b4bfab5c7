// Command mutants runs every mutant of the catalogue (test/mutants)
// against the fast suites and prints, for each, the test that killed it.
// It exits non-zero when a mutant survives, does not compile, or no
// longer applies to the current code.
//
//	go run ./test/mutants/cmd/mutants                 # all mutants
//	go run ./test/mutants/cmd/mutants -run 'refresh'  # those whose name matches
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fluid-drain/fluid-drain/test/mutants"
)

var (
	flagRun       = flag.String("run", "", "run only the mutants whose name matches this regexp")
	flagSchedules = flag.Int("schedules", 200, "simulated fault schedules run against a mutant the unit tests let through")
	flagSuites    = flag.String("suites", "", "comma-separated suites to run every mutant against, instead of each mutant's own (unit, faults, emulator, envtest)")
	flagVerbose   = flag.Bool("v", false, "print the failing test output of each kill")
	flagList      = flag.Bool("list", false, "print the catalogue and exit")
)

// suite is one `go test` invocation.
type suite struct {
	pkgs []string
	args []string // go test flags
	bin  []string // flags for the test binary
}

func suiteFor(name string, m mutants.Mutant) suite {
	switch name {
	case "unit":
		s := suite{pkgs: []string{"./pkg/drainfsm/", "./pkg/ddc/alluxio/", "./pkg/ddc/alluxio/operations/", "./pkg/ddc/alluxio/guard/"}, args: []string{"-failfast", "-timeout", "5m"}}
		if len(m.UnitPkgs) > 0 {
			s.pkgs = m.UnitPkgs
		}
		if m.UnitRun != "" {
			s.args = append(s.args, "-run", m.UnitRun)
		}
		return s
	case "faults":
		return suite{pkgs: []string{"./test/reliability/"}, args: []string{"-run", "^TestSimulatedSchedules$", "-timeout", "10m"},
			bin: []string{fmt.Sprintf("-sim-schedules=%d", *flagSchedules), "-stop-on-failure"}}
	case "emulator":
		return suite{pkgs: []string{"./test/reliability/"}, args: []string{"-run", "^TestSchedules$", "-timeout", "10m"},
			bin: []string{"-schedules=100", "-stop-on-failure"}}
	case "envtest":
		run := m.EnvtestRun
		if run == "" {
			run = "."
		}
		pkg := m.EnvtestPkg
		if pkg == "" {
			pkg = "./test/envtest/scalein/"
		}
		return suite{pkgs: []string{pkg}, args: []string{"-failfast", "-run", run, "-timeout", "15m"}}
	}
	panic("unknown suite " + name)
}

// testEvent is a line of `go test -json`.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// outcome of one suite against one mutant.
type outcome struct {
	killedBy []string // failed tests, deepest first
	output   string   // their output
	why      string   // the first invariant a fault schedule found broken
	broken   string   // the mutant did not build, or the suite could not run
}

func runSuite(root, overlay string, s suite) outcome {
	// No vet: a mutant's file is new content each time, so vet would run
	// again on every mutant (a third of its CPU) and judges style, not
	// behaviour; make test vets the real code.
	args := append([]string{"test", "-count=1", "-json", "-vet=off", "-overlay=" + overlay}, s.args...)
	args = append(args, s.pkgs...)
	if len(s.bin) > 0 {
		args = append(append(args, "-args"), s.bin...)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return outcome{broken: err.Error()}
	}
	if err := cmd.Start(); err != nil {
		return outcome{broken: err.Error()}
	}
	var failed []string
	outputs := map[string]*strings.Builder{}
	var buildOut, pkgFail strings.Builder
	why := ""
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Action == "build-output":
			buildOut.WriteString(e.Output)
		case e.Action == "output" && e.Test != "":
			if i := strings.Index(e.Output, "INVARIANT BROKEN: "); i >= 0 && why == "" {
				why = strings.TrimSpace(e.Output[i:])
			}
			b := outputs[e.Test]
			if b == nil {
				b = &strings.Builder{}
				outputs[e.Test] = b
			}
			if b.Len() < 8000 {
				b.WriteString(e.Output)
			}
		case e.Action == "output":
			if pkgFail.Len() < 8000 {
				pkgFail.WriteString(e.Output)
			}
		case e.Action == "fail" && e.Test != "":
			failed = append(failed, e.Package+" "+e.Test)
		case e.Action == "fail" && e.Test == "" && len(failed) == 0 && buildOut.Len() == 0:
			failed = append(failed, e.Package+" (the test binary failed outside any test)")
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	werr := cmd.Wait()
	if buildOut.Len() > 0 || strings.Contains(stderr.String(), "build failed") {
		return outcome{broken: "does not build:\n" + buildOut.String() + stderr.String()}
	}
	if len(failed) == 0 {
		if werr != nil {
			return outcome{broken: fmt.Sprintf("go test failed with no failing test: %v\n%s%s", werr, stderr.String(), pkgFail.String())}
		}
		return outcome{}
	}
	// Deepest first: a subtest names the check better than its parent.
	slices.SortStableFunc(failed, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	var out strings.Builder
	for _, f := range failed {
		name := f[strings.LastIndex(f, " ")+1:]
		if b := outputs[name]; b != nil {
			out.WriteString(b.String())
		}
	}
	if len(failed) == 1 && strings.HasSuffix(failed[0], "outside any test)") {
		out.WriteString(pkgFail.String())
	}
	return outcome{killedBy: failed, output: out.String(), why: why}
}

func main() {
	flag.Parse()
	root := mutants.ModuleRoot()
	var selected []mutants.Mutant
	re, err := regexp.Compile(*flagRun)
	if err != nil {
		fmt.Fprintf(os.Stderr, "-run: %v\n", err)
		os.Exit(2)
	}
	for _, m := range mutants.Catalogue {
		if re.MatchString(m.Name) {
			selected = append(selected, m)
		}
	}
	if *flagList {
		for _, m := range selected {
			fmt.Printf("%-40s %s\n%-40s   breaks: %s\n", m.Name, m.Change, "", m.Property)
		}
		return
	}
	tmp, err := os.MkdirTemp("", "mutants-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	started := time.Now()
	var survivors, broken []string
	killedBy := map[string]int{}
	for i, m := range selected {
		t0 := time.Now()
		fmt.Printf("[%2d/%d] %-40s ", i+1, len(selected), m.Name)
		files, err := m.Apply(root)
		if err != nil {
			fmt.Printf("STALE\n  %v\n", err)
			broken = append(broken, m.Name)
			continue
		}
		dir, err := os.MkdirTemp(tmp, m.Name+"-")
		if err == nil {
			var overlay string
			overlay, err = mutants.WriteOverlay(dir, files)
			if err == nil {
				var o outcome
				suite := ""
				suites := m.SuitesOf()
				if *flagSuites != "" {
					suites = strings.Split(*flagSuites, ",")
				}
				for _, suite = range suites {
					if o = runSuite(root, overlay, suiteFor(suite, m)); o.broken != "" || len(o.killedBy) > 0 {
						break
					}
				}
				took := time.Since(t0).Round(time.Second)
				switch {
				case o.broken != "":
					fmt.Printf("BROKEN (%s, %s)\n  %s\n", suite, took, strings.ReplaceAll(strings.TrimSpace(o.broken), "\n", "\n  "))
					broken = append(broken, m.Name)
				case len(o.killedBy) > 0:
					more := ""
					if len(o.killedBy) > 1 {
						more = fmt.Sprintf(" (+%d more)", len(o.killedBy)-1)
					}
					fmt.Printf("killed by %s%s [%s, %s]\n", o.killedBy[0], more, suite, took)
					if o.why != "" {
						fmt.Printf("  %s\n", o.why)
					}
					killedBy[suite]++
					if *flagVerbose {
						fmt.Printf("  %s\n", strings.ReplaceAll(strings.TrimSpace(o.output), "\n", "\n  "))
					}
				default:
					fmt.Printf("SURVIVED %v [%s]\n  breaks: %s\n  change: %s\n", suites, took, m.Property, m.Change)
					survivors = append(survivors, m.Name)
				}
				continue
			}
		}
		fmt.Printf("BROKEN\n  %v\n", err)
		broken = append(broken, m.Name)
	}
	killed := len(selected) - len(survivors) - len(broken)
	var by []string
	for _, s := range mutants.SuiteNames {
		if killedBy[s] > 0 {
			by = append(by, fmt.Sprintf("%d by %s", killedBy[s], s))
		}
	}
	fmt.Printf("mutants: %d killed (%s), %d survived, %d broken, of %d, in %s\n",
		killed, strings.Join(by, ", "), len(survivors), len(broken), len(selected), time.Since(started).Round(time.Second))
	if len(survivors) > 0 {
		fmt.Printf("survivors: %s\n", strings.Join(survivors, " "))
	}
	if len(broken) > 0 {
		fmt.Printf("broken (stale or not building): %s\n", strings.Join(broken, " "))
	}
	if len(survivors)+len(broken) > 0 {
		os.Exit(1)
	}
}
