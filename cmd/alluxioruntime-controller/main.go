// Command alluxioruntime-controller runs AlluxioRuntimes and scales their
// workers in gracefully.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

type options struct {
	metricsAddr, probeAddr string
	leaderElect            bool
	leaderElectionNS       string
	concurrency            int
	zap                    zap.Options
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line. A bad flag, such as an unknown
// feature gate, is one error line (naming the known gates); --help
// prints every flag.
func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("alluxioruntime-controller", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "The address the Prometheus metrics endpoint binds to; 0 disables it.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "The address the health and readiness probes bind to.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one of several controller replicas is active.")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election lease (default: the controller's own).")
	fs.IntVar(&o.concurrency, "concurrency", 4, "How many runtimes are reconciled at once.")
	features.AddFlag(fs)
	// --kubeconfig is registered on the global flag set by controller-runtime.
	if f := flag.CommandLine.Lookup("kubeconfig"); f != nil {
		fs.Var(f.Value, f.Name, f.Usage)
	}
	o.zap.BindFlags(fs)
	fs.SetOutput(os.Stdout)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage of alluxioruntime-controller:")
		fs.PrintDefaults()
	}
	var parseErr error
	fs.SetOutput(discardUnlessHelp{})
	parseErr = fs.Parse(args)
	if errors.Is(parseErr, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		os.Exit(0)
	}
	return o, parseErr
}

// discardUnlessHelp swallows the flag package's own error output, so that
// a bad flag is reported in a single line by main.
type discardUnlessHelp struct{}

func (discardUnlessHelp) Write(p []byte) (int, error) { return len(p), nil }

func run(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	log := ctrl.Log.WithName("setup")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no Kubernetes config: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  alluxio.Scheme(),
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        alluxio.LeaderElectionID,
		LeaderElectionNamespace: o.leaderElectionNS,
		Cache:                   alluxio.CacheOptions(),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	exec, err := operations.NewPodExecutor(cfg)
	if err != nil {
		return err
	}
	r, err := alluxio.Setup(mgr, alluxio.Options{
		Gates:                   features.Gates,
		Alluxio:                 alluxio.ClusterConnector{Executor: exec, HTTP: &http.Client{Timeout: 10 * time.Second}},
		MaxConcurrentReconciles: o.concurrency,
	})
	if err != nil {
		return err
	}
	log.Info("starting", "featureGates", features.MutableGates, "kruiseInstalled", r.KruiseInstalled)
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
