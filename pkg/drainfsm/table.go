package drainfsm

import (
	"context"
	"fmt"

	"github.com/looplab/fsm"
)

// Event moves a victim from one state to another.
type Event string

const (
	// Decommission: a batch slot is free; tell the master.
	Decommission Event = "decommission"
	// Decommissioned: the master no longer lists the worker as live.
	Decommissioned Event = "decommissioned"
	// Drained: clients' worker lists have refreshed, the worker was quiet
	// for the quiet period, and none of its data is to be cached again.
	Drained Event = "drained"
	// NothingToDrain: the worker never registered since its pod started,
	// or was lost holding no unpersisted data: no work can be on it.
	NothingToDrain Event = "nothing-to-drain"
	// Timeout: drainTimeout passed.
	Timeout Event = "timeout"
	// Force: leave without waiting (onDrainTimeout: Force, or the force
	// annotation).
	Force Event = "force"
	// Fail: the worker cannot be decommissioned.
	Fail Event = "fail"
	// Retry: the cause of the failure is gone.
	Retry Event = "retry"
	// Reappeared: a Scaled worker is listed as live again before its pod
	// left (it registered after all, or a restarted master forgot its
	// decommission): it must be decommissioned again first.
	Reappeared Event = "reappeared"
	// Relisted: the master lists a decommissioned worker as live again (a
	// master restart forgets decommissions): it is decommissioned again,
	// and the wait for the clients' refresh starts over.
	Relisted Event = "relisted"
	// Cancel: the worker is wanted again (also once Scaled, if its pod is
	// still there when a scale-out wants it back).
	Cancel Event = "cancel"
)

// Action is what the controller does in the world when an event fires,
// besides storing the new state on the pod.
type Action string

const (
	// NoAction: only the state changes.
	NoAction Action = "none"
	// SendDecommission: the worker joins the decommission command sent to
	// the master in this reconcile (and in each one until it is confirmed).
	SendDecommission Action = "send decommissionWorker"
	// RecordDecommission: the time the master was seen to drop the worker
	// is stored; the clients' refresh interval counts from it.
	RecordDecommission Action = "record the decommission time"
	// ForgetDecommission: the stored decommission and idle times are
	// cleared; the worker must be decommissioned (again) before it leaves.
	ForgetDecommission Action = "forget the decommission"
	// ReleasePod: the pod may go (replica drop, or the admission guard
	// lets the StatefulSet controller delete it); a Warning event when
	// forced.
	ReleasePod Action = "release the pod"
	// WarnEvent: a Warning event says what went wrong.
	WarnEvent Action = "warning event"
	// TakeBack: the worker is re-enabled in Alluxio and, when it was
	// already decommissioned, its pod restarted once idle.
	TakeBack Action = "enableWorker, restart if decommissioned"
)

// Transition is one row of the machine: event from any of Src to Dst,
// running Action.
type Transition struct {
	Event  Event
	Src    []State
	Dst    State
	Action Action
}

// Table is the whole state machine: every legal move and what it does.
// Anything not listed is refused. The package documentation lists it.
var Table = []Transition{
	{Decommission, []State{Pending}, Decommissioning, SendDecommission},
	{Decommissioned, []State{Decommissioning, TimedOut}, Draining, RecordDecommission},
	{Drained, []State{Draining, TimedOut}, Scaled, ReleasePod},
	{Recache, []State{Draining, TimedOut}, Recaching, PlanRecache},
	{Recached, []State{Recaching}, Scaled, ReleasePod},
	{RecacheTimeout, []State{Recaching}, Scaled, LeaveCold},
	{NothingToDrain, []State{Pending, Decommissioning, Draining, Recaching, TimedOut}, Scaled, ReleasePod},
	{Timeout, []State{Pending, Decommissioning, Draining}, TimedOut, WarnEvent},
	{Force, []State{Pending, Decommissioning, Draining, Recaching, TimedOut, Failed}, Scaled, ReleasePod},
	{Fail, []State{Pending, Decommissioning}, Failed, WarnEvent},
	{Retry, []State{Failed}, Pending, NoAction},
	{Reappeared, []State{Scaled}, Pending, ForgetDecommission},
	{Relisted, []State{Draining, Recaching, TimedOut}, Decommissioning, ForgetDecommission},
	{Cancel, []State{Pending, Decommissioning, Draining, Recaching, TimedOut, Failed, Scaled}, Cancelled, TakeBack},
}

// Events lists every event, in the table's order.
func Events() []Event {
	out := make([]Event, 0, len(Table))
	for _, t := range Table {
		out = append(out, t.Event)
	}
	return out
}

// ActionOf is the action event e runs.
func ActionOf(e Event) Action {
	for _, t := range Table {
		if t.Event == e {
			return t.Action
		}
	}
	return NoAction
}

func fsmEvents() fsm.Events {
	var out fsm.Events
	for _, t := range Table {
		src := make([]string, 0, len(t.Src))
		for _, s := range t.Src {
			src = append(src, string(s))
		}
		out = append(out, fsm.EventDesc{Name: string(t.Event), Src: src, Dst: string(t.Dst)})
	}
	return out
}

// Fire builds the machine in state from, fires e and returns the new
// state. An illegal move is an error and changes nothing.
func Fire(ctx context.Context, from State, e Event) (State, error) {
	m := fsm.NewFSM(string(from), fsmEvents(), nil)
	if err := m.Event(ctx, string(e)); err != nil {
		return from, fmt.Errorf("scale-in state %s cannot take event %q: %w", from, e, err)
	}
	return State(m.Current()), nil
}

// Can reports whether e is legal in state from.
func Can(from State, e Event) bool {
	return fsm.NewFSM(string(from), fsmEvents(), nil).Can(string(e))
}
