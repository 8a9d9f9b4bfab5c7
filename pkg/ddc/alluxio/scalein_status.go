package alluxio

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// reasonOrder ranks condition reasons: the scale-in's reason is the one
// of its most pressing victim. Problems come first, then the earliest
// phase of the happy path (the one holding the scale-in back).
var reasonOrder = []string{
	string(drainfsm.Failed), drainfsm.DecommissionUnsupportedReason, string(drainfsm.TimedOut), drainfsm.UnpersistedDataReason,
	drainfsm.UnpersistedUncheckedReason, drainfsm.SharedAddressReason, drainfsm.UnregisteredReason, drainfsm.AlluxioUnreachableReason, datav1alpha1.DecommissionFailedReason,
	drainfsm.CancellingReason, string(drainfsm.Pending), string(drainfsm.Decommissioning), string(drainfsm.Draining), string(drainfsm.Recaching),
	drainfsm.ForcedReason, string(drainfsm.Scaled), string(drainfsm.Cancelled),
}

func reasonRank(reason string) int {
	if i := slices.Index(reasonOrder, reason); i >= 0 {
		return i
	}
	return len(reasonOrder)
}

// report writes the scale-in into the runtime's status (summary and the
// WorkersScaledIn condition) and returns a WaitingError while it runs.
func (s *scaleIn) report(_ context.Context, replicas int32) error {
	st := s.rt.Status.ScaleIn
	running := s.current > s.target || s.anyUnfinished()
	// A scale-in just completed may still have Scaled pods on their way
	// out (next to Fluid, each goes as soon as the guard lets it): they
	// start no new one.
	if running && (st == nil || st.CompletionTime != nil) && !(st != nil && s.leavingFinished()) {
		st = &datav1alpha1.ScaleInStatus{FromReplicas: s.current, StartTime: statusTime(s.now)}
		s.rt.Status.ScaleIn = st
		initCounters(s.rt.Namespace, s.rt.Name)
	}
	if st == nil {
		return nil
	}
	if running {
		st.TargetReplicas = s.target
	}
	st.Victims = s.victimStatuses(st.Victims)
	counts := map[drainfsm.State]int{}
	for _, v := range st.Victims {
		counts[drainfsm.State(v.State)]++
	}
	recordVictimStates(s.rt.Namespace, s.rt.Name, counts)

	if !running || replicas == s.target && !s.anyUnfinished() {
		if st.CompletionTime == nil {
			s.complete(st)
		}
		return nil
	}
	reason, message := s.summary()
	s.setCondition(metav1.ConditionFalse, reason, message)
	return &WaitingError{Reason: reason, Message: message, RequeueAfter: s.requeueAfter()}
}

// complete closes the scale-in: Scaled when workers left, Cancelled when
// a scale-out called all of it off.
func (s *scaleIn) complete(st *datav1alpha1.ScaleInStatus) {
	st.CompletionTime = statusTime(s.now)
	took := s.now.Sub(st.StartTime.Time).Round(time.Second)
	reason, eventType := datav1alpha1.ScaledReason, corev1.EventTypeNormal
	message := fmt.Sprintf("scaled in from %d to %d workers in %s", st.FromReplicas, s.target, took)
	if s.target >= st.FromReplicas {
		reason = datav1alpha1.CancelledReason
		message = fmt.Sprintf("scale-in from %d workers cancelled after %s: %d workers wanted again", st.FromReplicas, took, s.target)
	}
	st.TargetReplicas = s.target
	scaleInDuration.WithLabelValues(s.rt.Namespace, s.rt.Name, reason).Observe(s.now.Sub(st.StartTime.Time).Seconds())
	s.setCondition(metav1.ConditionTrue, reason, message)
	s.r.Recorder.Eventf(s.rt, nil, eventType, reason, "ScaleIn", "%s", message)
}

func (s *scaleIn) anyUnfinished() bool {
	for _, v := range s.pods {
		if v.state != "" && !v.state.Finished() {
			return true
		}
	}
	return false
}

