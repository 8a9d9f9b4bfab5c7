package alluxio

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// confirmPods re-reads the worker pods from the API server before the
// worker set drops replicas, and reports whether they are the pods the
// scale-in decided on. It ran on the cache, which lags behind the writes:
// a pod created a moment ago may be missing from it (its ordinal then
// looks empty, or another pod is chosen to leave), and a victim's record
// may still say Scaled after a later reconcile sent it back to Pending (a
// restarted master listed it again). The drop cannot be taken back, so it
// waits until the cache has caught up: every worker pod the API server
// has is in the scale-in's view, with the same scale-in state.
func (s *scaleIn) confirmPods(ctx context.Context) (bool, error) {
	pods := &corev1.PodList{}
	if err := s.r.reader().List(ctx, pods, client.InNamespace(s.rt.Namespace), client.MatchingLabels{datav1alpha1.RuntimeNameLabel: s.rt.Name}); err != nil {
		return false, fmt.Errorf("list pods of %s: %w", s.rt.Name, err)
	}
	seen := map[string]string{}
	for _, v := range s.pods {
		seen[v.pod.Name+"/"+string(v.pod.UID)] = v.pod.Annotations[datav1alpha1.ScaleInStateAnnotation]
	}
	workers, _ := splitPods(s.rt, pods.Items)
	setName := s.ws.object().GetName()
	for i := range workers {
		p := &workers[i]
		if _, ok := podOrdinal(setName, p.Name); !ok {
			continue // not the set's: the scale-in's view leaves it out too
		}
		if state, ok := seen[p.Name+"/"+string(p.UID)]; !ok || state != p.Annotations[datav1alpha1.ScaleInStateAnnotation] {
			ctrl.LoggerFrom(ctx).Info("the worker set keeps its replicas until the cache catches up with the API server on this pod",
				"pod", klog.KObj(p), "state", p.Annotations[datav1alpha1.ScaleInStateAnnotation], "inCache", ok)
			return false, nil
		}
	}
	return true, nil
}
