package framework

import (
	"context"
	"fmt"
	"slices"
	"time"

	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// RunKruiseStandIn plays OpenKruise's Advanced StatefulSet controller for
// suites that run without the real Kruise manager (the e2e suite runs the
// real one). It keeps, for every apps.kruise.io/v1beta1 StatefulSet in
// namespace, exactly the pods Kruise would: the lowest `replicas`
// ordinals that are not in reserveOrdinals; it deletes any other pod of
// the set (as Kruise does, any ordinal), and reports status counts.
// It runs until ctx ends.
func RunKruiseStandIn(ctx context.Context, c client.Client, namespace string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		sets := &kruisev1beta1.StatefulSetList{}
		if err := c.List(ctx, sets, client.InNamespace(namespace)); err != nil {
			continue
		}
		for i := range sets.Items {
			if err := syncKruiseSet(ctx, c, &sets.Items[i]); err != nil && ctx.Err() == nil {
				fmt.Println(err)
			}
		}
	}
}

// WantedOrdinals are the ordinals a Kruise StatefulSet runs.
func WantedOrdinals(set *kruisev1beta1.StatefulSet) []int {
	reserved := map[int]bool{}
	for _, o := range set.Spec.ReserveOrdinals {
		if o.Type == intstr.Int {
			reserved[int(o.IntVal)] = true
			continue
		}
		var from, to int
		if n, _ := fmt.Sscanf(o.StrVal, "%d-%d", &from, &to); n == 2 {
			for i := from; i <= to; i++ {
				reserved[i] = true
			}
		} else if n, _ := fmt.Sscanf(o.StrVal, "%d", &from); n == 1 {
			reserved[from] = true
		}
	}
	var out []int
	for o := 0; len(out) < int(ptr.Deref(set.Spec.Replicas, 1)); o++ {
		if !reserved[o] {
			out = append(out, o)
		}
	}
	return out
}

func syncKruiseSet(ctx context.Context, c client.Client, set *kruisev1beta1.StatefulSet) error {
	wanted := WantedOrdinals(set)
	pods := &corev1.PodList{}
	if err := c.List(ctx, pods, client.InNamespace(set.Namespace), client.MatchingLabels(set.Spec.Selector.MatchLabels)); err != nil {
		return err
	}
	have := map[int]*corev1.Pod{}
	var ready int32
	for i := range pods.Items {
		p := &pods.Items[i]
		var o int
		if _, err := fmt.Sscanf(p.Name, set.Name+"-%d", &o); err != nil || fmt.Sprintf("%s-%d", set.Name, o) != p.Name {
			continue
		}
		have[o] = p
		if !slices.Contains(wanted, o) && p.DeletionTimestamp.IsZero() {
			if err := c.Delete(ctx, p); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue && p.DeletionTimestamp.IsZero() {
				ready++
			}
		}
	}
	for _, o := range wanted {
		if _, ok := have[o]; ok {
			continue
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", set.Name, o), Namespace: set.Namespace,
				Labels: set.Spec.Template.Labels, Annotations: set.Spec.Template.Annotations,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, kruisev1beta1.SchemeGroupVersion.WithKind("StatefulSet"))},
			},
			Spec: *set.Spec.Template.Spec.DeepCopy(),
		}
		if err := c.Create(ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	set.Status.Replicas = int32(len(have))
	set.Status.ReadyReplicas = ready
	set.Status.AvailableReplicas = ready
	set.Status.ObservedGeneration = set.Generation
	set.Status.CurrentReplicas = int32(len(have))
	set.Status.UpdatedReplicas = int32(len(have))
	// An update, not a patch: the CRD requires every count, which a
	// first merge patch of a few fields would lack.
	if err := c.Status().Update(ctx, set); err != nil && !apierrors.IsConflict(err) {
		return fmt.Errorf("kruise stand-in: status of %s: %w", set.Name, err)
	}
	return nil
}
