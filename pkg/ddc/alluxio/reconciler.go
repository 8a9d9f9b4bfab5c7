package alluxio

import (
	"context"
	"errors"
	"fmt"
	"strings"

	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/component-base/featuregate"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

// Reconciler runs AlluxioRuntimes.
type Reconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder events.EventRecorder
	Gates    featuregate.FeatureGate
	// Alluxio reaches a runtime's Alluxio cluster.
	Alluxio Connector
	Clock   clock.PassiveClock
	// KruiseInstalled: OpenKruise's Advanced StatefulSet is served, so
	// its worker sets can be watched and created.
	KruiseInstalled bool
	// MaxConcurrentReconciles defaults to 1.
	MaxConcurrentReconciles int
	// FluidReader reads the pods and sets Fluid's chart made (labelled
	// role=alluxio-master|alluxio-worker); nil: Fluid-managed runtimes
	// are not looked for.
	FluidReader client.Reader
	// FluidPolicy is the scale-in policy of Fluid-managed runtimes.
	FluidPolicy FluidPolicy
	// DrainOnly: never create a workload; runtimes without a worker set of
	// Fluid's or ours are left alone, for Fluid to run (--mode=fluid). Off
	// (the standalone mode), such runtimes get our own master and worker
	// sets.
	DrainOnly bool
	// APIReader reads the runtime straight from the API server. The
	// status written at the end of a reconcile is computed from the
	// runtime read at its start; from a cache that lags behind the last
	// status write it would put old conditions back. Nil: Client.
	APIReader client.Reader
	// Heartbeat vouches, next to Fluid, that the controller that labels
	// pods for the admission guard is alive. Nil: no heartbeat is
	// written (the guard then holds nothing).
	Heartbeat *guard.Heartbeat
	// CallOrder, when set, makes the calls a reconcile would run
	// concurrently (victims' pod writes, worker probes) run one at a
	// time, in the order it returns: a permutation of [0, n). Concurrent
	// calls may land in any order; a simulation plays one such order per
	// seed, so the same seed replays the same run. Nil: concurrently.
	CallOrder func(n int) []int
}

// +kubebuilder:rbac:groups=data.fluid.io,resources=alluxioruntimes,verbs=get;list;watch
// +kubebuilder:rbac:groups=data.fluid.io,resources=alluxioruntimes/status,verbs=patch
// +kubebuilder:rbac:groups=data.fluid.io,resources=alluxioruntimes/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=apps.kruise.io,resources=statefulsets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups="",resources=pods/exec,verbs=get;create
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get

// Reconcile brings one runtime a step closer to its spec. Its shape is
// Cluster API's: fetch, handle deletion, then reconcile with the status
// patched on the way out, whatever happened.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, retErr error) {
	rt := &datav1alpha1.AlluxioRuntime{}
	if err := r.reader().Get(ctx, req.NamespacedName, rt); err != nil {
		if apierrors.IsNotFound(err) {
			// Gone: its pods go with it, and none may keep our finalizer.
			forgetRuntime(req.Namespace, req.Name)
			return r.waitOrFail(ctx, r.releaseAllPods(ctx, req.NamespacedName))
		}
		return ctrl.Result{}, err
	}
	if !rt.DeletionTimestamp.IsZero() {
		return r.waitOrFail(ctx, r.releaseAllPods(ctx, req.NamespacedName))
	}
	fluidSet, err := r.fluidWorkerSet(ctx, rt)
	if err != nil {
		return ctrl.Result{}, err
	}
	if fluidSet != nil {
		res, err := r.reconcileFluidManaged(ctx, rt, fluidSet)
		if err != nil {
			// Fluid writes the same runtime's status: a conflict is a
			// retry, not an error for a human.
			return r.waitOrFail(ctx, err)
		}
		return res, nil
	}
	// Fluid's worker set gone while the runtime stays (deleted by hand, or
	// uninstalled by Fluid): its pods go with it and none may keep our
	// finalizer.
	if err := r.releaseFluidPods(ctx, req.NamespacedName, "Fluid's worker set gone"); err != nil {
		return ctrl.Result{}, err
	}
	if leave, err := r.leftAlone(ctx, rt); leave || err != nil {
		return ctrl.Result{}, err
	}

	base := rt.DeepCopy()
	defer func() {
		rt.Status.ObservedGeneration = rt.Generation
		if equality.Semantic.DeepEqual(base.Status, rt.Status) {
			return
		}
		// Optimistic lock: a status computed from a stale cached copy must
		// not overwrite a newer one (a merge patch replaces whole lists,
		// conditions included). A conflict is retried from a fresh read.
		err := r.Status().Patch(ctx, rt, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
		switch {
		case err == nil, apierrors.IsNotFound(err):
		case apierrors.IsConflict(err):
			ctrl.LoggerFrom(ctx).Info("status changed since it was read, retrying", "runtime", klog.KObj(rt))
			res = ctrl.Result{RequeueAfter: conflictRetry}
		default:
			retErr = kerrors.NewAggregate([]error{retErr, fmt.Errorf("patch status: %w", err)})
		}
	}()
	return r.waitOrFail(ctx, r.reconcileNormal(ctx, rt))
}

