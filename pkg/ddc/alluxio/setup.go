package alluxio

import (
	"fmt"

	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/component-base/featuregate"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
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
// cluster, unrelated pods cost no memory.
func CacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}:                {Label: managed},
		&corev1.Service{}:            {Label: managed},
		&appsv1.StatefulSet{}:        {Label: managed},
		&kruisev1beta1.StatefulSet{}: {Label: managed},
	}}
}

// LeaderElectionID is the lease the controller's replicas elect a leader on.
const LeaderElectionID = "alluxioruntime-controller.data.fluid.io"

// Options are what differs between one running controller and another.
type Options struct {
	Gates featuregate.FeatureGate
	// Alluxio reaches a runtime's Alluxio cluster.
	Alluxio Connector
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
	// MaxConcurrentReconciles defaults to 1.
	MaxConcurrentReconciles int
}

// Setup registers the controller with mgr. OpenKruise's Advanced
// StatefulSet is watched when the cluster serves it.
func Setup(mgr ctrl.Manager, o Options) (*Reconciler, error) {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	r := &Reconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		Scheme:                  mgr.GetScheme(),
		Recorder:                mgr.GetEventRecorder("alluxioruntime-controller"),
		Gates:                   o.Gates,
		Alluxio:                 o.Alluxio,
		Clock:                   o.Clock,
		KruiseInstalled:         kruiseServed(mgr),
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up controller: %w", err)
	}
	return r, nil
}

// kruiseServed reports whether OpenKruise's Advanced StatefulSet API is
// served by the cluster.
func kruiseServed(mgr ctrl.Manager) bool {
	_, err := mgr.GetRESTMapper().RESTMapping(schema.GroupKind{Group: kruisev1beta1.GroupVersion.Group, Kind: "StatefulSet"}, kruisev1beta1.GroupVersion.Version)
	return err == nil
}
