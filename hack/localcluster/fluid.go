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

	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// runFluid runs the local cluster with Fluid's controllers and the
// Alluxio runner until Ctrl-C.
func runFluid(opts cluster.Options) error {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// Addresses apart from the Fluid suite's, so both can run at once.
	so := stack.Options{Root: opts.Root, Dir: opts.Dir, Logf: opts.Logf, PodCIDR: "127.0.6.0/24", NodeIPPrefix: "127.0.7."}
	if set["nodes"] {
		so.Nodes = opts.Nodes
	}
	if set["pod-cidr"] {
		so.PodCIDR = opts.PodCIDR
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := stack.Start(ctx, so)
	if err != nil {
		return err
	}
	ufs := filepath.Join(s.Dir, "ufs", "default", "hbase")
	m, _ := stack.Runtime{Namespace: "default", Name: "hbase", Workers: 4, UFSDir: ufs}.Manifest()
	fmt.Printf("\nThe local cluster runs Fluid %s's controllers and real Alluxio behind its pods (%d worker nodes). Logs: %s\n", stack.FluidVersion, len(s.Cluster.WorkerNodes), s.LogDir)
	fmt.Printf("In another shell:\n\n    export KUBECONFIG=%s\n    mkdir -p %s\n    kubectl apply -f - <<'EOF'\n%sEOF\n    kubectl get dataset,alluxioruntime -w\n    kubectl exec hbase-master-0 -c alluxio-master -- alluxio fsadmin report summary\n\nCtrl-C stops it.\n", s.Cluster.KubeconfigPath, ufs, m)
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "\nlocalcluster: stopping")
	case <-s.Cluster.Failed():
		err = s.Cluster.Err()
	}
	return errors.Join(err, s.Stop())
}
