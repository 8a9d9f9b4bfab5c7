// Command fluiddemo shows what fluid-drain is for, next to an unchanged
// Fluid: `make demo` builds what it needs and runs it.
//
// It starts the local cluster with Fluid v1.0.8's own controllers and real
// Alluxio 2.9.6 servers behind Fluid's pods (test/fluid/stack), creates
// two runtimes from a Fluid user's manifests (a Dataset and an
// AlluxioRuntime of 4 workers each), and scales each from 4 to 2 workers
// with `kubectl scale` while a workload writes files and reads them in a
// loop, checking every byte:
//
//   - the first with Fluid alone: its workers go at once;
//   - the second once fluid-drain is installed next to Fluid as a user
//     installs it (its chart in mode fluid, with the admission guard):
//     each leaving worker is decommissioned and drained first, and every
//     state change is printed as it happens.
//
// The workload writes files through to the under store and ASYNC_THROUGH
// files, one of them on each leaving worker with its persistence delayed,
// so the scale-in starts while that worker holds the only copy. It ends
// with one table: reads failed and files lost, with and without
// fluid-drain.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
	e2estack "github.com/fluid-drain/fluid-drain/test/e2e/stack"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

func main() {
	verbose := flag.Bool("v", false, "print every start-up step")
	keep := flag.Bool("keep", false, "keep everything running after the demo, until Ctrl-C")
	flag.Parse()
	start := time.Now()
	if err := run(*verbose, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	say("demo done in %s", time.Since(start).Round(time.Second))
}

func say(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(verbose, keep bool) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := cluster.RepoRoot()
	if err != nil {
		return err
	}
	// A fresh folder: under stores left by an earlier run would hold the
	// workload's paths already.
	dir := filepath.Join(root, "bin", "demo-fluid")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logf := func(string, ...any) {}
	if verbose {
		logf = func(format string, args ...any) { say("  "+format, args...) }
	}
	say("starting the local cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok: 8 nodes), Fluid %s's dataset and AlluxioRuntime controllers, and real Alluxio 2.9.6 behind Fluid's pods", stack.FluidVersion)
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s, err := stack.Start(startCtx, stack.Options{Root: root, Dir: dir, Nodes: 8, Logf: logf})
	if err != nil {
		return err
	}
	defer func() {
		if keep {
			say("running until Ctrl-C: KUBECONFIG=%s", s.Cluster.KubeconfigPath)
			<-ctx.Done()
		}
		say("stopping everything")
		err = errors.Join(err, s.Stop())
	}()
	say("up; KUBECONFIG=%s while the demo runs; logs in %s", s.Cluster.KubeconfigPath, s.LogDir)

	plain, drained := demoRuntime("alone"), demoRuntime("drained")
	if err := setUp(ctx, s, plain, drained); err != nil {
		return err
	}

	say("── 1. Fluid alone: kubectl scale alluxioruntime/%s --replicas=2", plain.Name)
	// fluid-drain is installed as soon as Fluid alone has removed the
	// leaving workers (its guard would hold them otherwise), while the
	// workload goes on reading: the install takes seconds.
	installed := make(chan installResult, 1)
	installing := false
	scaleThenInstall := func(ctx context.Context, r stack.Runtime, n int) error {
		if err := s.ScaleRuntime(ctx, r, n); err != nil {
			return err
		}
		installing = true
		go func() { installed <- installAfterScaleIn(ctx, s, r, n) }()
		return nil
	}
	var c *e2estack.Controller
	defer func() {
		// Whatever happened, a controller started is stopped.
		if installing && c == nil {
			if res := <-installed; res.c != nil {
				err = errors.Join(err, res.c.Stop(10*time.Second))
			}
		}
	}()
	alone, err := s.ScaleInUnderLoad(ctx, plain, 2, demoWorkload, scaleThenInstall, indent)
	if err != nil {
		return err
	}
	say("Fluid alone: %v", alone)

	say("── 2. fluid-drain installed next to Fluid (chart in mode fluid: the admission guard, RBAC, no CRD)")
	res := <-installed
	if res.err != nil {
		installing = false
		return res.err
	}
	c = res.c
	defer func() { err = errors.Join(err, c.Stop(10*time.Second)) }()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if err := printScaleIn(watchCtx, s, drained); err != nil {
		return err
	}
	if err := s.WaitGuarded(ctx, drained, time.Minute); err != nil {
		return err
	}
	say("kubectl scale alluxioruntime/%s --replicas=2", drained.Name)
	graceful, err := s.ScaleInUnderLoad(ctx, drained, 2, demoWorkload, s.ScaleRuntime, indent)
	if err != nil {
		return err
	}
	stopWatch()
	say("with fluid-drain: %v", graceful)
	printTable(alone, graceful)
	if graceful.FailedReads != 0 || graceful.LostFiles != 0 {
		return fmt.Errorf("with fluid-drain %d reads failed and %d files were lost; fluid-drain's log: %s", graceful.FailedReads, graceful.LostFiles, c.LogPath)
	}
	return nil
}

// demoRuntime is a Fluid user's runtime of 4 workers whose clients refresh
// their worker list every 5s (the time a drain must wait at least), with
// Alluxio's job service, which persists ASYNC_THROUGH files.
func demoRuntime(name string) stack.Runtime {
	return stack.Runtime{Namespace: "default", Name: name, Workers: 4, JobService: true,
		Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": "5s"}}
}

// demoWorkload is what both scale-ins run under, read and checked in a
// loop: files written through to the under store and ASYNC_THROUGH files,
// spread over every worker by Alluxio, and on each leaving worker one
// ASYNC_THROUGH file whose persistence starts only 30s after its write
// (as when the job service is busy): when the scale-in starts, it exists
// only in that worker's cache.
var demoWorkload = stack.Workload{FileSize: 256 << 10, CacheThrough: 8, AsyncThrough: 4,
	PerLeavingWorkerDelayed: 1, PersistDelay: 30 * time.Second, ReadAfter: 5 * time.Second}

// setUp creates both runtimes at once and waits until Fluid reports them
// Ready with a real Alluxio behind each.
func setUp(ctx context.Context, s *stack.Stack, rts ...stack.Runtime) error {
	began := time.Now()
	for i := range rts {
		if err := s.CreateRuntime(ctx, &rts[i]); err != nil {
			return err
		}
		say("created Dataset and AlluxioRuntime %s/%s (4 workers, one memory tier level), as a Fluid user writes them", rts[i].Namespace, rts[i].Name)
	}
	for _, rt := range rts {
		if err := s.WaitSetUp(ctx, rt, 8*time.Minute); err != nil {
			return err
		}
	}
	say("Fluid set both up in %s: Dataset Bound, master and 4 workers Ready, real Alluxio servers running", time.Since(began).Round(time.Second))
	return nil
}

type installResult struct {
	c   *e2estack.Controller
	err error
}

// installAfterScaleIn waits until r runs n worker pods, then installs
// fluid-drain.
func installAfterScaleIn(ctx context.Context, s *stack.Stack, r stack.Runtime, n int) installResult {
	err := s.Poll(ctx, 5*time.Minute, func() bool {
		pods, err := s.WorkerPods(ctx, r)
		return err == nil && len(pods) == n
	})
	if err != nil {
		return installResult{err: fmt.Errorf("Fluid alone did not remove the leaving workers of %s/%s: %w", r.Namespace, r.Name, err)}
	}
	c, err := s.InstallFluidDrain(ctx)
	return installResult{c: c, err: err}
}

func indent(format string, args ...any) { say("   "+format, args...) }
