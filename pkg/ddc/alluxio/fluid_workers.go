package alluxio

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// owner is who made a runtime's worker set.
type owner int

const (
	// ownedByNobody: no worker set yet, or one neither made.
	ownedByNobody owner = iota
	// ownedByUs: the standalone mode's own sets.
	ownedByUs
	// ownedByFluid: Fluid's chart made it; fluid-drain only drains.
	ownedByFluid
)

// fluidWorkerSet returns the runtime's worker set if Fluid's chart made
// it: named <runtime>-worker, owned by the runtime, labelled
// release=<runtime> and role=alluxio-worker.
func (r *Reconciler) fluidWorkerSet(ctx context.Context, rt *datav1alpha1.AlluxioRuntime) (*appsv1.StatefulSet, error) {
	if r.FluidReader == nil {
		return nil, nil
	}
	sts := &appsv1.StatefulSet{}
	err := r.FluidReader.Get(ctx, client.ObjectKey{Namespace: rt.Namespace, Name: workerName(rt)}, sts)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get Fluid's worker set %s: %w", workerName(rt), err)
	}
	if !madeByFluidFor(sts, rt) {
		return nil, nil
	}
	return sts, nil
}

// madeByFluidFor is the rule that tells Fluid's worker set from any other.
func madeByFluidFor(obj metav1.Object, rt *datav1alpha1.AlluxioRuntime) bool {
	l := obj.GetLabels()
	if l[datav1alpha1.FluidRoleLabel] != datav1alpha1.FluidWorkerRole || l[datav1alpha1.FluidReleaseLabel] != rt.Name {
		return false
	}
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Kind == "AlluxioRuntime" && ref.Name == rt.Name && (ref.UID == "" || ref.UID == rt.UID) {
			return true
		}
	}
	return false
}

// fluidWorkers is Fluid's worker set seen by the scale-in: its replicas
// are Fluid's to set (Fluid lowers them at once on a scale-in; the
// admission policy holds each leaving pod until it is marked Scaled), so
// set never writes anything.
type fluidWorkers struct{ setFields }

func newFluidWorkers(sts *appsv1.StatefulSet) fluidWorkers {
	s, st := &sts.Spec, &sts.Status
	return fluidWorkers{setFields{sts,
		sharedSpec{&s.Replicas, &s.Selector, &s.ServiceName, &s.PodManagementPolicy, &s.UpdateStrategy.Type},
		&st.Replicas, &st.ReadyReplicas, &st.AvailableReplicas}}
}

func (f fluidWorkers) canRemoveAnyPod() bool { return false }
func (f fluidWorkers) reserved() []int32     { return nil }
func (f fluidWorkers) runs(o int32) bool     { return o >= 0 && o < f.replicas() }
func (f fluidWorkers) set(corev1.PodTemplateSpec, *metav1.LabelSelector, string, int32, []int32) {
	// Never: Fluid owns this workload.
}

// fluidPods lists the runtime's pods that Fluid's chart made, workers and
// master.
func (r *Reconciler) fluidPods(ctx context.Context, rt *datav1alpha1.AlluxioRuntime) (workers []corev1.Pod, master *corev1.Pod, err error) {
	pods := &corev1.PodList{}
	if err := r.FluidReader.List(ctx, pods, client.InNamespace(rt.Namespace), client.MatchingLabels{datav1alpha1.FluidReleaseLabel: rt.Name}); err != nil {
		return nil, nil, fmt.Errorf("list Fluid's pods of %s: %w", rt.Name, err)
	}
	for i := range pods.Items {
		switch pods.Items[i].Labels[datav1alpha1.FluidRoleLabel] {
		case datav1alpha1.FluidWorkerRole:
			workers = append(workers, pods.Items[i])
		case datav1alpha1.FluidMasterRole:
			if pods.Items[i].Name == masterPodName(rt) {
				master = &pods.Items[i]
			}
		}
	}
	return workers, master, nil
}