// reader reads runtimes straight from the API server when it can.
func (r *Reconciler) reader() client.Reader {
	if r.APIReader != nil {
		return r.APIReader
	}
	return r.Client
}

// leftAlone reports whether a runtime is neither ours nor Fluid's to
// drain: no worker set of ours exists and this controller does not create
// them (it runs next to Fluid, which will).
func (r *Reconciler) leftAlone(ctx context.Context, rt *datav1alpha1.AlluxioRuntime) (bool, error) {
	if !r.DrainOnly {
		return false, nil
	}
	for _, kind := range []datav1alpha1.WorkloadKind{datav1alpha1.StatefulSetWorkload, datav1alpha1.AdvancedStatefulSetWorkload} {
		if kind == datav1alpha1.AdvancedStatefulSetWorkload && !r.KruiseInstalled {
			continue
		}
		if _, found, err := r.getWorkerSet(ctx, rt, kind); err != nil || found {
			return false, err
		}
	}
	ctrl.LoggerFrom(ctx).Info("runtime left alone: its worker set was made neither by Fluid's chart nor by this controller, which does not create workloads (--mode=fluid)",
		"runtime", klog.KObj(rt), "workerSet", workerName(rt))
	return true, nil
}

// waitOrFail turns a WaitingError into a plain requeue at its fixed
// interval, logged at Info: waiting for workers to drain is normal.
func (r *Reconciler) waitOrFail(ctx context.Context, err error) (ctrl.Result, error) {
	var waiting *WaitingError
	switch {
	case errors.As(err, &waiting):
		ctrl.LoggerFrom(ctx).Info("waiting for the scale-in", "reason", waiting.Reason, "message", waiting.Message, "requeueAfter", waiting.RequeueAfter)
		return ctrl.Result{RequeueAfter: waiting.RequeueAfter}, nil
	case apierrors.IsConflict(err):
		// Someone else changed a pod or workload since it was read: read
		// again and retry, nothing for a human to do.
		ctrl.LoggerFrom(ctx).Info("conflict, retrying", "error", err.Error())
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return ctrl.Result{}, err
}

func (r *Reconciler) reconcileNormal(ctx context.Context, rt *datav1alpha1.AlluxioRuntime) error {
	r.warnUnsupportedFields(rt)
	m, err := masterComponent(rt)
	if err != nil {
		return err
	}
	w, err := workerComponent(rt)
	if err != nil {
		return err
	}
	master, err := r.reconcileMaster(ctx, rt, m)
	if err != nil {
		return err
	}

	kind, err := r.workerWorkloadKind(ctx, rt)
	if err != nil {
		return err
	}
	ws, found, err := r.getWorkerSet(ctx, rt, kind)
	if err != nil {
		return err
	}
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(rt.Namespace), client.MatchingLabels{datav1alpha1.RuntimeNameLabel: rt.Name}); err != nil {
		return fmt.Errorf("list pods of %s: %w", rt.Name, err)
	}
	workerPods, masterPod := splitPods(rt, pods.Items)

	replicas, leaving, scaleErr := rt.Spec.Replicas, []int32(nil), error(nil)
	switch {
	case !found:
	case r.Gates.Enabled(features.GracefulScaleIn):
		replicas, leaving, scaleErr = r.reconcileGracefulScaleIn(ctx, rt, ws, workerPods, w, masterPod)
	default:
		scaleErr = r.reconcilePlainScaleIn(ctx, rt, ws, workerPods)
	}
	if err := r.applyWorkerSet(ctx, rt, ws, w, replicas, leaving); err != nil {
		return kerrors.NewAggregate([]error{scaleErr, err})
	}
	mirrorReadiness(rt, master, ws)
	return scaleErr
}

