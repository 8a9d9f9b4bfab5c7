package alluxio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// scaleIn is one reconcile of a graceful scale-in: what was observed and
// decided in it. Nothing of it outlives the reconcile.
type scaleIn struct {
	r       *Reconciler
	rt      *datav1alpha1.AlluxioRuntime
	policy  drainfsm.Policy
	now     time.Time
	current int32
	target  int32
	// ws is the worker set, to tell which ordinals it runs.
	ws workerSet
	// pods are every worker pod, with their scale-in records.
	pods []victim
	// addrs are the workers' Alluxio addresses by pod name.
	addrs map[string]operations.WorkerAddress
	alluxio
	// decisions made this reconcile, by pod name, for the status.
	decisions map[string]drainfsm.Decision
	// marked are the pods that became victims in this reconcile: they
	// take no further event until the next one, so Pending is recorded
	// (and shown) before anything happens to them.
	marked map[string]bool
}

// reconcileGracefulScaleIn drives every victim one step and returns the
// replicas the worker set should have now: the current count until every
// victim has drained, then the target, with the ordinals that leave.
func (r *Reconciler) reconcileGracefulScaleIn(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, ws workerSet, workerPods []corev1.Pod, w component, masterPod *corev1.Pod) (int32, []int32, error) {
	policy, err := drainPolicy(rt)
	if err != nil {
		return ws.replicas(), nil, err
	}
	s := &scaleIn{
		r: r, rt: rt, policy: policy, now: r.Clock.Now().UTC().Truncate(time.Millisecond),
		current: ws.replicas(), target: rt.Spec.Replicas, ws: ws,
		addrs: map[string]operations.WorkerAddress{}, decisions: map[string]drainfsm.Decision{}, marked: map[string]bool{},
	}
	for i := range workerPods {
		pod := &workerPods[i]
		ordinal, ok := podOrdinal(workerName(rt), pod.Name)
		if !ok {
			continue
		}
		v := readVictim(pod, ordinal)
		s.pods = append(s.pods, v)
		if host, err := operations.WorkerHost(pod, w.hostNetwork()); err == nil {
			s.addrs[pod.Name] = operations.WorkerAddress{Host: host, RPCPort: w.rpcPort, WebPort: w.webPort}
		}
	}
	// Highest ordinals first: the order victims are listed and decommissioned in.
	slices.SortFunc(s.pods, func(a, b victim) int { return int(b.ordinal - a.ordinal) })

	if s.current <= s.target && !s.anyRecord() {
		// Nothing leaves; close a scale-in whose closing status write was
		// lost (the pods, not the status, say it is over).
		if st := rt.Status.ScaleIn; st != nil && st.CompletionTime == nil {
			return s.target, nil, s.report(ctx, nil, s.target)
		}
		return s.target, nil, nil
	}
	if s.needsAlluxio() {
		s.alluxio = s.r.observeAlluxio(ctx, rt, masterPod)
	}
	var cached map[string]int64
	if ws.canRemoveAnyPod() && rt.Spec.ScaleIn.VictimSelection == datav1alpha1.LeastCached {
		cached = cachedBytesByPod(s.pods, s.addrs, s.info)
	}
	leaving := chooseLeaving(rt, ws.canRemoveAnyPod(), s.pods, s.current, s.target, cached)

	if err := s.markNewVictims(ctx, leaving); err != nil {
		return s.current, nil, err
	}
	s.decommissionBatch(ctx, leaving)
	s.measureActivity(ctx)
	s.checkUnpersisted(ctx)
	if err := s.decideAll(ctx, leaving); err != nil {
		return s.current, nil, err
	}
	if err := s.releaseFinalizers(ctx, leaving); err != nil {
		return s.current, nil, err
	}

	replicas, leavingNow := s.current, []int32(nil)
	switch {
	case s.current <= s.target:
		replicas = s.target
	case s.allLeft(leaving):
		replicas, leavingNow = s.target, leaving
	}
	return replicas, leavingNow, s.report(ctx, leaving, replicas)
}

// anyRecord reports whether some pod still carries a scale-in record or
// our finalizer.
func (s *scaleIn) anyRecord() bool {
	for _, v := range s.pods {
		if v.state != "" || v.hasFinalizer() {
			return true
		}
	}
	return false
}

// needsAlluxio: only victims that are not finished need Alluxio (and new
// victims will be, when a scale-in starts).
func (s *scaleIn) needsAlluxio() bool {
	if s.current > s.target {
		return true
	}
	for _, v := range s.pods {
		if v.state != "" && !v.state.Finished() || v.state == drainfsm.Scaled && s.wanted(&v, nil) {
			return true
		}
	}
	return false
}

