package alluxio

import (
	"context"
	"fmt"
	"maps"
	"slices"

	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// workerSet is the workload running the workers: a native StatefulSet or
// an OpenKruise Advanced StatefulSet. The scale-in logic sees only this,
// so both kinds share one code path.
type workerSet interface {
	// object is the API object, for get, create and patch.
	object() client.Object
	// replicas is the spec's replica count (the workers that should run).
	replicas() int32
	// status returns the workload's observed pod counts.
	status() (current, ready, available int32)
	// canRemoveAnyPod: victims may be any pods (Kruise), not only the
	// highest ordinals (native).
	canRemoveAnyPod() bool
	// reserved are the ordinals that are not run (Kruise only).
	reserved() []int32
	// runs reports whether the set, as it stands, runs this ordinal.
	runs(ordinal int32) bool
	// set writes the desired template, selector and replicas; leaving
	// are the ordinals that must go (Kruise reserves them).
	set(tmpl corev1.PodTemplateSpec, selector *metav1.LabelSelector, serviceName string, replicas int32, leaving []int32)
}

// newWorkerSet returns an empty workerSet of the given kind, named for rt.
func newWorkerSet(rt *datav1alpha1.AlluxioRuntime, kind datav1alpha1.WorkloadKind) workerSet {
	meta := metav1.ObjectMeta{Name: workerName(rt), Namespace: rt.Namespace}
	if kind == datav1alpha1.AdvancedStatefulSetWorkload {
		sts := &kruisev1beta1.StatefulSet{ObjectMeta: meta}
		s, st := &sts.Spec, &sts.Status
		return &kruiseWorkers{sts: sts, setFields: setFields{sts,
			sharedSpec{&s.Replicas, &s.Selector, &s.ServiceName, &s.PodManagementPolicy, &s.UpdateStrategy.Type},
			&st.Replicas, &st.ReadyReplicas, &st.AvailableReplicas}}
	}
	sts := &appsv1.StatefulSet{ObjectMeta: meta}
	s, st := &sts.Spec, &sts.Status
	return &nativeWorkers{sts: sts, setFields: setFields{sts,
		sharedSpec{&s.Replicas, &s.Selector, &s.ServiceName, &s.PodManagementPolicy, &s.UpdateStrategy.Type},
		&st.Replicas, &st.ReadyReplicas, &st.AvailableReplicas}}
}

// setFields points into a worker set's object at what native and Kruise
// StatefulSets share (two Go types with the same field names), so each
// is read and written once.
type setFields struct {
	obj                   client.Object
	spec                  sharedSpec
	current, ready, avail *int32
}

func (f setFields) object() client.Object { return f.obj }
func (f setFields) replicas() int32       { return ptr.Deref(*f.spec.replicas, 0) }
func (f setFields) status() (int32, int32, int32) {
	return *f.current, *f.ready, *f.avail
}

// getWorkerSet fetches the runtime's worker set; found is false when it
// does not exist yet.
func (r *Reconciler) getWorkerSet(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, kind datav1alpha1.WorkloadKind) (ws workerSet, found bool, err error) {
	ws = newWorkerSet(rt, kind)
	err = r.Get(ctx, client.ObjectKeyFromObject(ws.object()), ws.object())
	if apierrors.IsNotFound(err) {
		return ws, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get worker %s %s: %w", kind, workerName(rt), err)
	}
	return ws, true, nil
}

// applyWorkerSet creates or patches the worker set with replicas workers.
func (r *Reconciler) applyWorkerSet(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, ws workerSet, w component, replicas int32, leaving []int32) error {
	obj := ws.object()
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, obj, func() error {
		obj.SetLabels(mergeLabels(obj.GetLabels(), componentLabels(rt, datav1alpha1.WorkerComponent)))
		ws.set(podTemplate(rt, w, masterHost(rt)),
			&metav1.LabelSelector{MatchLabels: componentLabels(rt, datav1alpha1.WorkerComponent)},
			workerName(rt), replicas, leaving)
		return controllerutil.SetControllerReference(rt, obj, r.Scheme)
	})
	if err != nil {
		return fmt.Errorf("worker set %s: %w", obj.GetName(), err)
	}
	return nil
}

// nativeWorkers is an apps/v1 StatefulSet. Lowering replicas removes the
// highest ordinals.
type nativeWorkers struct {
	setFields
	sts *appsv1.StatefulSet
}

