package alluxio

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

// reconcileFluidManaged drains the workers leaving a runtime whose sets
// Fluid's chart made. Fluid lowers the worker set's replicas itself; the
// admission policy shipped with fluid-drain keeps the StatefulSet
// controller from deleting each leaving pod until the pod is marked
// Scaled here. Nothing of Fluid's is written but the pods' scale-in
// records, the runtime's GracefulScaleIn condition, and the scale-in
// summary annotation on its master pod.
func (r *Reconciler) reconcileFluidManaged(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, sts *appsv1.StatefulSet) (ctrl.Result, error) {
	workers, master, err := r.fluidPods(ctx, rt)
	if err != nil {
		return ctrl.Result{}, err
	}
	scratch := rt.DeepCopy()
	if !r.Gates.Enabled(features.GracefulScaleIn) || guard.OptedOut(rt) {
		// Not ours to drain: the guard lets every pod go first, then the
		// records go.
		if err := guard.Sync(ctx, r.Client, workers, false); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.releaseRecords(ctx, sts.Name, newFluidWorkers(sts).runs, workers); err != nil {
			return ctrl.Result{}, err
		}
		r.closeOpenScaleIn(scratch, datav1alpha1.GracefulScaleInCondition)
		return ctrl.Result{}, r.writeFluidStatus(ctx, rt, scratch, master)
	}
	if err := r.guardPods(ctx, sts, workers); err != nil {
		return ctrl.Result{}, err
	}
	policy, problems := r.FluidPolicy.policyFor(rt)
	r.warnPolicyProblems(rt, problems)
	scratch.Spec.ScaleIn = policy
	scratch.Status.ScaleIn = readScaleInSummary(master)
	w, err := workerComponent(scratch)
	if err != nil {
		return ctrl.Result{}, err
	}
	fw := newFluidWorkers(sts)
	sc := scope{ws: fw, w: w, current: max(fw.replicas(), highestOrdinal(sts.Name, workers)+1), target: fw.replicas(),
		conditionType: datav1alpha1.GracefulScaleInCondition}
	_, _, scaleErr := r.runScaleIn(ctx, scratch, sc, workers, master)
	if err := r.writeFluidStatus(ctx, rt, scratch, master); err != nil {
		return ctrl.Result{}, err
	}
	return r.waitOrFail(ctx, scaleErr)
}

// guardPods puts the runtime's worker pods under the admission guard:
// this controller will drain them. The namespace's heartbeat is made
// fresh first, so the guard holds from the first labelled pod on. A pod
// that a rolling update of the worker set is about to replace is left
// out: fluid-drain does not drain rolling restarts, so holding it would
// stop the rollout for good.
func (r *Reconciler) guardPods(ctx context.Context, sts *appsv1.StatefulSet, workers []corev1.Pod) error {
	if r.Heartbeat != nil {
		if err := r.Heartbeat.Ensure(ctx, sts.Namespace); err != nil {
			return err
		}
	}
	return guard.SyncEach(ctx, r.Client, workers, func(p *corev1.Pod) bool {
		if replacedByRollout(sts, p) {
			if guard.Guarded(p) {
				ctrl.LoggerFrom(ctx).Info("rolling update of the worker set: the worker restarts without a drain, the guard lets it go",
					"pod", klog.KObj(p), "updateRevision", sts.Status.UpdateRevision)
			}
			return false
		}
		return true
	})
}

// replacedByRollout reports whether the StatefulSet controller will
// delete the pod to make it again at the set's update revision (a
// `kubectl rollout restart`, an image or template change), rather than
// remove it: it runs an older revision, at an ordinal the set keeps and
// its rolling update covers, and no scale-in has chosen it.
func replacedByRollout(sts *appsv1.StatefulSet, p *corev1.Pod) bool {
	strategy := sts.Spec.UpdateStrategy
	if strategy.Type == appsv1.OnDeleteStatefulSetStrategyType || sts.Status.UpdateRevision == "" ||
		p.Labels[appsv1.ControllerRevisionHashLabelKey] == sts.Status.UpdateRevision || p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "" {
		return false
	}
	ordinal, ok := podOrdinal(sts.Name, p.Name)
	if !ok {
		return false
	}
	partition := int32(0)
	if strategy.RollingUpdate != nil && strategy.RollingUpdate.Partition != nil {
		partition = *strategy.RollingUpdate.Partition
	}
	return ordinal >= partition && ordinal < newFluidWorkers(sts).replicas()
}

// highestOrdinal is the highest ordinal among the set's pods, -1 when
// there are none.
func highestOrdinal(setName string, pods []corev1.Pod) int32 {
	highest := int32(-1)
	for _, p := range pods {
		if o, ok := podOrdinal(setName, p.Name); ok && o > highest {
			highest = o
		}
	}
	return highest
}

// releaseRecords removes our scale-in records and finalizer from pods:
// with the gate off nothing is drained, and nothing may stay stuck. A
// victim that may have been decommissioned and that the worker set still
// runs is restarted: Alluxio takes a decommissioned worker back only when
// its process restarts, and without it the worker would stay out of
// service.
func (r *Reconciler) releaseRecords(ctx context.Context, setName string, runs func(int32) bool, pods []corev1.Pod) error {
	for i := range pods {
		ordinal, _ := podOrdinal(setName, pods[i].Name)
		v := readVictim(&pods[i], ordinal)
		if v.state == "" && !v.hasFinalizer() {
			continue
		}
		decommissioned := !v.decommissionedAt.IsZero() || v.state.Holding()
		v.state = ""
		if err := v.persist(ctx, r.Client, false); err != nil {
			if apierrors.IsNotFound(err) {
				continue // it left already, and the cache has not seen it go
			}
			return err
		}
		ctrl.LoggerFrom(ctx).Info("GracefulScaleIn is off: scale-in record removed", "pod", klog.KObj(&pods[i]))
		if decommissioned && runs(ordinal) && !v.deleting() {
			if err := r.Delete(ctx, &pods[i]); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("restart pod %s: %w", pods[i].Name, err)
			}
			r.Recorder.Eventf(&pods[i], nil, corev1.EventTypeNormal, datav1alpha1.RestartedReason, "ScaleIn",
				"GracefulScaleIn is off: restarted so that Alluxio takes the decommissioned worker back into service")
		}
	}
	return nil
}

// readScaleInSummary reads the summary kept on a Fluid-managed runtime's
// master pod; one that cannot be read starts afresh.
func readScaleInSummary(master *corev1.Pod) *datav1alpha1.ScaleInStatus {
	if master == nil {
		return nil
	}
	raw, ok := master.Annotations[datav1alpha1.ScaleInSummaryAnnotation]
	if !ok {
		return nil
	}
	st := &datav1alpha1.ScaleInStatus{}
	if err := json.Unmarshal([]byte(raw), st); err != nil {
		return nil
	}
	return st
}

func scaleInSummaryJSON(st *datav1alpha1.ScaleInStatus) (string, error) {
	if st == nil {
		return "", nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("encode scale-in summary: %w", err)
	}
	return string(b), nil
}
