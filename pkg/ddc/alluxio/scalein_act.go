package alluxio

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// fire moves the victim by d.Event and runs the event's action
// (drainfsm.Table). The new state is on the pod before anything is sent
// to Alluxio, so a controller killed in between resumes from it.
func (s *scaleIn) fire(ctx context.Context, v *victim, d drainfsm.Decision) error {
	action := drainfsm.ActionOf(d.Event)
	restart := false
	if action == drainfsm.TakeBack && (v.state.Holding() || v.state == drainfsm.Scaled) {
		var err error
		if restart, err = s.enable(ctx, v); err != nil {
			s.mu.Lock()
			s.decisions[v.name()] = drainfsm.Decision{Reason: datav1alpha1.DecommissionFailedReason, Message: err.Error()}
			s.mu.Unlock()
			s.event(v, corev1.EventTypeWarning, datav1alpha1.DecommissionFailedReason, "could not take the worker back into service: %v", err)
			return nil
		}
	}
	from := v.state
	to, err := drainfsm.Fire(ctx, from, d.Event)
	if err != nil {
		return err
	}
	v.state, v.since = to, s.now
	s.applyRecordAction(v, d.Event, action)
	keep := true
	if to == drainfsm.Cancelled && !restart {
		v.state, keep, v.cleared = "", false, true
	}
	if to == drainfsm.Scaled && (v.leaving || v.deleting()) {
		// Drained and on its way out: nothing is left to hold the pod
		// for, so the finalizer goes in the same write, and the pod goes
		// as soon as its workload deletes it.
		keep = false
	}
	// A cancelled victim that must restart keeps its finalizer and the
	// Cancelled record until its pod is deleting, so a failed delete is
	// retried (see releaseFinalizers) instead of forgotten.
	if err := v.persist(ctx, s.r.Client, keep && s.finalizes); err != nil {
		return err
	}
	if v.fresh {
		s.chosenEvent(v)
	}
	v.state = to // for this reconcile's status
	countTransition(s.rt.Namespace, s.rt.Name, d.Event, to)
	ctrl.LoggerFrom(ctx).Info("scale-in victim moved", "pod", klog.KObj(v.pod), "from", from, "to", to, "reason", d.Reason, "message", d.Message)
	eventType := corev1.EventTypeNormal
	if action == drainfsm.WarnEvent || action == drainfsm.LeaveCold || d.Event == drainfsm.Force || d.Reason == drainfsm.ForcedReason {
		eventType = corev1.EventTypeWarning
	}
	s.event(v, eventType, d.Reason, "%s", d.Message)
	if restart {
		return s.restart(ctx, v)
	}
	return nil
}

// applyRecordAction updates the victim's times for the event's action.
func (s *scaleIn) applyRecordAction(v *victim, e drainfsm.Event, action drainfsm.Action) {
	switch action {
	case drainfsm.RecordDecommission:
		// Normally recorded when the master confirmed the decommission
		// (decommissionBatch); else this reconcile's look confirms it.
		if v.decommissionedAt.IsZero() {
			v.decommissionedAt = s.observedAt
		}
		// Idleness counts only from the confirmed decommission on: seen
		// idle right after it (advanceConfirmed), or from the next look.
		v.idleSince = v.idleAtConfirmation
	case drainfsm.ForgetDecommission:
		v.decommissionedAt, v.idleSince, v.forcedOut = time.Time{}, time.Time{}, false
	case drainfsm.ReleasePod:
		v.forcedOut = e == drainfsm.Force
		if e == drainfsm.Force && v.decommissionedAt.IsZero() {
			// Forced out before the master confirmed: this is when it
			// left service as far as the scale-in is concerned.
			v.decommissionedAt = s.now
		}
		if e == drainfsm.NothingToDrain {
			s.mu.Lock()
			s.unverifiedExit = true
			s.mu.Unlock()
		}
	}
}

