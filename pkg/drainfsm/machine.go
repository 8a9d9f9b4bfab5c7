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
	// Drained: clients' worker lists have refreshed and the worker was
	// quiet for the quiet period.
	Drained Event = "drained"
	// NothingToDrain: Alluxio does not know the worker (never registered
	// or already lost), so no work can be on it.
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
	// Reappeared: a worker judged to have nothing to drain (it was not
	// registered) registered after all before its pod left: it must be
	// decommissioned like any other.
	Reappeared Event = "reappeared"
	// Cancel: the worker is wanted again (also once Scaled, if its pod is
	// still there when a scale-out wants it back).
	Cancel Event = "cancel"
)

// unfinished are the states a victim can be cancelled from.
var unfinished = []string{string(Pending), string(Decommissioning), string(Draining), string(TimedOut), string(Failed)}

// transitions are the legal moves; anything else is refused.
var transitions = fsm.Events{
	{Name: string(Decommission), Src: []string{string(Pending)}, Dst: string(Decommissioning)},
	{Name: string(Decommissioned), Src: []string{string(Decommissioning)}, Dst: string(Draining)},
	{Name: string(Drained), Src: []string{string(Draining), string(TimedOut)}, Dst: string(Scaled)},
	{Name: string(NothingToDrain), Src: []string{string(Pending), string(Decommissioning), string(Draining), string(TimedOut)}, Dst: string(Scaled)},
	{Name: string(Timeout), Src: []string{string(Decommissioning), string(Draining)}, Dst: string(TimedOut)},
	{Name: string(Force), Src: []string{string(Decommissioning), string(Draining), string(TimedOut), string(Failed)}, Dst: string(Scaled)},
	{Name: string(Fail), Src: []string{string(Pending), string(Decommissioning)}, Dst: string(Failed)},
	{Name: string(Retry), Src: []string{string(Failed)}, Dst: string(Pending)},
	{Name: string(Reappeared), Src: []string{string(Scaled)}, Dst: string(Pending)},
	{Name: string(Cancel), Src: append([]string{string(Scaled)}, unfinished...), Dst: string(Cancelled)},
}

// Fire builds the machine in state from, fires e and returns the new
// state. An illegal move is an error and changes nothing.
func Fire(ctx context.Context, from State, e Event) (State, error) {
	m := fsm.NewFSM(string(from), transitions, nil)
	if err := m.Event(ctx, string(e)); err != nil {
		return from, fmt.Errorf("scale-in state %s cannot take event %q: %w", from, e, err)
	}
	return State(m.Current()), nil
}

// Can reports whether e is legal in state from.
func Can(from State, e Event) bool {
	return fsm.NewFSM(string(from), transitions, nil).Can(string(e))
}
