package drainfsm

import "fmt"

// State is a victim's scale-in state. Its name is also the reason of the
// runtime's WorkersScaledIn condition while the victim is the one that
// holds the scale-in up.
type State string

const (
	// Pending: chosen to leave, finalizer on, not yet decommissioned
	// (waiting for a batch slot when maxConcurrent caps them).
	Pending State = "Pending"
	// Decommissioning: the master is being told to stop handing the
	// worker to clients.
	Decommissioning State = "Decommissioning"
	// Draining: the master no longer hands the worker out; waiting for
	// clients' worker lists to refresh and for the worker to go quiet.
	Draining State = "Draining"
	// Recaching: drained; the persisted files it caches are being cached
	// again on the workers that stay, so reads stay warm after it goes
	// (skipped when there is nothing to move).
	Recaching State = "Recaching"
	// Scaled: nothing more to wait for; the pod may go.
	Scaled State = "Scaled"
	// Cancelled: no longer leaving (a scale-out called it off); it was
	// taken back into service.
	Cancelled State = "Cancelled"
	// TimedOut: draining took longer than drainTimeout.
	TimedOut State = "TimedOut"
	// Failed: the worker cannot be decommissioned, e.g. on an Alluxio
	// without the decommission command.
	Failed State = "Failed"
)

// States lists every state, in the order of the happy path first.
var States = []State{Pending, Decommissioning, Draining, Recaching, Scaled, Cancelled, TimedOut, Failed}

// Finished reports whether the victim's scale-in is over: its finalizer
// may come off.
func (s State) Finished() bool { return s == Scaled || s == Cancelled }

// Holding reports whether the victim holds a decommission slot: the
// master has been (or is being) told to stop using it and it has not
// finished.
func (s State) Holding() bool {
	return s == Decommissioning || s == Draining || s == Recaching || s == TimedOut
}

// ParseState reads a state stored in a pod annotation.
func ParseState(s string) (State, error) {
	for _, st := range States {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown scale-in state %q (want one of %v)", s, States)
}
