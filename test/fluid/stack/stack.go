// Package stack runs Fluid itself on the local cluster, with real Alluxio
// behind its pods: the cluster of test/e2e/cluster (kwok per-pod Execs
// on), Fluid's CRDs, its dataset-controller and alluxioruntime-controller
// (built by `make fluid-binaries`, installing their real Helm chart with
// ddc-helm), and the Alluxio runner (test/fluid/runner) that runs each
// master and worker pod's real Alluxio 2.9.6 server.
//
// Usage:
//
//	s, err := stack.Start(ctx, stack.Options{Logf: t.Logf})
//	defer s.Stop()
//	rt := stack.Runtime{Namespace: "default", Name: "hbase", Workers: 4}
//	err = s.CreateRuntime(ctx, &rt)   // a Fluid user's Dataset + AlluxioRuntime
//	err = s.WaitSetUp(ctx, rt)        // Dataset Bound, runtime Ready
//	fig, err := s.ScaleInUnderLoad(ctx, rt, 2, s.ScaleRuntime)
//
// Everything listens on loopback; processes die with the test process.
package stack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/test/conformance/realalluxio"
	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
	"github.com/fluid-drain/fluid-drain/test/fluid/runner"
)

// FluidVersion is the Fluid release `make fluid-binaries` builds.
const FluidVersion = "v1.0.8"

// FluidNamespace is where Fluid's controllers live.
const FluidNamespace = "fluid-system"

// ErrFluidMissing is returned (wrapped) when Fluid's binaries or source
// tree are not there.
var ErrFluidMissing = errors.New("Fluid's binaries or source tree missing: run `make fluid-binaries`")

// Options of Start.
type Options struct {
	// Root is the repository root (default: found from the working
	// directory).
	Root string
	// Dir holds the cluster's state, the runner's pod folders and logs;
	// default a temporary directory, removed by Stop.
	Dir string
	// Nodes are worker nodes (default 4): Fluid's workers use the host
	// network, one per node.
	Nodes int
	// PodCIDR and NodeIPPrefix (defaults $FLUID_POD_CIDR, else
	// 127.0.4.0/24, and $FLUID_NODE_IP_PREFIX, else 127.0.5.) keep this
	// cluster's addresses apart from other suites' and other stacks'.
	PodCIDR, NodeIPPrefix string
	// FluidTree is Fluid's source tree (CRDs, charts); default
	// $FLUID_SRC, else bin/fluid-src/fluid-<FluidVersion>.
	FluidTree string
	// Logf receives progress lines.
	Logf func(format string, args ...any)
	// Log receives the runner's structured log; default a text log into
	// Dir/logs/runner.log.
	Log *slog.Logger
}

// Stack is a running cluster with Fluid and the Alluxio runner.
type Stack struct {
	Cluster *cluster.Cluster
	Runner  *runner.Runner
	// Dir holds everything (see Options.Dir); LogDir the logs.
	Dir, LogDir string
	// JarsDir holds the Alluxio jars.
	JarsDir string
	// Exec runs commands in pods (through kwok).
	Exec *operations.PodExecutor

	opts    Options
	tmp     bool
	runLog  *os.File
	stopped bool
}

