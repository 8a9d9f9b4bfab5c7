package alluxio

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// victim is a worker pod's scale-in record, read from (and written back
// to) its annotations: the pod is the source of truth, so a restarted
// controller picks up exactly where the last one stopped.
type victim struct {
	pod     *corev1.Pod
	ordinal int32
	// state is "" for a pod that is not (or no longer) leaving.
	state            drainfsm.State
	since            time.Time
	decommissionedAt time.Time
	idleSince        time.Time
	// forcedOut: it became Scaled by Force.
	forcedOut bool
	// nothingToDrainAt: when an earlier look judged it to have nothing
	// to drain (see secondLook).
	nothingToDrainAt time.Time
	// moves records what was done with its data.
	moves moveRecord

	// Computed once per reconcile, never stored: the role after the
	// selection (leaving; wanted: the target keeps it), fresh (chosen in
	// this reconcile: its Pending record is not written yet), cleared
	// (its record was removed in this reconcile; state still says how, for
	// the status), and what Alluxio says of its worker and its data.
	leaving, wanted, fresh, cleared bool
	// restarted: its pod was deleted for a restart in this reconcile.
	restarted bool
	obs       observation
	mobs      moveObservation
	// idleAtConfirmation: seen idle right after the master confirmed its
	// decommission in this reconcile (zero otherwise).
	idleAtConfirmation time.Time
}

// scaleInAnnotations are every annotation the scale-in writes on a pod.
var scaleInAnnotations = []string{
	datav1alpha1.ScaleInStateAnnotation,
	datav1alpha1.ScaleInSinceAnnotation,
	datav1alpha1.ScaleInDecommissionedAtAnnotation,
	datav1alpha1.ScaleInIdleSinceAnnotation,
	datav1alpha1.ScaleInForcedOutAnnotation,
	datav1alpha1.ScaleInNothingToDrainAtAnnotation,
	datav1alpha1.ScaleInPersistAskedAtAnnotation,
	datav1alpha1.ScaleInRecacheAnnotation,
}

// readVictim reads a pod's scale-in record. A state that cannot be read
// (edited by hand) restarts the pod's scale-in from Pending, which is
// always safe: a second decommission is harmless.
func readVictim(pod *corev1.Pod, ordinal int32) victim {
	v := victim{pod: pod, ordinal: ordinal}
	a := pod.Annotations
	if s, ok := a[datav1alpha1.ScaleInStateAnnotation]; ok {
		st, err := drainfsm.ParseState(s)
		if err != nil {
			st = drainfsm.Pending
		}
		v.state = st
	}
	v.since = parseTime(a[datav1alpha1.ScaleInSinceAnnotation])
	v.decommissionedAt = parseTime(a[datav1alpha1.ScaleInDecommissionedAtAnnotation])
	v.idleSince = parseTime(a[datav1alpha1.ScaleInIdleSinceAnnotation])
	v.forcedOut = a[datav1alpha1.ScaleInForcedOutAnnotation] == "true"
	v.nothingToDrainAt = parseTime(a[datav1alpha1.ScaleInNothingToDrainAtAnnotation])
	v.moves = readMoveRecord(a)
	return v
}

// recordChanged reports whether the record differs from what the pod
// carries.
func (v *victim) recordChanged() bool {
	stored := readVictim(v.pod, v.ordinal)
	return stored.state != v.state || !stored.since.Equal(v.since) ||
		!stored.decommissionedAt.Equal(v.decommissionedAt) || !stored.idleSince.Equal(v.idleSince) || stored.forcedOut != v.forcedOut ||
		!stored.nothingToDrainAt.Equal(v.nothingToDrainAt) || !stored.moves.equal(v.moves)
}

func (v *victim) name() string { return v.pod.Name }

func (v *victim) deleting() bool { return !v.pod.DeletionTimestamp.IsZero() }

func (v *victim) forced() bool {
	return v.pod.Annotations[datav1alpha1.ScaleInForceAnnotation] == "true"
}

// hasFinalizer reports whether the pod holds our finalizer.
func (v *victim) hasFinalizer() bool {
	return controllerutil.ContainsFinalizer(v.pod, datav1alpha1.ScaleInFinalizer)
}

// patchPod writes changes made by mutate to the pod as a merge patch with
// an optimistic lock, so a concurrent change (the StatefulSet controller,
// a user) is never overwritten: the conflict is retried by the next
// reconcile.
func patchPod(ctx context.Context, c client.Client, pod *corev1.Pod, mutate func(*corev1.Pod)) error {
	base := pod.DeepCopy()
	mutate(pod)
	if err := c.Patch(ctx, pod, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("patch pod %s: %w", pod.Name, err)
	}
	return nil
}

// persist writes the victim's record to its pod. With the state set, the
// finalizer is on; with it cleared, the finalizer and annotations are gone.
func (v *victim) persist(ctx context.Context, c client.Client, keepFinalizer bool) error {
	return patchPod(ctx, c, v.pod, func(p *corev1.Pod) {
		if v.state == "" {
			for _, k := range scaleInAnnotations {
				delete(p.Annotations, k)
			}
		} else {
			if p.Annotations == nil {
				p.Annotations = map[string]string{}
			}
			p.Annotations[datav1alpha1.ScaleInStateAnnotation] = string(v.state)
			setTime(p.Annotations, datav1alpha1.ScaleInSinceAnnotation, v.since)
			setTime(p.Annotations, datav1alpha1.ScaleInDecommissionedAtAnnotation, v.decommissionedAt)
			setTime(p.Annotations, datav1alpha1.ScaleInIdleSinceAnnotation, v.idleSince)
			setTime(p.Annotations, datav1alpha1.ScaleInNothingToDrainAtAnnotation, v.nothingToDrainAt)
			if v.forcedOut {
				p.Annotations[datav1alpha1.ScaleInForcedOutAnnotation] = "true"
			} else {
				delete(p.Annotations, datav1alpha1.ScaleInForcedOutAnnotation)
			}
			v.moves.write(p.Annotations)
		}
		if keepFinalizer {
			controllerutil.AddFinalizer(p, datav1alpha1.ScaleInFinalizer)
		} else {
			controllerutil.RemoveFinalizer(p, datav1alpha1.ScaleInFinalizer)
		}
	})
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func setTime(a map[string]string, key string, t time.Time) {
	if t.IsZero() {
		delete(a, key)
		return
	}
	a[key] = t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}