// wanted reports whether the current target keeps this pod: the worker
// set runs its ordinal, it is not among those leaving, and nobody deletes
// it.
func (s *scaleIn) wanted(v *victim, leaving []int32) bool {
	return s.ws.runs(v.ordinal) && !slices.Contains(leaving, v.ordinal) && !v.deleting()
}

// markNewVictims records Pending and puts the finalizer on pods that just
// became victims. A pod already being deleted cannot take a finalizer; it
// leaves by itself and its replacement is marked.
func (s *scaleIn) markNewVictims(ctx context.Context, leaving []int32) error {
	for i := range s.pods {
		v := &s.pods[i]
		if !slices.Contains(leaving, v.ordinal) || (v.state != "" && v.state != drainfsm.Cancelled) || v.deleting() {
			continue
		}
		*v = victim{pod: v.pod, ordinal: v.ordinal, state: drainfsm.Pending, since: s.now}
		if err := v.persist(ctx, s.r.Client, true); err != nil {
			return err
		}
		s.marked[v.name()] = true
		s.event(v, corev1.EventTypeNormal, string(drainfsm.Pending),
			"chosen to leave: scaling in from %d to %d workers", s.current, s.target)
	}
	return nil
}

// decideAll decides and fires at most one event per unfinished victim,
// runs the event's action, and writes the new state to the pod.
func (s *scaleIn) decideAll(ctx context.Context, leaving []int32) error {
	holding := 0
	for _, v := range s.pods {
		if v.state.Holding() {
			holding++
		}
	}
	free := maxConcurrent(s.rt) - holding
	for i := range s.pods {
		v := &s.pods[i]
		if v.state == "" || v.state == drainfsm.Cancelled || v.state == drainfsm.Scaled && !s.wanted(v, leaving) && !slices.Contains(leaving, v.ordinal) {
			continue
		}
		if s.marked[v.name()] {
			s.decisions[v.name()] = drainfsm.Decision{Reason: string(drainfsm.Pending), Message: "chosen to leave"}
			continue
		}
		f := s.facts(v, leaving, free > 0)
		d := drainfsm.Decide(f, s.policy)
		s.decisions[v.name()] = d
		if d.Waiting() {
			if v.idleSinceChanged() {
				if err := v.persist(ctx, s.r.Client, true); err != nil {
					return err
				}
			}
			continue
		}
		if d.Event == drainfsm.Decommission && !v.deleting() {
			free--
		}
		if err := s.fire(ctx, v, d); err != nil {
			return err
		}
	}
	return nil
}

// facts gathers what is known of one victim for drainfsm.Decide.
func (s *scaleIn) facts(v *victim, leaving []int32, slotFree bool) drainfsm.Facts {
	f := drainfsm.Facts{
		State: v.state, Now: s.now, Since: v.since,
		DecommissionedAt: v.decommissionedAt, IdleSince: v.idleSince,
		Wanted: s.wanted(v, leaving),
		Forced: v.forced(),
		// A pod deleted by hand skips the queue: its Alluxio side must
		// be finished before it may go.
		SlotFree:    slotFree || v.deleting(),
		Observed:    s.observeErr == nil && s.info != nil,
		Unsupported: s.unsupported,
	}
	if !f.Observed {
		return f
	}
	addr, ok := s.addrs[v.name()]
	if _, live := operations.FindWorker(s.info.Live, addr); ok && live {
		f.Worker.Live = true
	}
	if _, lost := operations.FindWorker(s.info.Lost, addr); ok && lost {
		f.Worker.Lost = true
	}
	f.Unpersisted = strings.TrimSpace(s.unpersisted[v.name()])
	f.UnpersistedUnknown = s.unpersistedUnknown[v.name()]
	if a, ok := s.activity[v.name()]; ok {
		f.Worker.OperationCount, f.Worker.RPCQueueLength, f.Worker.ActivityErr = a.OperationCount, a.RPCQueueLength, a.err
	}
	return f
}

