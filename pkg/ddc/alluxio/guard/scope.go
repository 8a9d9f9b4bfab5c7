package guard

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// OptedOut reports whether the runtime asks to be left to Fluid's plain
// scale-in (annotation data.fluid.io/graceful-scale-in=false).
func OptedOut(rt *datav1alpha1.AlluxioRuntime) bool {
	return rt.Annotations[datav1alpha1.GracefulScaleInAnnotation] == "false"
}

// Guarded reports whether the pod carries the guard's label.
func Guarded(p *corev1.Pod) bool {
	return p.Labels[datav1alpha1.DrainGuardLabel] == datav1alpha1.DrainGuardValue
}

// Sync puts the guard's label on every pod when guarded, and takes it off
// every pod otherwise. A pod that is gone already is skipped.
func Sync(ctx context.Context, c client.Client, pods []corev1.Pod, guarded bool) error {
	return SyncEach(ctx, c, pods, func(*corev1.Pod) bool { return guarded })
}

// SyncEach puts the guard's label on the pods guarded says, and takes it
// off the others.
func SyncEach(ctx context.Context, c client.Client, pods []corev1.Pod, guarded func(*corev1.Pod) bool) error {
	for i := range pods {
		p := &pods[i]
		guarded := guarded(p)
		if Guarded(p) == guarded {
			continue
		}
		base := p.DeepCopy()
		if guarded {
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels[datav1alpha1.DrainGuardLabel] = datav1alpha1.DrainGuardValue
		} else {
			delete(p.Labels, datav1alpha1.DrainGuardLabel)
		}
		if err := c.Patch(ctx, p, client.MergeFrom(base)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("label pod %s for the drain guard: %w", p.Name, err)
		}
	}
	return nil
}