// workerWorkloadKind is the kind the runtime's workers run as: the one
// recorded in its status; else the kind of a worker set that already
// exists (the status may not have been written, or read, yet); else, for
// a new runtime, the one the AdvancedStatefulSet gate picks. It is then
// recorded for good, so flipping the gate never orphans workers.
func (r *Reconciler) workerWorkloadKind(ctx context.Context, rt *datav1alpha1.AlluxioRuntime) (datav1alpha1.WorkloadKind, error) {
	kind := rt.Status.WorkerWorkloadKind
	if kind == "" {
		kind = datav1alpha1.StatefulSetWorkload
		if r.Gates.Enabled(features.AdvancedStatefulSet) {
			kind = datav1alpha1.AdvancedStatefulSetWorkload
		}
		for _, existing := range []datav1alpha1.WorkloadKind{datav1alpha1.StatefulSetWorkload, datav1alpha1.AdvancedStatefulSetWorkload} {
			if existing == datav1alpha1.AdvancedStatefulSetWorkload && !r.KruiseInstalled {
				continue
			}
			if _, found, err := r.getWorkerSet(ctx, rt, existing); err != nil {
				return "", err
			} else if found {
				kind = existing
			}
		}
		rt.Status.WorkerWorkloadKind = kind
	}
	if kind == datav1alpha1.AdvancedStatefulSetWorkload && !r.KruiseInstalled {
		return kind, fmt.Errorf("runtime %s runs its workers as an OpenKruise Advanced StatefulSet, but the CRD statefulsets.apps.kruise.io is not served: install OpenKruise and restart the controller", rt.Name)
	}
	return kind, nil
}

// splitPods separates the worker pods from the master's pod.
func splitPods(rt *datav1alpha1.AlluxioRuntime, pods []corev1.Pod) (workers []corev1.Pod, master *corev1.Pod) {
	for i := range pods {
		switch {
		case pods[i].Labels[datav1alpha1.ComponentLabel] == datav1alpha1.WorkerComponent:
			workers = append(workers, pods[i])
		case pods[i].Name == masterPodName(rt):
			master = &pods[i]
		}
	}
	return workers, master
}

// reconcilePlainScaleIn is Fluid's scale-in (GracefulScaleIn off): the
// worker set drops to spec.replicas at once. Records and finalizers left
// from a graceful scale-in (the gate switched off mid-way) are released,
// so no pod stays stuck.
func (r *Reconciler) reconcilePlainScaleIn(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, ws workerSet, workerPods []corev1.Pod) error {
	if err := r.releaseRecords(ctx, ws.object().GetName(), ws.runs, workerPods); err != nil {
		return err
	}
	if rt.Spec.Replicas < ws.replicas() {
		r.Recorder.Eventf(rt, nil, corev1.EventTypeNormal, datav1alpha1.PlainScaleInReason, "ScaleIn",
			"GracefulScaleIn is off: scaling in from %d to %d workers at once, without draining", ws.replicas(), rt.Spec.Replicas)
	}
	r.closeOpenScaleIn(rt, datav1alpha1.WorkersScaledInCondition)
	return nil
}

// closeOpenScaleIn ends a graceful scale-in left open when the gate was
// turned off: the plain replica drop finishes it, and the status says so
// instead of waiting for ever.
func (r *Reconciler) closeOpenScaleIn(rt *datav1alpha1.AlluxioRuntime, conditionType string) {
	st := rt.Status.ScaleIn
	if st == nil || st.CompletionTime != nil {
		return
	}
	st.CompletionTime = statusTime(r.Clock.Now())
	st.TargetReplicas = rt.Spec.Replicas
	meta.SetStatusCondition(&rt.Status.Conditions, metav1.Condition{
		Type: conditionType, Status: metav1.ConditionTrue, Reason: datav1alpha1.PlainScaleInReason,
		Message:            fmt.Sprintf("GracefulScaleIn was turned off during the scale-in from %d workers: finished by a plain replica drop to %d, without draining", st.FromReplicas, rt.Spec.Replicas),
		ObservedGeneration: rt.Generation,
	})
}

// releaseAllPods removes our finalizer and records from every pod of a
// runtime that is gone or going.
func (r *Reconciler) releaseAllPods(ctx context.Context, runtime types.NamespacedName) error {
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(runtime.Namespace), client.MatchingLabels{datav1alpha1.RuntimeNameLabel: runtime.Name}); err != nil {
		return fmt.Errorf("list pods of %s: %w", runtime, err)
	}
	// Joined, not aggregated: a retry (WaitingError) inside stays visible
	// to waitOrFail.
	return errors.Join(r.releasePods(ctx, pods.Items, "runtime gone"), r.releaseFluidPods(ctx, runtime, "runtime gone"))
}

