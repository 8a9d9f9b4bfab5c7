package alluxio

import (
	"context"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// scaleIn is one reconcile of a graceful scale-in: what was observed and
// decided in it. Nothing of it outlives the reconcile; the pods carry the
// state from one reconcile to the next.
type scaleIn struct {
	r       *Reconciler
	rt      *datav1alpha1.AlluxioRuntime
	policy  drainfsm.Policy
	now     time.Time
	current int32
	target  int32
	// ws is the worker set, to tell which ordinals it runs; w its
	// component (container name, spec ports).
	ws workerSet
	w  component
	// pods are every worker pod, with their scale-in records, highest
	// ordinal first (the order victims are listed and decommissioned in).
	pods []victim
	// leaving are the ordinals chosen to leave.
	leaving []int32
	alluxioView
	// conditionType is the condition the scale-in is told in.
	conditionType string
	// dropsReplicas, finalizes: see scope.
	dropsReplicas, finalizes bool
	// decisions made this reconcile, by pod name, for the status.
	decisions map[string]drainfsm.Decision
	// unverifiedExit: a victim was judged to have nothing to drain on this
	// reconcile's single look; the replicas drop only after another look.
	unverifiedExit bool
	// events gathered for the victims, sent when the reconcile ends
	// (sendEvents).
	events []*victimEvent
	// mu guards decisions, unverifiedExit and events while victims'
	// events fire concurrently.
	mu sync.Mutex
}

// scope is who owns the worker pods and how far a scale-in goes: the
// standalone owner (our worker set, spec.replicas) or Fluid's (its
// worker set, whose replicas Fluid already lowered).
type scope struct {
	ws workerSet
	w  component
	// current is the workers running now; target those wanted.
	current, target int32
	conditionType   string
	// dropsReplicas: this controller lowers the worker set's replicas
	// (the standalone owner); Fluid lowers its own.
	dropsReplicas bool
	// finalizes: a victim's pod carries our finalizer while it drains
	// (the standalone owner's pods). Next to Fluid the admission guard
	// holds the pod instead, and no finalizer is put on Fluid's pods: an
	// uninstall, a gone controller or a user's delete then never leaves
	// a pod Terminating.
	finalizes bool
}

// reconcileGracefulScaleIn runs the scale-in of a runtime whose worker set
// this controller owns.
func (r *Reconciler) reconcileGracefulScaleIn(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, ws workerSet, workerPods []corev1.Pod, w component, masterPod *corev1.Pod) (int32, []int32, error) {
	sc := scope{ws: ws, w: w, current: ws.replicas(), target: rt.Spec.Replicas, conditionType: datav1alpha1.WorkersScaledInCondition, dropsReplicas: true, finalizes: true}
	return r.runScaleIn(ctx, rt, sc, workerPods, masterPod)
}

// runScaleIn is the whole scale-in of one reconcile: observe (pods, then
// Alluxio), decide (at most one event per victim, drainfsm.Decide), act
// (the event's action in Alluxio), persist (each victim's record on its
// pod, finalizers, the runtime's status). It returns the replicas the
// worker set should have now: the current count until every victim has
// drained, then the target, with the ordinals that leave.
func (r *Reconciler) runScaleIn(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, sc scope, workerPods []corev1.Pod, masterPod *corev1.Pod) (int32, []int32, error) {
	s, err := r.newScaleIn(rt, sc, workerPods)
	if err != nil {
		return sc.current, nil, err
	}
	// What was done is told even when a later step of this reconcile
	// fails.
	defer s.sendEvents()
	if s.current <= s.target && !s.anyRecord() {
		// Nothing leaves; close a scale-in whose closing status write was
		// lost (the pods, not the status, say it is over).
		return s.target, nil, s.report(ctx, s.target)
	}
	// Observe.
	if s.needsAlluxio() {
		s.alluxioView = r.observeAlluxio(ctx, rt, masterPod)
	}
	s.selectVictims()
	s.markNewVictims()
	s.observeVictims(ctx)
	// Decide, and act.
	if err := s.decideAll(ctx); err != nil {
		return s.current, nil, err
	}
	if err := s.advanceConfirmed(ctx, s.decommissionBatch(ctx)); err != nil {
		return s.current, nil, err
	}
	if err := s.moveData(ctx); err != nil {
		return s.current, nil, err
	}
	// Persist.
	if err := s.persistRecords(ctx); err != nil {
		return s.current, nil, err
	}
	if err := s.releaseFinalizers(ctx); err != nil {
		return s.current, nil, err
	}
	replicas, leavingNow := s.replicasNow()
	if sc.dropsReplicas && replicas < s.current {
		confirmed, err := s.confirmPods(ctx)
		if err != nil {
			return s.current, nil, err
		}
		if !confirmed {
			replicas, leavingNow = s.current, nil
		}
	}
	return replicas, leavingNow, s.report(ctx, replicas)
}

// newScaleIn reads every worker pod's record and address.
func (r *Reconciler) newScaleIn(rt *datav1alpha1.AlluxioRuntime, sc scope, workerPods []corev1.Pod) (*scaleIn, error) {
	policy, err := drainPolicy(rt)
	if err != nil {
		return nil, err
	}
	s := &scaleIn{
		r: r, rt: rt, policy: policy, now: r.Clock.Now().UTC().Truncate(time.Millisecond),
		current: sc.current, target: sc.target, ws: sc.ws, w: sc.w, conditionType: sc.conditionType, dropsReplicas: sc.dropsReplicas, finalizes: sc.finalizes,
		decisions: map[string]drainfsm.Decision{},
	}
	setName := sc.ws.object().GetName()
	for i := range workerPods {
		pod := &workerPods[i]
		ordinal, ok := podOrdinal(setName, pod.Name)
		if !ok {
			continue
		}
		v := readVictim(pod, ordinal)
		if addr, err := workerAddress(pod, sc.w); err == nil {
			v.obs.addr = addr
		} else {
			v.obs.addrErr = err.Error()
		}
		s.pods = append(s.pods, v)
	}
	slices.SortFunc(s.pods, func(a, b victim) int { return int(b.ordinal - a.ordinal) })
	return s, nil
}

// anyRecord reports whether some pod still carries a scale-in record or
// our finalizer.
func (s *scaleIn) anyRecord() bool {
	return slices.ContainsFunc(s.pods, func(v victim) bool { return v.state != "" || v.hasFinalizer() })
}

// needsAlluxio: only victims that are not finished need Alluxio (and new
// victims will be, when a scale-in starts), and Scaled ones the set
// still runs (they may be wanted back).
func (s *scaleIn) needsAlluxio() bool {
	return s.current > s.target || slices.ContainsFunc(s.pods, func(v victim) bool {
		return v.state != "" && !v.state.Finished() || v.state == drainfsm.Scaled && s.ws.runs(v.ordinal) && !v.deleting()
	})
}

// selectVictims chooses the ordinals that leave, then gives every pod its
// role once: leaving, or wanted (the target keeps it; a record on it is
// called off).
func (s *scaleIn) selectVictims() {
	var cached map[string]int64
	if s.ws.canRemoveAnyPod() && s.rt.Spec.ScaleIn.VictimSelection == datav1alpha1.LeastCached {
		cached = cachedBytesByPod(s.pods, s.info)
	}
	s.leaving = chooseLeaving(s.rt, s.ws.canRemoveAnyPod(), s.pods, s.current, s.target, cached)
	for i := range s.pods {
		v := &s.pods[i]
		v.leaving = slices.Contains(s.leaving, v.ordinal)
		v.wanted = s.ws.runs(v.ordinal) && !v.leaving && !v.deleting()
	}
}

// markNewVictims makes Pending the pods that just became victims. Nothing
// is written yet: each one's record (with the finalizer) is written by
// the decision taken for it in this same reconcile, whatever it is, and
// always before anything is sent to Alluxio (see decideAll). A pod
// already being deleted cannot take a finalizer; it leaves by itself and
// its replacement is marked.
func (s *scaleIn) markNewVictims() {
	for i := range s.pods {
		v := &s.pods[i]
		if !v.leaving || (v.state != "" && v.state != drainfsm.Cancelled) || v.deleting() {
			continue
		}
		v.state, v.since, v.decommissionedAt, v.idleSince, v.forcedOut = drainfsm.Pending, s.now, time.Time{}, time.Time{}, false
		v.fresh = true
	}
}

// decideAll decides at most one event for every victim that takes a
// decision (in order: decommission slots go to the highest ordinals
// first), then fires the events with their actions concurrently: each
// touches only its own victim. A new victim that waits gets its Pending
// record written; one that moves gets its new record in one write.
func (s *scaleIn) decideAll(ctx context.Context) error {
	free := maxConcurrent(s.rt) - s.holding()
	var fires []firing
	for i := range s.pods {
		v := &s.pods[i]
		if !s.takesDecision(v) {
			continue
		}
		d := s.secondLook(v, s.decide(ctx, v, free > 0))
		s.decisions[v.name()] = d
		if d.Waiting() {
			if v.fresh {
				fires = append(fires, firing{v, d})
			}
			continue
		}
		if d.Event == drainfsm.Decommission && !v.deleting() {
			free--
		}
		fires = append(fires, firing{v, d})
	}
	return s.forEach(len(fires), func(i int) error {
		f := fires[i]
		if f.d.Waiting() {
			return s.recordPending(ctx, f.v)
		}
		return s.fire(ctx, f.v, f.d)
	})
}

// secondLook acts on "nothing to drain", a judgement made on one look,
// only when an earlier reconcile made it too. Next to Fluid, marking a
// victim Scaled lets the guard release its pod at once; the standalone
// owner's replica drop waits for a second look the same way
// (unverifiedExit).
func (s *scaleIn) secondLook(v *victim, d drainfsm.Decision) drainfsm.Decision {
	if s.dropsReplicas || v.deleting() {
		return d
	}
	if d.Event != drainfsm.NothingToDrain {
		v.nothingToDrainAt = time.Time{}
		return d
	}
	if !v.nothingToDrainAt.IsZero() && v.nothingToDrainAt.Before(s.now) {
		v.nothingToDrainAt = time.Time{}
		return d
	}
	v.nothingToDrainAt = s.now
	return drainfsm.Decision{Reason: string(v.state), Message: d.Message + "; looking once more before its pod may go"}
}

// firing is a decision taken for a victim, to be fired with the others
// of its reconcile (forEach).
type firing struct {
	v *victim
	d drainfsm.Decision
}

// recordPending writes a new victim's Pending record and finalizer.
func (s *scaleIn) recordPending(ctx context.Context, v *victim) error {
	if err := v.persist(ctx, s.r.Client, s.finalizes); err != nil {
		return err
	}
	s.chosenEvent(v)
	return nil
}

// chosenEvent tells, once, that a new victim was chosen to leave, once
// its first record is written.
func (s *scaleIn) chosenEvent(v *victim) {
	v.fresh = false
	s.event(v, corev1.EventTypeNormal, string(drainfsm.Pending),
		"chosen to leave: scaling in from %d to %d workers", s.current, s.target)
}

// takesDecision: victims with an unfinished record (new ones included),
// and Scaled ones that are still leaving or are wanted back.
func (s *scaleIn) takesDecision(v *victim) bool {
	switch {
	case v.state == "" || v.state == drainfsm.Cancelled:
		return false
	case v.state == drainfsm.Scaled:
		return v.wanted || v.leaving
	}
	return true
}

// holding counts the victims holding a decommission slot.
func (s *scaleIn) holding() int {
	n := 0
	for _, v := range s.pods {
		if v.state.Holding() {
			n++
		}
	}
	return n
}

// facts gathers what is known of one victim for drainfsm.Decide.
func (s *scaleIn) facts(v *victim, slotFree bool) drainfsm.Facts {
	o := v.obs
	return drainfsm.Facts{
		Namespace: v.pod.Namespace, Pod: v.pod.Name,
		State: v.state, Now: s.now, Since: v.since,
		DecommissionedAt: v.decommissionedAt, IdleSince: v.idleSince,
		Wanted: v.wanted,
		Forced: v.forced(), ForcedOut: v.forcedOut,
		// A pod deleted by hand skips the queue: its Alluxio side must
		// be finished before it may go.
		SlotFree:      slotFree || v.deleting(),
		SharedAddress: o.sharedAddress,
		Observed:      s.observed(),
		Unsupported:   s.unsupported,
		Worker: drainfsm.Worker{
			Live: o.live, Lost: o.lost, NeverRegistered: o.neverRegistered,
			OperationCount: o.activity.OperationCount, RPCQueueLength: o.activity.RPCQueueLength, ActivityErr: o.activityErr,
		},
		Unpersisted: o.unpersisted, UnpersistedErr: o.unpersistedErr, UnpersistedUnsupported: o.unpersistedUnsupported,
	}
}

// replicasNow is what the worker set runs after this reconcile: the
// target once every leaving victim is Scaled (and no exit rests on a
// single look), else the current count.
func (s *scaleIn) replicasNow() (int32, []int32) {
	switch {
	case s.current <= s.target:
		return s.target, nil
	case s.unverifiedExit:
		return s.current, nil
	case s.allLeft():
		return s.target, s.leaving
	}
	return s.current, nil
}

// allLeft reports whether every leaving ordinal has finished its drain
// (or has no pod at all).
func (s *scaleIn) allLeft() bool {
	for _, v := range s.pods {
		if v.leaving && v.state != drainfsm.Scaled {
			return false
		}
	}
	return true
}
