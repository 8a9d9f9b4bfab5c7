// Command localcluster runs the local cluster of test/e2e/cluster (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok and the
// OpenKruise manager) until Ctrl-C or SIGTERM, for kubectl and demos.
// `make cluster` runs it; binaries come from bin/k8s (`make
// cluster-binaries`). With -fluid it runs Fluid's own controllers and the
// Alluxio runner on it instead of OpenKruise (test/fluid/stack; `make
// cluster FLUID=1`).
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
)

func main() {
	var (
		opts        cluster.Options
		noKruise    bool
		emulatorURL string
	)
	flag.StringVar(&opts.Root, "root", "", "repository root (default: found from the working directory, else the parent of this binary's bin/)")
	flag.StringVar(&opts.Dir, "dir", "", "state directory: kubeconfig, certificates, etcd data, logs (wiped at start, kept at exit; default: a temporary directory, removed at exit)")
	flag.IntVar(&opts.Nodes, "nodes", cluster.DefaultNodes, "number of worker nodes (besides the master node)")
	flag.BoolVar(&noKruise, "no-kruise", false, "do not run OpenKruise")
	flag.StringVar(&emulatorURL, "emulator-url", "http://127.0.0.1:19999", "ALLUXIO_EMULATOR_URL for commands run by exec (the alluxio shim); empty: unset")
	flag.StringVar(&opts.PodCIDR, "pod-cidr", cluster.DefaultPodCIDR, "loopback range of pod IPs")
	withFluid := flag.Bool("fluid", false, "run Fluid's controllers (`make fluid-binaries`) and real Alluxio behind its pods instead of OpenKruise and the emulator (-nodes defaults to 4, -no-kruise and -emulator-url are ignored)")
	flag.Parse()
	opts.Kruise = !noKruise
	if emulatorURL != "" {
		opts.ExecEnv = map[string]string{"ALLUXIO_EMULATOR_URL": emulatorURL}
	}
	opts.Logf = func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s localcluster: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	if *withFluid {
		if err := runFluid(opts); err != nil {
			fmt.Fprintln(os.Stderr, "localcluster:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func run(opts cluster.Options) error {
	if opts.Root == "" {
		if _, err := cluster.RepoRoot(); err != nil {
			// bin/localcluster run from elsewhere: the root is above bin/.
			if exe, err := os.Executable(); err == nil {
				opts.Root = filepath.Dir(filepath.Dir(exe))
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Printf("\nThe local cluster is up (%d worker nodes; master node %s). Logs: %s\n", len(c.WorkerNodes), c.MasterNode, c.LogDir)
	fmt.Printf("In another shell:\n\n    export KUBECONFIG=%s\n    kubectl get nodes -o wide\n\nCtrl-C stops it.\n", c.KubeconfigPath)
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "\nlocalcluster: stopping")
	case <-c.Failed():
		err = c.Err()
	}
	return errors.Join(err, c.Stop())
}