// decommissionBatch tells the master, in one command, to stop routing
// work to every leaving victim in Decommissioning (new or retried) or
// timed out before its decommission landed, that it still lists as live.
// It then re-reads the master's view and records the decommission time
// of each victim the master confirmed, and returns those.
func (s *scaleIn) decommissionBatch(ctx context.Context) []*victim {
	if !s.observed() || s.unsupported != "" {
		return nil
	}
	var batch []*victim
	var addrs []operations.WorkerAddress
	var names []string
	for i := range s.pods {
		v := &s.pods[i]
		pending := v.state == drainfsm.Decommissioning || v.state == drainfsm.TimedOut && v.decommissionedAt.IsZero()
		if !pending || v.wanted || !v.obs.live {
			continue // a victim wanted again is never decommissioned
		}
		batch, addrs, names = append(batch, v), append(addrs, v.obs.addr), append(names, v.name())
	}
	if len(batch) == 0 {
		return nil
	}
	ctrl.LoggerFrom(ctx).Info("decommissioning Alluxio workers", "pods", names)
	err := s.conn.Decommission(ctx, addrs)
	switch {
	case errors.Is(err, operations.ErrUnsupported):
		s.unsupported = err.Error()
	case err != nil:
		s.decommissionErr = err
		decommissionFailures.WithLabelValues(s.rt.Namespace, s.rt.Name).Inc()
		s.r.Recorder.Eventf(s.rt, nil, corev1.EventTypeWarning, datav1alpha1.DecommissionFailedReason, "ScaleIn",
			"decommission of %v failed, will retry: %v", names, err)
	}
	s.refresh(ctx, s.r.Clock.Now())
	if !s.observed() {
		return nil
	}
	var confirmed []*victim
	for _, v := range batch {
		if _, live := operations.FindWorker(s.info.Live, v.obs.addr); !live {
			v.decommissionedAt = s.observedAt
			confirmed = append(confirmed, v)
		}
	}
	return confirmed
}

// advanceConfirmed decides again, on the master's view re-read after the
// decommission, for the victims it confirmed, and fires what that
// decides (Decommissioned: Draining). The confirmation and the new state
// are then one write, and the drain starts in this reconcile instead of
// the next one. The decision is drainfsm's, on facts as fresh as the
// next reconcile would have.
func (s *scaleIn) advanceConfirmed(ctx context.Context, confirmed []*victim) error {
	var fires []firing
	for _, v := range confirmed {
		if v.state != drainfsm.Decommissioning {
			continue // timed out before its decommission landed: its record says so
		}
		_, v.obs.live = operations.FindWorker(s.info.Live, v.obs.addr)
		_, v.obs.lost = operations.FindWorker(s.info.Lost, v.obs.addr)
		d := drainfsm.Decide(s.facts(v, false), s.policy)
		if d.Event != drainfsm.Decommissioned {
			continue
		}
		s.decisions[v.name()] = d
		fires = append(fires, firing{v, d})
	}
	return s.forEach(len(fires), func(i int) error {
		s.lookAfterConfirmation(ctx, fires[i].v)
		return s.fire(ctx, fires[i].v, fires[i].d)
	})
}

// lookAfterConfirmation asks a worker whose decommission the master just
// confirmed for its work in flight: seen idle, its quiet period starts at
// the confirmation, and the Draining record carries it, instead of a
// write of its own on the next look. Every later look still clears it
// when the worker is busy (measureActivity).
func (s *scaleIn) lookAfterConfirmation(ctx context.Context, v *victim) {
	if activity, err := s.conn.WorkerActivity(ctx, v.obs.addr); err == nil && activity.Idle() {
		v.idleAtConfirmation = s.observedAt
	}
}

// enable takes a cancelled victim back into service, unless the master
// still lists it as live (its decommission never happened). It reports
// whether the worker must restart: Alluxio keeps a decommissioned worker
// that stays running out of service even after enableWorker (seen on real
// Alluxio 2.9.6); only a restarted worker registers again.
func (s *scaleIn) enable(ctx context.Context, v *victim) (restart bool, err error) {
	switch {
	case !s.observed():
		return false, fmt.Errorf("the Alluxio master did not answer: %w", s.observeErr)
	case v.obs.addrErr != "":
		return false, nil // no address: never ran, nothing to take back
	case v.obs.live:
		return false, nil
	}
	if err := s.conn.Enable(ctx, []operations.WorkerAddress{v.obs.addr}); err != nil {
		return false, err
	}
	info, err := s.conn.Observe(ctx)
	if err != nil {
		return true, nil // cannot tell: a restart is always safe here
	}
	_, live := operations.FindWorker(info.Live, v.obs.addr)
	return !live, nil
}

