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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/featuregate"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
)

// Scheme knows every type the controller uses.
func Scheme() *runtime.Scheme { return alluxio.Scheme() }

// ManagerOptions configure one controller manager.
type ManagerOptions struct {
	Gates     featuregate.FeatureGate
	Connector alluxio.Connector
	Logger    logr.Logger
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
	// Mode and FluidPolicy are the command's --mode and policy flags
	// (defaults: standalone, the flags' defaults).
	Mode        alluxio.Mode
	FluidPolicy *alluxio.FluidPolicy
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
	metricsAddr := o.MetricsAddr
	if metricsAddr == "" {
		metricsAddr = "0"
	}
	if o.WrapTransport != nil {
		cfg = rest.CopyConfig(cfg)
		cfg.WrapTransport = o.WrapTransport
	}
	kruise, err := alluxio.KruiseServed(cfg)
	if err != nil {
		return nil, err
	}
	lease, renew, retry := 3*time.Second, 2*time.Second, 200*time.Millisecond
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		LeaderElection:          o.LeaderElectionNamespace != "",
		LeaderElectionID:        alluxio.LeaderElectionID,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		LeaseDuration:           &lease,
		RenewDeadline:           &renew,
		RetryPeriod:             &retry,
		Scheme:                  Scheme(),
		Logger:                  o.Logger,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  "0",
		Cache:                   alluxio.CacheOptions(nil, kruise),
		// Several managers run one after another in one test process.
		Controller: config.Controller{SkipNameValidation: ptrTo(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("new manager: %w", err)
	}
	if _, err := alluxio.Setup(mgr, alluxio.Options{
		Mode:                    o.Mode,
		FluidPolicy:             o.FluidPolicy,
		Gates:                   o.Gates,
		Alluxio:                 o.Connector,
		MaxConcurrentReconciles: max(o.MaxConcurrentReconciles, 2),
		// The command's default.
		GuardHeartbeatTimeout: guard.DefaultTimeout,
	}); err != nil {
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
