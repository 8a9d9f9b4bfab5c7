package framework

import (
	"context"
	"maps"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// History records, from watches on one namespace, what a user watching
// `kubectl get -w` would see of a scale-in: every reason the
// WorkersScaledIn condition took, every state each worker pod's
// annotation took, and when each worker pod started terminating.
type History struct {
	mu        sync.Mutex
	reasons   []string
	podStates map[string][]string
	deleted   map[string]bool
	current   map[string]string
	// maxHolding is the most pods ever Decommissioning or Draining at once.
	maxHolding int
}

// Record starts watching namespace until ctx ends. onTerminating, if set,
// is called once per pod when it is first seen terminating (outside the
// History's lock), to check what the pod's worker was doing then.
func Record(ctx context.Context, c client.WithWatch, namespace string, onTerminating func(*corev1.Pod)) (*History, error) {
	h := &History{podStates: map[string][]string{}, deleted: map[string]bool{}, current: map[string]string{}}
	rtw, err := c.Watch(ctx, &datav1alpha1.AlluxioRuntimeList{}, client.InNamespace(namespace))
	if err != nil {
		return nil, err
	}
	podw, err := c.Watch(ctx, &corev1.PodList{}, client.InNamespace(namespace), client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent})
	if err != nil {
		rtw.Stop()
		return nil, err
	}
	go func() {
		for ev := range rtw.ResultChan() {
			if rt, ok := ev.Object.(*datav1alpha1.AlluxioRuntime); ok {
				h.runtimeSeen(rt)
			}
		}
	}()
	go func() {
		for ev := range podw.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type == watch.Error {
				continue
			}
			if h.podSeen(pod, ev.Type == watch.Deleted) && onTerminating != nil {
				onTerminating(pod)
			}
		}
	}()
	return h, nil
}

func (h *History) runtimeSeen(rt *datav1alpha1.AlluxioRuntime) {
	c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
	if c == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.reasons) == 0 || h.reasons[len(h.reasons)-1] != c.Reason {
		h.reasons = append(h.reasons, c.Reason)
	}
}

// podSeen records a pod event and reports whether the pod just started
// terminating.
func (h *History) podSeen(pod *corev1.Pod, gone bool) (terminating bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := pod.Annotations[datav1alpha1.ScaleInStateAnnotation]; ok {
		states := h.podStates[pod.Name]
		if len(states) == 0 || states[len(states)-1] != s {
			h.podStates[pod.Name] = append(states, s)
		}
	}
	h.current[pod.Name] = pod.Annotations[datav1alpha1.ScaleInStateAnnotation]
	if gone {
		delete(h.current, pod.Name)
	}
	holding := 0
	for _, s := range h.current {
		if s == "Decommissioning" || s == "Draining" {
			holding++
		}
	}
	h.maxHolding = max(h.maxHolding, holding)
	if !pod.DeletionTimestamp.IsZero() && !h.deleted[pod.Name] {
		h.deleted[pod.Name] = true
		return true
	}
	return false
}

// Reasons are the condition's reasons, in order, without repeats.
func (h *History) Reasons() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.reasons)
}

// PodStates are each pod's scale-in states, in order, without repeats.
func (h *History) PodStates() map[string][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := maps.Clone(h.podStates)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}

// Deleted reports whether the pod was ever seen terminating.
func (h *History) Deleted(pod string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deleted[pod]
}

// MaxHolding is the most victims ever decommissioning or draining at once.
func (h *History) MaxHolding() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.maxHolding
}

// InOrder reports whether want appears in got in that order (other
// entries may come between).
func InOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