func (n *nativeWorkers) canRemoveAnyPod() bool { return false }
func (n *nativeWorkers) reserved() []int32     { return nil }
func (n *nativeWorkers) runs(o int32) bool     { return o >= 0 && o < n.replicas() }
func (n *nativeWorkers) set(tmpl corev1.PodTemplateSpec, sel *metav1.LabelSelector, svc string, replicas int32, _ []int32) {
	setSharedSpec(n.spec, replicas, sel, svc)
	setTemplate(&n.sts.ObjectMeta, &n.sts.Spec.Template, tmpl)
	n.sts.Spec.UpdateStrategy.RollingUpdate = nil
}

// sharedSpec points at the fields that native and Kruise StatefulSets
// share (two Go types with the same field names).
type sharedSpec struct {
	replicas    **int32
	selector    **metav1.LabelSelector
	serviceName *string
	policy      *appsv1.PodManagementPolicyType
	update      *appsv1.StatefulSetUpdateStrategyType
}

// setSharedSpec writes what both kinds of worker set get: Parallel, so
// scaling does not wait for one pod after another; OnDelete, so a
// template change never restarts a worker, which would throw its cache
// away (pods pick it up when they are recreated).
func setSharedSpec(f sharedSpec, replicas int32, sel *metav1.LabelSelector, svc string) {
	*f.replicas = ptr.To(replicas)
	*f.selector = sel
	*f.serviceName = svc
	*f.policy = appsv1.ParallelPodManagement
	*f.update = appsv1.OnDeleteStatefulSetStrategyType
}

// kruiseWorkers is an OpenKruise apps.kruise.io/v1beta1 StatefulSet.
// Lowering replicas while reserving ordinals removes exactly those pods.
type kruiseWorkers struct {
	setFields
	sts *kruisev1beta1.StatefulSet
}

func (k *kruiseWorkers) canRemoveAnyPod() bool { return true }

func (k *kruiseWorkers) reserved() []int32 {
	var out []int32
	for _, o := range k.sts.Spec.ReserveOrdinals {
		out = append(out, expandOrdinals(o)...)
	}
	return out
}

func (k *kruiseWorkers) runs(o int32) bool {
	reserved := k.reserved()
	for i, n := int32(0), int32(0); n < k.replicas(); i++ {
		if slices.Contains(reserved, i) {
			continue
		}
		if i == o {
			return true
		}
		n++
	}
	return false
}

func (k *kruiseWorkers) set(tmpl corev1.PodTemplateSpec, sel *metav1.LabelSelector, svc string, replicas int32, leaving []int32) {
	old := k.reserved()
	if grow := int(replicas - k.replicas()); grow > 0 && len(leaving) == 0 {
		// A scale-out takes the reserved ordinals back first, lowest first.
		slices.Sort(old)
		old = old[min(grow, len(old)):]
	}
	setSharedSpec(k.spec, replicas, sel, svc)
	setTemplate(&k.sts.ObjectMeta, &k.sts.Spec.Template, tmpl)
	k.sts.Spec.UpdateStrategy.RollingUpdate = nil
	k.sts.Spec.ReserveOrdinals = reserveOrdinals(old, leaving, replicas)
}

// expandOrdinals reads one reserveOrdinals entry: an ordinal or a range
// such as "1-3".
func expandOrdinals(o intstr.IntOrString) []int32 {
	if o.Type == intstr.Int {
		return []int32{o.IntVal}
	}
	var from, to int32
	if n, _ := fmt.Sscanf(o.StrVal, "%d-%d", &from, &to); n == 2 && from <= to {
		out := make([]int32, 0, to-from+1)
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	}
	if n, _ := fmt.Sscanf(o.StrVal, "%d", &from); n == 1 {
		return []int32{from}
	}
	return nil
}

// reserveOrdinals is the new reserve list: the old one plus the leaving
// ordinals, without those above the highest ordinal still in use (so the
// list never grows without bound; Kruise fills the lowest free ordinals
// on scale-out).
func reserveOrdinals(old, leaving []int32, replicas int32) []intstr.IntOrString {
	set := map[int32]bool{}
	for _, o := range append(slices.Clone(old), leaving...) {
		set[o] = true
	}
	// The pods run the lowest `replicas` ordinals that are not reserved.
	var highestRunning int32 = -1
	for o, n := int32(0), int32(0); n < replicas; o++ {
		if !set[o] {
			highestRunning = o
			n++
		}
	}
	var out []intstr.IntOrString
	for _, o := range slices.Sorted(maps.Keys(set)) {
		if o < highestRunning {
			out = append(out, intstr.FromInt32(o))
		}
	}
	return out
}

// mergeLabels sets want on existing, keeping labels others added.
func mergeLabels(existing, want map[string]string) map[string]string {
	if existing == nil {
		existing = map[string]string{}
	}
	for k, v := range want {
		existing[k] = v
	}
	return existing
}
