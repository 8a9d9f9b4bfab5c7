package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// goneWatch reports when the last of the victims (namespace/name) is
// gone from the API. A watch the API server ends is started again from
// a fresh list, so a dropped watch never stalls a run.
type goneWatch struct {
	at   chan time.Time
	left chan []string // the victims still there, on request
	ask  chan struct{}
}

var workerPods = client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent}

func watchGone(ctx context.Context, victims map[string]string) (*goneWatch, error) {
	g := &goneWatch{at: make(chan time.Time, 1), left: make(chan []string), ask: make(chan struct{})}
	left := map[string]bool{}
	for k := range victims {
		left[k] = true
	}
	w, err := g.relist(ctx, left)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			if len(left) == 0 {
				g.at <- time.Now()
				return
			}
			select {
			case <-ctx.Done():
				w.Stop()
				return
			case <-g.ask:
				g.left <- keys(left)
			case ev, ok := <-w.ResultChan():
				if !ok {
					for w, err = g.relist(ctx, left); err != nil && ctx.Err() == nil; w, err = g.relist(ctx, left) {
						time.Sleep(100 * time.Millisecond)
					}
					if err != nil {
						return
					}
					continue
				}
				if pod, isPod := ev.Object.(*corev1.Pod); isPod && ev.Type == watch.Deleted {
					delete(left, pod.Namespace+"/"+pod.Name)
				}
			}
		}
	}()
	return g, nil
}

// relist drops the victims no longer listed and watches from the list.
func (g *goneWatch) relist(ctx context.Context, left map[string]bool) (watch.Interface, error) {
	pods := &corev1.PodList{}
	if err := k8s.List(ctx, pods, workerPods); err != nil {
		return nil, err
	}
	there := map[string]bool{}
	for _, p := range pods.Items {
		there[p.Namespace+"/"+p.Name] = true
	}
	for k := range left {
		if !there[k] {
			delete(left, k)
		}
	}
	return k8s.Watch(ctx, &corev1.PodList{}, workerPods, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: pods.ResourceVersion}})
}

// stuck describes the victims still there, for a run that timed out.
func (g *goneWatch) stuck(ctx context.Context) string {
	var names []string
	select {
	case g.ask <- struct{}{}:
		names = <-g.left
	case <-time.After(5 * time.Second):
		return "(the watch does not answer)"
	}
	var out []string
	for _, k := range names {
		ns, name, _ := strings.Cut(k, "/")
		p := &corev1.Pod{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		out = append(out, fmt.Sprintf("%s (deleting %v, finalizers %v, state %q)", k, p.DeletionTimestamp != nil, p.Finalizers, p.Annotations[datav1alpha1.ScaleInStateAnnotation]))
	}
	return strings.Join(out, "; ")
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
