// Command alluxioruntime-controller runs AlluxioRuntimes and scales their
// workers in gracefully.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/discovery"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/features"
	"github.com/fluid-drain/fluid-drain/pkg/version"
)

type options struct {
	mode                   string
	fluidPolicy            alluxio.FluidPolicy
	onDrainTimeout         string
	metricsAddr, probeAddr string
	leaderElect            bool
	leaderElectionNS       string
	leaderElectionID       string
	printVersion           bool
	metricsSecure          bool
	concurrency            int
	namespaces             namespacesFlag
	guardTimeout           time.Duration
	guardClockLease        leaseFlag
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
	o := &options{fluidPolicy: alluxio.DefaultFluidPolicy()}
	fs := flag.NewFlagSet("alluxioruntime-controller", flag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", string(alluxio.StandaloneMode), "standalone: run the master and worker sets of runtimes that have none, and drain them; "+
		"fluid: next to Fluid, never create a workload, only drain the worker sets Fluid made. Both drain Fluid-made worker sets.")
	fs.DurationVar(&o.fluidPolicy.DrainTimeout, "drain-timeout", o.fluidPolicy.DrainTimeout, "Fluid-managed runtimes: how long one worker may drain (annotation "+datav1alpha1.DrainTimeoutAnnotation+" overrides).")
	fs.StringVar(&o.onDrainTimeout, "on-drain-timeout", string(o.fluidPolicy.OnDrainTimeout), "Fluid-managed runtimes: Wait or Force once drain-timeout passes (annotation "+datav1alpha1.OnDrainTimeoutAnnotation+").")
	fs.DurationVar(&o.fluidPolicy.QuietPeriod, "quiet-period", o.fluidPolicy.QuietPeriod, "Fluid-managed runtimes: how long a worker must be idle to count as drained (annotation "+datav1alpha1.QuietPeriodAnnotation+").")
	fs.DurationVar(&o.fluidPolicy.PollInterval, "poll-interval", o.fluidPolicy.PollInterval, "Fluid-managed runtimes: how often a waiting scale-in is looked at again (annotation "+datav1alpha1.PollIntervalAnnotation+").")
	fs.Var(int32Flag{&o.fluidPolicy.MaxConcurrent}, "max-concurrent", "Fluid-managed runtimes: workers decommissioning or draining at once, 0 for all (annotation "+datav1alpha1.MaxConcurrentAnnotation+").")
	addRecacheFlags(fs, &o.fluidPolicy)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "The address the Prometheus metrics endpoint binds to; 0 disables it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", false, "Serve the metrics over HTTPS (a self-signed certificate) to callers that authenticate with a Kubernetes token and may get the non-resource URL /metrics (needs create on tokenreviews and subjectaccessreviews). Off: plain HTTP.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "The address the health and readiness probes bind to.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one of several controller replicas is active.")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election lease (default: the controller's own).")
	fs.StringVar(&o.leaderElectionID, "leader-election-id", alluxio.LeaderElectionID, "Name of the leader election lease; each installation in a namespace needs its own (the chart uses the release name).")
	fs.BoolVar(&o.printVersion, "version", false, "Print the version and exit.")
	fs.IntVar(&o.concurrency, "concurrency", 4, "How many runtimes are reconciled at once.")
	fs.DurationVar(&o.guardTimeout, "guard-heartbeat-timeout", guard.DefaultTimeout, "Next to Fluid: the admission guard's heartbeat timeout, as the policy is rendered with (chart value admissionPolicy.heartbeatTimeout). The guard holds no pod once fluid-drain's heartbeat is older than this; 0 writes no heartbeat, so the guard holds nothing.")
	fs.Var(&o.guardClockLease, "guard-clock-lease", "Next to Fluid: namespace/name of the lease the admission guard reads the time from (kube-controller-manager's leader-election lease).")
	fs.Var(&o.namespaces, "namespaces", "Comma-separated namespaces whose runtimes are managed (default: every namespace). With a list, the controller needs a Role in each of them instead of a ClusterRoleBinding.")
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
	if parseErr == nil && o.printVersion {
		fmt.Println("alluxioruntime-controller", version.Get())
		os.Exit(0)
	}
	if parseErr == nil {
		parseErr = o.validate()
	}
	return o, parseErr
}

