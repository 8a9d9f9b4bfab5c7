package alluxio

import (
	"fmt"
	"time"

	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/featuregate"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
)

// The one setup of the controller, used by the command and by every test
// harness, so that what is tested is what runs.

// Scheme knows every type the controller reads or writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(datav1alpha1.AddToScheme(s))
	utilruntime.Must(kruisev1beta1.AddToScheme(s))
	return s
}

// CacheOptions cache only the objects this controller manages: in a big
// cluster, unrelated pods cost no memory. With namespaces, only theirs.
// OpenKruise's StatefulSet is named only where the cluster serves it (a
// cache option for a kind the API server does not know stops the
// manager from starting).
func CacheOptions(namespaces []string, kruise bool) cache.Options {
	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	byObject := map[client.Object]cache.ByObject{
		&corev1.Pod{}:         {Label: managed},
		&corev1.Service{}:     {Label: managed},
		&appsv1.StatefulSet{}: {Label: managed},
	}
	if kruise {
		byObject[&kruisev1beta1.StatefulSet{}] = cache.ByObject{Label: managed}
	}
	return cache.Options{DefaultNamespaces: cacheNamespaces(namespaces), ByObject: byObject}
}

// KruiseServed asks the API server whether it serves OpenKruise's
// Advanced StatefulSet (apps.kruise.io/v1beta1).
func KruiseServed(cfg *rest.Config) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, err
	}
	resources, err := dc.ServerResourcesForGroupVersion(kruisev1beta1.GroupVersion.String())
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("discover %s: %w", kruisev1beta1.GroupVersion, err)
	}
	for _, r := range resources.APIResources {
		if r.Kind == "StatefulSet" {
			return true, nil
		}
	}
	return false, nil
}

// cacheNamespaces limits a cache to namespaces; nil (every namespace)
// when there are none.
func cacheNamespaces(namespaces []string) map[string]cache.Config {
	if len(namespaces) == 0 {
		return nil
	}
	m := make(map[string]cache.Config, len(namespaces))
	for _, ns := range namespaces {
		m[ns] = cache.Config{}
	}
	return m
}

// LeaderElectionID is the lease the controller's replicas elect a leader on.
const LeaderElectionID = "alluxioruntime-controller.data.fluid.io"

// Mode says which runtimes' workloads the controller creates.
type Mode string

const (
	// StandaloneMode: the controller runs the master and worker sets of
	// runtimes that have none (no Fluid in the cluster), and drains both
	// its own and Fluid-made worker sets.
	StandaloneMode Mode = "standalone"
	// FluidMode: installed next to Fluid, the controller never creates a
	// workload; it drains the worker sets Fluid's chart made, and leaves
	// any other runtime alone.
	FluidMode Mode = "fluid"
)

// Options are what differs between one running controller and another.
type Options struct {
	// Mode defaults to StandaloneMode.
	Mode Mode
	// FluidPolicy is the scale-in policy of Fluid-managed runtimes
	// (defaults: DefaultFluidPolicy).
	FluidPolicy *FluidPolicy
	Gates       featuregate.FeatureGate
	// Alluxio reaches a runtime's Alluxio cluster.
	Alluxio Connector
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
	// MaxConcurrentReconciles defaults to 1.
	MaxConcurrentReconciles int
	// Namespaces limits the controller to these namespaces (all when
	// empty); the manager's cache must be limited the same way
	// (CacheOptions).
	Namespaces []string
	// GuardHeartbeatTimeout is the admission guard's heartbeat timeout,
	// as the policy is rendered with (FluidMode only); 0 writes no
	// heartbeat (the guard then holds nothing).
	GuardHeartbeatTimeout time.Duration
	// GuardClockLease is the lease the policy reads the time from
	// (default guard.DefaultClockLease).
	GuardClockLease types.NamespacedName
}

// Setup registers the controller with mgr. OpenKruise's Advanced
// StatefulSet is watched when the cluster serves it; the pods and sets
// Fluid's chart made are cached and watched apart from ours.
func Setup(mgr ctrl.Manager, o Options) (*Reconciler, error) {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.FluidPolicy == nil {
		p := DefaultFluidPolicy()
		o.FluidPolicy = &p
	}
	fluidCache, err := newFluidCache(mgr, o.Namespaces)
	if err != nil {
		return nil, err
	}
	r := &Reconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		FluidReader:             fluidCache,
		FluidPolicy:             *o.FluidPolicy,
		DrainOnly:               o.Mode == FluidMode,
		Scheme:                  mgr.GetScheme(),
		Recorder:                mgr.GetEventRecorder("alluxioruntime-controller"),
		Gates:                   o.Gates,
		Alluxio:                 o.Alluxio,
		Clock:                   o.Clock,
		KruiseInstalled:         kruiseServed(mgr),
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	}
	// The guard is installed next to Fluid only.
	if o.GuardHeartbeatTimeout > 0 && o.Mode == FluidMode {
		if o.GuardClockLease.Name == "" {
			o.GuardClockLease = guard.DefaultClockLease
		}
		r.Heartbeat = &guard.Heartbeat{
			Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Pods: fluidCache, Recorder: r.Recorder,
			Clock: clock.RealClock{}, Timeout: o.GuardHeartbeatTimeout, ClockLease: o.GuardClockLease,
		}
		if err := mgr.Add(r.Heartbeat); err != nil {
			return nil, fmt.Errorf("add the drain guard heartbeat: %w", err)
		}
	}
	if err := r.SetupWithManager(mgr, fluidCache); err != nil {
		return nil, fmt.Errorf("set up controller: %w", err)
	}
	return r, nil
}

// newFluidCache caches the pods and StatefulSets that Fluid's chart
// labels role=alluxio-master|alluxio-worker, and nothing else.
func newFluidCache(mgr ctrl.Manager, namespaces []string) (cache.Cache, error) {
	role, err := labels.Parse(datav1alpha1.FluidRoleLabel + " in (" + datav1alpha1.FluidMasterRole + "," + datav1alpha1.FluidWorkerRole + ")")
	if err != nil {
		return nil, err
	}
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(), DefaultNamespaces: cacheNamespaces(namespaces),
		ByObject: map[client.Object]cache.ByObject{&corev1.Pod{}: {Label: role}, &appsv1.StatefulSet{}: {Label: role}},
	})
	if err != nil {
		return nil, fmt.Errorf("cache for Fluid's workloads: %w", err)
	}
	return c, mgr.Add(c)
}

// kruiseServed reports whether OpenKruise's Advanced StatefulSet API is
// served by the cluster.
func kruiseServed(mgr ctrl.Manager) bool {
	_, err := mgr.GetRESTMapper().RESTMapping(schema.GroupKind{Group: kruisev1beta1.GroupVersion.Group, Kind: "StatefulSet"}, kruisev1beta1.GroupVersion.Version)
	return err == nil
}
