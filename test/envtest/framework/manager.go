// Package framework starts the controller's manager against a test
// control plane, the way cmd/alluxioruntime-controller does, for the
// envtest suites.
package framework

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/featuregate"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
)

// Scheme knows every type the controller uses.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(datav1alpha1.AddToScheme(s))
	utilruntime.Must(kruisev1beta1.AddToScheme(s))
	return s
}

// ManagerOptions configure one controller manager.
type ManagerOptions struct {
	Gates     featuregate.FeatureGate
	Connector alluxio.Connector
	Logger    logr.Logger
	// Kruise: OpenKruise's CRDs are installed.
	Kruise bool
	// MetricsAddr, e.g. "127.0.0.1:0"; empty disables metrics.
	MetricsAddr string
	// LeaderElectionNamespace, when set, makes managers elect a leader
	// there, with short leases so a test sees a takeover in seconds.
	LeaderElectionNamespace string
	// MaxConcurrentReconciles defaults to 2.
	MaxConcurrentReconciles int
	// WrapTransport, when set, wraps the manager's API transport (e.g. to
	// count requests).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Manager is a running controller manager.
type Manager struct {
	cancel  context.CancelFunc
	done    chan error
	once    sync.Once
	elected <-chan struct{}
}

// Elected is closed once this manager leads (at once without leader
// election).
func (m *Manager) Elected() <-chan struct{} { return m.elected }

// StartManager runs the controller as main does (label-selected caches,
// one reconciler) until Stop.
func StartManager(cfg *rest.Config, o ManagerOptions) (*Manager, error) {
	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	byObject := map[client.Object]cache.ByObject{
		&corev1.Pod{}:         {Label: managed},
		&corev1.Service{}:     {Label: managed},
		&appsv1.StatefulSet{}: {Label: managed},
	}
	if o.Kruise {
		byObject[&kruisev1beta1.StatefulSet{}] = cache.ByObject{Label: managed}
	}
	metricsAddr := o.MetricsAddr
	if metricsAddr == "" {
		metricsAddr = "0"
	}
	if o.WrapTransport != nil {
		cfg = rest.CopyConfig(cfg)
		cfg.WrapTransport = o.WrapTransport
	}
	lease, renew, retry := 3*time.Second, 2*time.Second, 200*time.Millisecond
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		LeaderElection:          o.LeaderElectionNamespace != "",
		LeaderElectionID:        "alluxioruntime-controller.data.fluid.io",
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		LeaseDuration:           &lease,
		RenewDeadline:           &renew,
		RetryPeriod:             &retry,
		Scheme:                  Scheme(),
		Logger:                  o.Logger,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  "0",
		Cache:                   cache.Options{ByObject: byObject},
		// Several managers run one after another in one test process.
		Controller: config.Controller{SkipNameValidation: ptrTo(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("new manager: %w", err)
	}
	r := &alluxio.Reconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		Scheme:                  mgr.GetScheme(),
		Recorder:                mgr.GetEventRecorder("alluxioruntime-controller"),
		Gates:                   o.Gates,
		Alluxio:                 o.Connector,
		Clock:                   clock.RealClock{},
		KruiseInstalled:         o.Kruise,
		MaxConcurrentReconciles: max(o.MaxConcurrentReconciles, 2),
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{cancel: cancel, done: make(chan error, 1), elected: mgr.Elected()}
	go func() { m.done <- mgr.Start(ctx) }()
	return m, nil
}

// Stop stops the manager and waits until it has stopped.
func (m *Manager) Stop() error {
	var err error
	m.once.Do(func() {
		m.cancel()
		select {
		case err = <-m.done:
		case <-time.After(30 * time.Second):
			err = fmt.Errorf("manager did not stop within 30s")
		}
	})
	return err
}

func ptrTo[T any](v T) *T { return &v }

// HTTPClient is the client the controller uses for Alluxio's REST APIs.
func HTTPClient() *http.Client { return &http.Client{Timeout: 5 * time.Second} }
