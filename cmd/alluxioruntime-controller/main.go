// Command alluxioruntime-controller runs AlluxioRuntimes and scales their
// workers in gracefully.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

type options struct {
	metricsAddr, probeAddr string
	leaderElect            bool
	leaderElectionNS       string
	concurrency            int
	namespaces             namespacesFlag
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

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(datav1alpha1.AddToScheme(scheme))
	utilruntime.Must(kruisev1beta1.AddToScheme(scheme))

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no Kubernetes config: %w", err)
	}
	// Only objects this controller manages are cached: in a big cluster,
	// unrelated pods cost no memory.
	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "alluxioruntime-controller.data.fluid.io",
		LeaderElectionNamespace: o.leaderElectionNS,
		Cache: cache.Options{DefaultNamespaces: o.namespaces.cacheNamespaces(), ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}:                {Label: managed},
			&corev1.Service{}:            {Label: managed},
			&appsv1.StatefulSet{}:        {Label: managed},
			&kruisev1beta1.StatefulSet{}: {Label: managed},
		}},
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	kruise := kruiseServed(mgr)
	log.Info("starting", "featureGates", features.MutableGates, "kruiseInstalled", kruise, "namespaces", o.namespaces.String())

	exec, err := operations.NewPodExecutor(cfg)
	if err != nil {
		return err
	}
	r := &alluxio.Reconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		Scheme:                  mgr.GetScheme(),
		Recorder:                mgr.GetEventRecorder("alluxioruntime-controller"),
		Gates:                   features.Gates,
		Alluxio:                 alluxio.ClusterConnector{Executor: exec, HTTP: operations.NewHTTPClient(10 * time.Second)},
		Clock:                   clock.RealClock{},
		KruiseInstalled:         kruise,
		MaxConcurrentReconciles: o.concurrency,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}

// kruiseServed reports whether OpenKruise's Advanced StatefulSet API is
// served by the cluster.
func kruiseServed(mgr ctrl.Manager) bool {
	_, err := mgr.GetRESTMapper().RESTMapping(schema.GroupKind{Group: kruisev1beta1.GroupVersion.Group, Kind: "StatefulSet"}, kruisev1beta1.GroupVersion.Version)
	return err == nil
}
