package alluxio

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// writeFluidStatus writes what the scale-in computed into scratch back to
// a Fluid-managed runtime: the summary annotation, and the
// GracefulScaleIn condition in Fluid's condition shape. The status is
// written untyped, so Fluid's own fields and conditions (and their
// lastProbeTime, which our type lacks) are kept as they are; the write
// carries the resource version read, so a concurrent write by Fluid wins
// and this one is retried.
func (r *Reconciler) writeFluidStatus(ctx context.Context, rt, scratch *datav1alpha1.AlluxioRuntime, master *corev1.Pod) error {
	if err := writeScaleInSummary(ctx, r.Client, master, scratch.Status.ScaleIn); err != nil {
		return err
	}
	want := meta.FindStatusCondition(scratch.Status.Conditions, datav1alpha1.GracefulScaleInCondition)
	have := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.GracefulScaleInCondition)
	if want == nil || have != nil && have.Status == want.Status && have.Reason == want.Reason && have.Message == want.Message {
		return nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(datav1alpha1.GroupVersion.WithKind("AlluxioRuntime"))
	// A runtime deleted meanwhile has no condition to tell: the
	// reconcile its deletion brings releases its pods.
	if err := r.reader().Get(ctx, client.ObjectKeyFromObject(rt), u); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("read runtime %s: %w", rt.Name, err))
	}
	base := u.DeepCopy()
	conditions, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	conditions = setFluidCondition(conditions, *want, r.Clock.Now())
	if err := unstructured.SetNestedSlice(u.Object, conditions, "status", "conditions"); err != nil {
		return err
	}
	if err := r.Status().Patch(ctx, u, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("patch %s condition of %s: %w", datav1alpha1.GracefulScaleInCondition, rt.Name, err))
	}
	return nil
}

// setFluidCondition replaces (or adds) c in a list of Fluid's
// RuntimeConditions {type, status, reason, message, lastProbeTime,
// lastTransitionTime}, leaving every other entry as it is.
func setFluidCondition(conditions []any, c metav1.Condition, now time.Time) []any {
	entry := map[string]any{
		"type": c.Type, "status": string(c.Status), "reason": c.Reason, "message": c.Message,
		"lastProbeTime":      now.UTC().Format(time.RFC3339),
		"lastTransitionTime": c.LastTransitionTime.UTC().Format(time.RFC3339),
	}
	for i, existing := range conditions {
		if m, ok := existing.(map[string]any); ok && m["type"] == c.Type {
			if m["status"] == entry["status"] && m["lastTransitionTime"] != nil {
				entry["lastTransitionTime"] = m["lastTransitionTime"]
			}
			conditions[i] = entry
			return conditions
		}
	}
	return append(conditions, entry)
}

// writeScaleInSummary keeps the scale-in summary in an annotation of the
// master's pod: Fluid's CRD has no field for it, and its runtime and
// workloads are Fluid's to write.
func writeScaleInSummary(ctx context.Context, c client.Client, master *corev1.Pod, st *datav1alpha1.ScaleInStatus) error {
	raw, err := scaleInSummaryJSON(st)
	if err != nil || raw == "" || master == nil || master.Annotations[datav1alpha1.ScaleInSummaryAnnotation] == raw {
		return err
	}
	return patchPod(ctx, c, master, func(p *corev1.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[datav1alpha1.ScaleInSummaryAnnotation] = raw
	})
}