// Start brings the whole stack up and returns once Fluid's controllers
// run. On error, what was started is stopped.
func Start(ctx context.Context, opts Options) (s *Stack, err error) {
	if opts.Root == "" {
		if opts.Root, err = cluster.RepoRoot(); err != nil {
			return nil, err
		}
	}
	if opts.Nodes == 0 {
		opts.Nodes = 4
	}
	if opts.PodCIDR == "" {
		opts.PodCIDR = cmp.Or(os.Getenv("FLUID_POD_CIDR"), "127.0.4.0/24")
	}
	if opts.NodeIPPrefix == "" {
		opts.NodeIPPrefix = cmp.Or(os.Getenv("FLUID_NODE_IP_PREFIX"), "127.0.5.")
	}
	if opts.FluidTree == "" {
		opts.FluidTree = os.Getenv("FLUID_SRC")
	}
	if opts.FluidTree == "" {
		opts.FluidTree = filepath.Join(opts.Root, "bin", "fluid-src", "fluid-"+FluidVersion)
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	fluidBin := filepath.Join(opts.Root, "bin", "fluid")
	for _, f := range []string{
		filepath.Join(fluidBin, "dataset-controller"), filepath.Join(fluidBin, "alluxioruntime-controller"), filepath.Join(fluidBin, "ddc-helm"),
		filepath.Join(opts.FluidTree, "charts", "alluxio", "Chart.yaml"),
	} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w: %s is not there", ErrFluidMissing, f)
		}
	}
	s = &Stack{opts: opts, JarsDir: realalluxio.JarsDir(opts.Root, realalluxio.DefaultVersion)}
	if _, err := realalluxio.EnsureJars(ctx, realalluxio.DefaultVersion); err != nil {
		return nil, err
	}
	s.Dir = opts.Dir
	if s.Dir == "" {
		if s.Dir, err = os.MkdirTemp("", "fluid-stack-"); err != nil {
			return nil, err
		}
		s.tmp = true
	} else {
		// What an earlier stack left here (the cluster wipes its own
		// folder; under stores in ufs/ are kept).
		for _, d := range []string{"fluid-home", "runner", "exec-path", "workload", "logs"} {
			if err := os.RemoveAll(filepath.Join(s.Dir, d)); err != nil {
				return nil, err
			}
		}
	}
	s.LogDir = filepath.Join(s.Dir, "logs")
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Stop())
		}
	}()
	if err := os.MkdirAll(s.LogDir, 0o755); err != nil {
		return nil, err
	}
	shims := filepath.Join(s.Dir, "exec-path")
	if err := runner.WriteShims(shims); err != nil {
		return nil, err
	}
	started := time.Now()
	s.Cluster, err = cluster.Start(ctx, cluster.Options{
		Root:         opts.Root,
		Dir:          filepath.Join(s.Dir, "cluster"),
		LogDir:       s.LogDir,
		Nodes:        opts.Nodes,
		PodExecs:     true,
		ExecPath:     []string{shims},
		CRDDirs:      []string{filepath.Join(opts.FluidTree, "charts", "fluid", "fluid", "crds")},
		PodCIDR:      opts.PodCIDR,
		NodeIPPrefix: opts.NodeIPPrefix,
		Logf:         opts.Logf,
	})
	if err != nil {
		return nil, err
	}
	if s.Exec, err = operations.NewPodExecutor(s.Cluster.Config); err != nil {
		return nil, err
	}
	if err := s.startFluid(ctx, fluidBin); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		if s.runLog, err = os.Create(filepath.Join(s.LogDir, "runner.log")); err != nil {
			return nil, err
		}
		log = slog.New(slog.NewTextHandler(s.runLog, nil))
	}
	if s.Runner, err = runner.Start(runner.Config{
		Kube: s.Cluster.Config, JarsDir: s.JarsDir, WorkDir: filepath.Join(s.Dir, "runner"), Log: log,
	}); err != nil {
		return nil, err
	}
	opts.Logf("Fluid %s and the Alluxio runner up in %s; logs in %s", FluidVersion, time.Since(started).Round(100*time.Millisecond), s.LogDir)
	return s, nil
}

// startFluid installs what Fluid's own deployment would (its namespace,
// the charts in $HOME/charts, ddc-helm on the PATH) and runs its two
// controllers as the cluster admin.
func (s *Stack) startFluid(ctx context.Context, fluidBin string) error {
	if _, err := s.Cluster.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: FluidNamespace}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	home := filepath.Join(s.Dir, "fluid-home")
	if err := os.MkdirAll(filepath.Join(home, "charts"), 0o755); err != nil {
		return err
	}
	// The chart's library subchart is a symbolic link: copy what it
	// points to.
	if out, err := exec.CommandContext(ctx, "cp", "-rL", filepath.Join(s.opts.FluidTree, "charts", "alluxio"), filepath.Join(home, "charts", "alluxio")).CombinedOutput(); err != nil {
		return fmt.Errorf("copying Fluid's alluxio chart: %v: %s", err, out)
	}
	env := append(os.Environ(),
		"KUBECONFIG="+s.Cluster.KubeconfigPath,
		"HOME="+home,
		"PATH="+fluidBin+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	for _, c := range []struct{ name, bin string }{
		{"fluid-dataset-controller", "dataset-controller"},
		{"fluid-alluxioruntime-controller", "alluxioruntime-controller"},
	} {
		port, err := freePort()
		if err != nil {
			return err
		}
		args := []string{"start", fmt.Sprintf("--metrics-addr=127.0.0.1:%d", port), "--development=false"}
		if _, err := s.Cluster.Run(c.name, filepath.Join(fluidBin, c.bin), args, env); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops the runner (so every Alluxio process ends), then Fluid and
// the cluster, and removes Dir if Start made it. Safe to call twice.
func (s *Stack) Stop() error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	var errs []error
	if s.Runner != nil {
		s.Runner.Stop()
	}
	if s.Cluster != nil {
		errs = append(errs, s.Cluster.Stop())
	}
	if s.runLog != nil {
		errs = append(errs, s.runLog.Close())
	}
	if s.tmp {
		errs = append(errs, os.RemoveAll(s.Dir))
	}
	return errors.Join(errs...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ExecIn runs argv in a pod's container and returns stdout; the error
// carries stderr.
func (s *Stack) ExecIn(ctx context.Context, ns, pod, container string, argv ...string) (string, error) {
	stdout, stderr, err := s.Exec.Exec(ctx, ns, pod, container, argv)
	if err != nil {
		return string(stdout), fmt.Errorf("exec %s in %s/%s: %w: %s", strings.Join(argv, " "), ns, pod, err, strings.TrimSpace(string(stderr)))
	}
	return string(stdout), nil
}
