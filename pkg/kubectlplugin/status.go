package kubectlplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// runtimes is the AlluxioRuntime resource, read untyped: next to Fluid it
// is Fluid's CRD, whose schema is not ours.
var runtimes = schema.GroupVersionResource{Group: datav1alpha1.GroupVersion.Group, Version: datav1alpha1.GroupVersion.Version, Resource: "alluxioruntimes"}

// Source says where a runtime's scale-in summary was read.
type Source string

const (
	// FromStatus: status.scaleIn of a runtime fluid-drain runs (standalone).
	FromStatus Source = "status.scaleIn"
	// FromMasterPod: the JSON annotation on the master pod of a runtime
	// Fluid runs (Fluid's CRD has no status.scaleIn).
	FromMasterPod Source = "annotation " + datav1alpha1.ScaleInSummaryAnnotation
)

// Victim is one leaving worker as a user reads it.
type Victim struct {
	Pod     string
	State   string
	Since   *time.Time
	Message string
	// Forced: the force annotation is set on its pod.
	Forced bool
}

// RuntimeStatus is one runtime's scale-in, gathered from wherever it is
// kept.
type RuntimeStatus struct {
	Namespace, Name string
	// Source is where Summary came from; empty when no scale-in is recorded.
	Source  Source
	Summary *datav1alpha1.ScaleInStatus
	// MasterPod is the pod holding the summary (FromMasterPod).
	MasterPod string
	// Condition is the runtime's GracefulScaleIn condition, if any.
	Condition *metav1.Condition
	Victims   []Victim
}

// Collect reads the scale-in of runtime name in namespace, or of every
// runtime there when name is empty (every namespace when namespace is
// empty too).
func Collect(ctx context.Context, dyn dynamic.Interface, kube kubernetes.Interface, namespace, name string) ([]RuntimeStatus, error) {
	var items []unstructured.Unstructured
	if name != "" {
		u, err := dyn.Resource(runtimes).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("no AlluxioRuntime %q in namespace %q (list them with `kubectl get alluxioruntimes -n %s`)", name, namespace, namespace)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, *u)
	} else {
		list, err := dyn.Resource(runtimes).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		items = list.Items
	}
	var out []RuntimeStatus
	for i := range items {
		st, err := collectOne(ctx, kube, &items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func collectOne(ctx context.Context, kube kubernetes.Interface, rt *unstructured.Unstructured) (RuntimeStatus, error) {
	st := RuntimeStatus{Namespace: rt.GetNamespace(), Name: rt.GetName()}
	if raw, found, _ := unstructured.NestedMap(rt.Object, "status", "scaleIn"); found {
		summary := &datav1alpha1.ScaleInStatus{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, summary); err != nil {
			return st, fmt.Errorf("%s/%s: status.scaleIn: %w", st.Namespace, st.Name, err)
		}
		st.Source, st.Summary = FromStatus, summary
	}
	st.Condition = gracefulScaleInCondition(rt)

	pods, err := kube.CoreV1().Pods(st.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	master := st.Name + "-master-0"
	workerPrefix := st.Name + "-worker-"
	byPod := map[string]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		switch {
		case p.Name == master && st.Summary == nil:
			if raw := p.Annotations[datav1alpha1.ScaleInSummaryAnnotation]; raw != "" {
				summary := &datav1alpha1.ScaleInStatus{}
				if err := json.Unmarshal([]byte(raw), summary); err != nil {
					return st, fmt.Errorf("pod %s/%s: annotation %s is not a scale-in summary: %w", st.Namespace, p.Name, datav1alpha1.ScaleInSummaryAnnotation, err)
				}
				st.Source, st.Summary, st.MasterPod = FromMasterPod, summary, p.Name
			}
		case strings.HasPrefix(p.Name, workerPrefix):
			byPod[p.Name] = p
		}
	}
	st.Victims = victims(st.Summary, byPod)
	return st, nil
}

// victims merges the summary's victims with the pods' own annotations,
// which the controller writes first (the pod's record is the source of
// truth; the summary follows it): a pod's state and time win.
func victims(summary *datav1alpha1.ScaleInStatus, pods map[string]*corev1.Pod) []Victim {
	seen := map[string]bool{}
	var out []Victim
	if summary != nil {
		for _, v := range summary.Victims {
			vic := Victim{Pod: v.Pod, State: v.State, Message: v.Message}
			if v.Since != nil {
				t := v.Since.Time
				vic.Since = &t
			}
			if p, ok := pods[v.Pod]; ok {
				fromPod(&vic, p)
			}
			seen[v.Pod] = true
			out = append(out, vic)
		}
	}
	var rest []string
	for name, p := range pods {
		if !seen[name] && p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "" {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		vic := Victim{Pod: name}
		fromPod(&vic, pods[name])
		out = append(out, vic)
	}
	return out
}

func fromPod(v *Victim, p *corev1.Pod) {
	if s := p.Annotations[datav1alpha1.ScaleInStateAnnotation]; s != "" {
		v.State = s
	}
	if raw := p.Annotations[datav1alpha1.ScaleInSinceAnnotation]; raw != "" {
		if t, err := time.Parse(time.RFC3339, raw); err == nil {
			v.Since = &t
		}
	}
	v.Forced = p.Annotations[datav1alpha1.ScaleInForceAnnotation] == "true"
}

// gracefulScaleInCondition reads the GracefulScaleIn condition in either
// shape (ours, or Fluid's RuntimeCondition: the same fields that matter).
func gracefulScaleInCondition(rt *unstructured.Unstructured) *metav1.Condition {
	conds, _, _ := unstructured.NestedSlice(rt.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != datav1alpha1.GracefulScaleInCondition {
			continue
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		cond := &metav1.Condition{Type: str("type"), Status: metav1.ConditionStatus(str("status")), Reason: str("reason"), Message: str("message")}
		if t, err := time.Parse(time.RFC3339, str("lastTransitionTime")); err == nil {
			cond.LastTransitionTime = metav1.NewTime(t)
		}
		return cond
	}
	return nil
}