// restart deletes a cancelled victim's pod so that its workload recreates
// it under the same name and ordinal: the worker process restarts and
// registers again (Alluxio takes a decommissioned worker back only then).
func (s *scaleIn) restart(ctx context.Context, v *victim) error {
	if v.restarted {
		return nil
	}
	// The UID precondition: the pod the set makes again in its place
	// under the same name is never the one deleted.
	if err := s.r.Delete(ctx, v.pod, client.Preconditions{UID: &v.pod.UID}); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
		return fmt.Errorf("restart pod %s: %w", v.name(), err)
	}
	v.restarted = true
	s.event(v, corev1.EventTypeNormal, datav1alpha1.RestartedReason,
		"re-enabled in Alluxio and restarted: Alluxio takes a decommissioned worker back only when its process restarts")
	return nil
}

// persistRecords writes every victim's record that changed in this
// reconcile without an event (idle-since, a confirmed decommission),
// concurrently.
func (s *scaleIn) persistRecords(ctx context.Context) error {
	var changed []*victim
	for i := range s.pods {
		v := &s.pods[i]
		if v.state == "" || v.cleared || !v.recordChanged() {
			continue
		}
		changed = append(changed, v)
	}
	return s.forEach(len(changed), func(i int) error { return changed[i].persist(ctx, s.r.Client, s.finalizes) })
}

// releaseFinalizers lets pods go whose scale-in is over: Scaled pods once
// they are leaving (deleted, or no longer run), and pods deleted by hand
// once Alluxio no longer routes work to them. The pods are written
// concurrently.
func (s *scaleIn) releaseFinalizers(ctx context.Context) error {
	var held []*victim
	for i := range s.pods {
		// Next to Fluid no pod has our finalizer: a cancelled victim
		// whose restart failed is found by its record.
		if v := &s.pods[i]; v.hasFinalizer() || !s.finalizes && v.state == drainfsm.Cancelled && !v.deleting() {
			held = append(held, v)
		}
	}
	return s.forEach(len(held), func(i int) error { return s.releaseFinalizer(ctx, held[i]) })
}

func (s *scaleIn) releaseFinalizer(ctx context.Context, v *victim) error {
	if v.state == drainfsm.Cancelled && !v.deleting() {
		// Waiting for its restart, whose delete failed: delete again.
		return s.restart(ctx, v)
	}
	if !s.releasable(v) || !v.hasFinalizer() {
		return nil
	}
	// Not found: it left already, and the cache has not seen it go.
	if err := patchPod(ctx, s.r.Client, v.pod, removeScaleInFinalizer); client.IgnoreNotFound(err) != nil {
		return err
	}
	ctrl.LoggerFrom(ctx).Info("scale-in finalizer removed", "pod", klog.KObj(v.pod), "state", v.state)
	return nil
}

// releasable reports whether a pod holding our finalizer may go now.
func (s *scaleIn) releasable(v *victim) bool {
	switch v.state {
	case "", drainfsm.Cancelled:
		return true
	case drainfsm.Scaled:
		return v.deleting() || !s.ws.runs(v.ordinal)
	case drainfsm.Draining, drainfsm.Recaching, drainfsm.TimedOut:
		// Deleted by hand: held until clients can no longer send it work
		// (off the live list, and their worker list refreshed since).
		return v.deleting() && s.observed() && !v.obs.live && !v.decommissionedAt.IsZero() && s.now.Sub(v.decommissionedAt) >= s.policy.RefreshInterval
	case drainfsm.Failed:
		return v.deleting() // it cannot be decommissioned: nothing to wait for
	}
	return false
}