// fire moves the victim by d.Event after running what the event needs
// done in Alluxio first (re-enabling a cancelled worker), then persists it.
func (s *scaleIn) fire(ctx context.Context, v *victim, d drainfsm.Decision) error {
	log := ctrl.LoggerFrom(ctx)
	restart := false
	if d.Event == drainfsm.Cancel && (v.state.Holding() || v.state == drainfsm.Scaled) {
		var err error
		if restart, err = s.enable(ctx, v); err != nil {
			s.decisions[v.name()] = drainfsm.Decision{Reason: datav1alpha1.DecommissionFailedReason, Message: err.Error()}
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
	if d.Event == drainfsm.Decommissioned {
		v.decommissionedAt, v.idleSince = s.now, time.Time{}
	}
	if d.Event == drainfsm.Force && v.decommissionedAt.IsZero() {
		// Forced out before the master confirmed: this is when it left
		// service as far as the scale-in is concerned.
		v.decommissionedAt = s.now
	}
	if d.Event == drainfsm.Reappeared {
		v.decommissionedAt, v.idleSince = time.Time{}, time.Time{}
	}
	keep := true
	if to == drainfsm.Cancelled && !restart {
		v.state, keep = "", false
	}
	// A cancelled victim that must restart keeps its finalizer and the
	// Cancelled record until its pod is deleting, so a failed delete is
	// retried (see releaseFinalizers) instead of forgotten.
	if err := v.persist(ctx, s.r.Client, keep); err != nil {
		return err
	}
	countTransition(s.rt.Namespace, s.rt.Name, d.Event, to)
	log.Info("scale-in victim moved", "pod", klog.KObj(v.pod), "from", from, "to", to, "reason", d.Reason, "message", d.Message)
	eventType := corev1.EventTypeNormal
	if to == drainfsm.TimedOut || to == drainfsm.Failed || d.Event == drainfsm.Force {
		eventType = corev1.EventTypeWarning
	}
	s.event(v, eventType, d.Reason, "%s", d.Message)
	v.state = to // for this reconcile's status
	if restart {
		return s.restart(ctx, v)
	}
	return nil
}

// restart deletes a cancelled victim's pod so that its workload recreates
// it under the same name and ordinal: the worker process restarts and
// registers again (Alluxio takes a decommissioned worker back only then).
func (s *scaleIn) restart(ctx context.Context, v *victim) error {
	if err := s.r.Delete(ctx, v.pod); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("restart pod %s: %w", v.name(), err)
	}
	s.event(v, corev1.EventTypeNormal, datav1alpha1.RestartedReason,
		"re-enabled in Alluxio and restarted: Alluxio takes a decommissioned worker back only when its process restarts")
	return nil
}

// releaseFinalizers lets pods go whose scale-in is over: Scaled pods once
// they are leaving (deleted, or no longer counted), and pods deleted by
// hand once Alluxio no longer routes work to them.
func (s *scaleIn) releaseFinalizers(ctx context.Context, leaving []int32) error {
	for i := range s.pods {
		v := &s.pods[i]
		if !v.hasFinalizer() {
			continue
		}
		release := false
		switch v.state {
		case "":
			release = true
		case drainfsm.Cancelled:
			// Waiting for its restart: release once the pod is going,
			// else (the delete failed) delete it again.
			if !v.deleting() {
				if err := s.restart(ctx, v); err != nil {
					return err
				}
				continue
			}
			release = true
		case drainfsm.Scaled:
			release = v.deleting() || !s.ws.runs(v.ordinal)
		case drainfsm.Draining, drainfsm.TimedOut:
			// Deleted by hand: held until clients can no longer send it
			// work (their worker list refreshed since the decommission).
			release = v.deleting() && !v.decommissionedAt.IsZero() && s.now.Sub(v.decommissionedAt) >= s.policy.RefreshInterval
		case drainfsm.Failed:
			release = v.deleting() // it cannot be decommissioned: nothing to wait for
		}
		if !release {
			continue
		}
		if err := patchPod(ctx, s.r.Client, v.pod, removeScaleInFinalizer); err != nil {
			return err
		}
		ctrl.LoggerFrom(ctx).Info("scale-in finalizer removed", "pod", klog.KObj(v.pod), "state", v.state)
	}
	return nil
}

// allLeft reports whether every leaving ordinal has finished its drain
// (or has no pod at all).
func (s *scaleIn) allLeft(leaving []int32) bool {
	for _, o := range leaving {
		for _, v := range s.pods {
			if v.ordinal == o && v.state != drainfsm.Scaled {
				return false
			}
		}
	}
	return true
}

func (s *scaleIn) event(v *victim, eventType, reason, note string, args ...any) {
	s.r.Recorder.Eventf(s.rt, v.pod, eventType, reason, "ScaleIn", "pod "+v.name()+": "+note, args...)
}

// errorsAsUnsupported returns the message of an Alluxio that cannot
// decommission, or "".
func errorsAsUnsupported(err error) string {
	if errors.Is(err, operations.ErrUnsupported) {
		return err.Error()
	}
	return ""
}