// releaseFluidPods removes our finalizer from the pods Fluid's chart made
// for the runtime: called when the runtime or Fluid's worker set is gone,
// since the garbage collector then deletes them and nothing recreates them.
func (r *Reconciler) releaseFluidPods(ctx context.Context, runtime types.NamespacedName, why string) error {
	if r.FluidReader == nil {
		return nil
	}
	pods := &corev1.PodList{}
	if err := r.FluidReader.List(ctx, pods, client.InNamespace(runtime.Namespace), client.MatchingLabels{datav1alpha1.FluidReleaseLabel: runtime.Name}); err != nil {
		return fmt.Errorf("list Fluid's pods of %s: %w", runtime, err)
	}
	return r.releasePods(ctx, pods.Items, why)
}

func (r *Reconciler) releasePods(ctx context.Context, pods []corev1.Pod, why string) error {
	// The guard holds none of them from now on.
	if err := guard.Sync(ctx, r.Client, pods, false); err != nil {
		return err
	}
	var errs []error
	retry := false
	for i := range pods {
		pod := &pods[i]
		if !containsString(pod.Finalizers, datav1alpha1.ScaleInFinalizer) {
			continue
		}
		// Not found: it left already, and the cache has not seen it go.
		// A conflict (the pod changed since it was read, as it does while
		// it is deleted) is retried, not an error for a human.
		err := patchPod(ctx, r.Client, pod, removeScaleInFinalizer)
		if apierrors.IsConflict(err) {
			retry = true
			continue
		}
		if client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
			continue
		}
		ctrl.LoggerFrom(ctx).Info(why+": scale-in finalizer removed", "pod", klog.KObj(pod))
	}
	if len(errs) == 0 && retry {
		return &WaitingError{Reason: "Conflict", Message: why + ": a pod changed while its finalizer was removed, retrying", RequeueAfter: conflictRetry}
	}
	return kerrors.NewAggregate(errs)
}

func removeScaleInFinalizer(p *corev1.Pod) {
	var kept []string
	for _, f := range p.Finalizers {
		if f != datav1alpha1.ScaleInFinalizer {
			kept = append(kept, f)
		}
	}
	p.Finalizers = kept
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// warnUnsupportedFields says, once per generation, which Fluid fields are
// set that this controller does not act on.
func (r *Reconciler) warnUnsupportedFields(rt *datav1alpha1.AlluxioRuntime) {
	if rt.Generation == rt.Status.ObservedGeneration {
		return
	}
	set := rt.Spec.FluidOnlyFields.SetFields()
	if rt.Spec.Master.VolumeMounts != nil {
		set = append(set, "master.volumeMounts")
	}
	if rt.Spec.Worker.VolumeMounts != nil {
		set = append(set, "worker.volumeMounts")
	}
	if len(set) == 0 {
		return
	}
	r.Recorder.Eventf(rt, nil, corev1.EventTypeWarning, datav1alpha1.UnsupportedFieldReason, "Reconcile",
		"spec fields accepted for Fluid compatibility but not acted on by this controller: %s", strings.Join(set, ", "))
}

// SetupWithManager watches runtimes, the workloads they own, and their
// pods (through the label-selected pod cache set up in main), and the
// pods and sets Fluid's chart made (through fluidCache).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, fluidCache cache.Cache) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&datav1alpha1.AlluxioRuntime{}).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(runtimeNamedBy[client.Object](datav1alpha1.RuntimeNameLabel)),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
				return o.GetLabels()[datav1alpha1.RuntimeNameLabel] != ""
			}))).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1),
			// No reconcile may wedge a runtime: every Alluxio call has its
			// own shorter timeout, this bounds the whole.
			ReconciliationTimeout: reconcileTimeout,
		})
	if fluidCache != nil {
		b = b.WatchesRawSource(source.Kind(fluidCache, &corev1.Pod{}, handler.TypedEnqueueRequestsFromMapFunc(runtimeNamedBy[*corev1.Pod](datav1alpha1.FluidReleaseLabel)))).
			WatchesRawSource(source.Kind(fluidCache, &appsv1.StatefulSet{}, handler.TypedEnqueueRequestsFromMapFunc(runtimeNamedBy[*appsv1.StatefulSet](datav1alpha1.FluidReleaseLabel))))
	}
	if r.KruiseInstalled {
		b = b.Owns(&kruisev1beta1.StatefulSet{})
	}
	return b.Complete(r)
}

// runtimeNamedBy maps an object to the runtime named by its label: our
// pods carry data.fluid.io/runtime, Fluid's pods and sets the Helm
// release label.
func runtimeNamedBy[T client.Object](label string) handler.TypedMapFunc[T, reconcile.Request] {
	return func(_ context.Context, o T) []reconcile.Request {
		name := o.GetLabels()[label]
		if name == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
	}
}