// validate refuses flag values the scale-in cannot work with, naming the
// flag.
func (o *options) validate() error {
	switch alluxio.Mode(o.mode) {
	case alluxio.StandaloneMode, alluxio.FluidMode:
	default:
		return fmt.Errorf("--mode=%q: want %s or %s", o.mode, alluxio.StandaloneMode, alluxio.FluidMode)
	}
	switch action := datav1alpha1.DrainTimeoutAction(o.onDrainTimeout); action {
	case datav1alpha1.DrainTimeoutWait, datav1alpha1.DrainTimeoutForce:
		o.fluidPolicy.OnDrainTimeout = action
	default:
		return fmt.Errorf("--on-drain-timeout=%q: want Wait or Force", o.onDrainTimeout)
	}
	p := o.fluidPolicy
	switch {
	case p.DrainTimeout <= 0 || p.QuietPeriod <= 0 || p.PollInterval <= 0:
		return fmt.Errorf("--drain-timeout, --quiet-period and --poll-interval must be positive (got %s, %s, %s)", p.DrainTimeout, p.QuietPeriod, p.PollInterval)
	case p.QuietPeriod >= p.DrainTimeout:
		return fmt.Errorf("--quiet-period=%s must be shorter than --drain-timeout=%s", p.QuietPeriod, p.DrainTimeout)
	case p.MaxConcurrent < 0:
		return fmt.Errorf("--max-concurrent=%d: want 0 (no cap) or more", p.MaxConcurrent)
	}
	if errs := validation.IsDNS1123Subdomain(o.leaderElectionID); len(errs) > 0 {
		return fmt.Errorf("--leader-election-id=%q is not a valid lease name: %s", o.leaderElectionID, strings.Join(errs, "; "))
	}
	return nil
}

// int32Flag is a flag.Value for an int32.
type int32Flag struct{ p *int32 }

func (f int32Flag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.Itoa(int(*f.p))
}

func (f int32Flag) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", v)
	}
	*f.p = int32(n)
	return nil
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
	build := version.Get()
	if err := version.RegisterBuildInfo(); err != nil {
		return err
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no Kubernetes config: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	if err := alluxio.RefuseStandaloneNextToFluid(alluxio.Mode(o.mode), dc); err != nil {
		return err
	}
	kruise, err := alluxio.KruiseServed(cfg)
	if err != nil {
		return err
	}
	metrics := metricsserver.Options{BindAddress: o.metricsAddr}
	if o.metricsSecure {
		metrics.SecureServing = true
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  alluxio.Scheme(),
		Metrics:                 metrics,
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        o.leaderElectionID,
		LeaderElectionNamespace: o.leaderElectionNS,
		// Every runnable stops when the manager does, so the lease can be
		// handed back at once: a new replica (rolling update) takes over
		// without waiting for the lease to expire.
		LeaderElectionReleaseOnCancel: true,
		Cache:                         alluxio.CacheOptions(o.namespaces, kruise),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	exec, err := operations.NewPodExecutor(cfg)
	if err != nil {
		return err
	}
	r, err := alluxio.Setup(mgr, alluxio.Options{
		Mode:                    alluxio.Mode(o.mode),
		FluidPolicy:             &o.fluidPolicy,
		Gates:                   features.Gates,
		Alluxio:                 alluxio.ClusterConnector{Executor: exec, HTTP: operations.NewHTTPClient(10 * time.Second)},
		Namespaces:              o.namespaces,
		MaxConcurrentReconciles: o.concurrency,
		GuardHeartbeatTimeout:   o.guardTimeout,
		GuardClockLease:         types.NamespacedName(o.guardClockLease),
	})
	if err != nil {
		return err
	}
	log.Info("starting", "version", build.Version, "revision", build.Revision, "goVersion", build.GoVersion, "mode", o.mode, "featureGates", features.MutableGates, "kruiseInstalled", r.KruiseInstalled, "namespaces", o.namespaces.String(), "metricsSecure", o.metricsSecure, "leaderElectionID", o.leaderElectionID)
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