// leavingFinished reports whether every leaving pod has finished its
// scale-in: those left are only waiting to be deleted.
func (s *scaleIn) leavingFinished() bool {
	for _, v := range s.pods {
		if v.leaving && !v.state.Finished() {
			return false
		}
	}
	return true
}

// victimStatuses lists the leaving pods and those cancelled just now,
// and keeps the entries of victims whose pods are already gone, so the
// summary tells the whole scale-in.
func (s *scaleIn) victimStatuses(previous []datav1alpha1.VictimStatus) []datav1alpha1.VictimStatus {
	var out []datav1alpha1.VictimStatus
	present := map[string]bool{}
	for _, v := range s.pods {
		present[v.name()] = true
		// A Scaled victim stays listed after the replicas dropped (it is
		// no longer counted as leaving then) until its pod is gone.
		leftTheSet := !s.ws.runs(v.ordinal)
		if v.state == "" || (!v.leaving && v.state != drainfsm.Cancelled && !v.deleting() && !leftTheSet) {
			continue
		}
		vs := datav1alpha1.VictimStatus{Pod: v.name(), State: string(v.state), Since: statusTime(v.since)}
		if d, ok := s.decisions[v.name()]; ok && d.Message != "finished" {
			vs.Message = d.Message
		} else if i := slices.IndexFunc(previous, func(p datav1alpha1.VictimStatus) bool { return p.Pod == v.name() }); i >= 0 {
			vs.Message = previous[i].Message // nothing new decided: keep what it last said
		}
		out = append(out, vs)
	}
	for _, vs := range previous {
		if !present[vs.Pod] {
			out = append(out, vs)
		}
	}
	slices.SortFunc(out, func(a, b datav1alpha1.VictimStatus) int { return strings.Compare(a.Pod, b.Pod) })
	return out
}

// summary is the condition's reason and a message a person can act on:
// counts per phase, then each unfinished victim and what it waits for.
func (s *scaleIn) summary() (string, string) {
	reason := string(drainfsm.Scaled)
	counts := map[drainfsm.State]int{}
	var details []string
	total := 0
	for _, v := range s.pods {
		// Leaving pods, pods deleted by hand, and pods still on their way
		// back after a cancel.
		if v.state == "" || !v.leaving && !v.deleting() && v.state.Finished() {
			continue
		}
		total++
		counts[v.state]++
		d, ok := s.decisions[v.name()]
		r := string(v.state)
		if ok && d.Waiting() {
			r = d.Reason
		}
		if reasonRank(r) < reasonRank(reason) {
			reason = r
		}
		if !v.state.Finished() {
			msg := string(v.state)
			if ok {
				msg += ": " + d.Message
			}
			details = append(details, fmt.Sprintf("%s (%s)", v.name(), msg))
		}
	}
	if s.observeErr != nil && s.anyUnfinished() && reasonRank(datav1alpha1.AlluxioUnreachableReason) <= reasonRank(reason) {
		reason = datav1alpha1.AlluxioUnreachableReason
		details = append(details, "Alluxio master: "+s.observeErr.Error())
	}
	if s.decommissionErr != nil {
		details = append(details, "last decommission failed: "+s.decommissionErr.Error())
	}
	var phases []string
	for _, st := range drainfsm.States {
		if counts[st] > 0 {
			phases = append(phases, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	head := fmt.Sprintf("scaling in from %d to %d workers", s.current, s.target)
	if s.current <= s.target {
		head = fmt.Sprintf("scale-in called off (%d workers wanted)", s.target)
	}
	if total > 0 {
		head += fmt.Sprintf(", %d leaving (%s)", total, strings.Join(phases, ", "))
	}
	if len(details) > 0 {
		head += ": " + strings.Join(details, "; ")
	}
	return reason, head
}

func (s *scaleIn) setCondition(status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&s.rt.Status.Conditions, metav1.Condition{
		Type: s.conditionType, Status: status, Reason: reason, Message: message,
		ObservedGeneration: s.rt.Generation,
	})
}

// statusTime is t as the API server stores it (whole seconds), so a
// status that did not change compares equal to the one read back and is
// not written again.
func statusTime(t time.Time) *metav1.Time {
	st := metav1.NewTime(t).Rfc3339Copy()
	return &st
}
