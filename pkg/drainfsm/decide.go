package drainfsm

import (
	"fmt"
	"time"
)

// TimeoutAction is what a timed-out drain does: "Wait" or "Force".
type TimeoutAction string

const (
	WaitOnTimeout  TimeoutAction = "Wait"
	ForceOnTimeout TimeoutAction = "Force"
)

// Policy is the scale-in policy in force, defaults applied.
type Policy struct {
	DrainTimeout   time.Duration
	OnDrainTimeout TimeoutAction
	QuietPeriod    time.Duration
	// RefreshInterval is the clients' worker list refresh interval
	// (alluxio.user.worker.list.refresh.interval): until it has passed
	// since the decommission, a client may still send work to the worker.
	RefreshInterval time.Duration
}

// Worker is what Alluxio says of the victim's worker.
type Worker struct {
	// Live: the master still hands the worker to clients.
	Live bool
	// Lost: the master lost its heartbeat; nothing runs on it.
	Lost bool
	// Activity is the worker's own count of work in flight, when asked
	// (Draining and TimedOut only). ActivityErr says why it could not be.
	OperationCount int64
	RPCQueueLength int64
	ActivityErr    string
}

// Facts are everything known about one victim in this reconcile.
type Facts struct {
	State State
	Now   time.Time
	// Since is when the victim entered State.
	Since time.Time
	// DecommissionedAt is when the master was seen to stop listing it.
	DecommissionedAt time.Time
	// IdleSince is since when the worker has been seen idle without a
	// break; zero while busy or unknown.
	IdleSince time.Time
	// Wanted: the current target keeps this pod (a scale-out or a
	// smaller scale-in called its departure off).
	Wanted bool
	// Forced: the force annotation is set.
	Forced bool
	// Observed: the master answered this reconcile. When false, Worker
	// and Unsupported mean nothing and only Cancel and Force are decided.
	Observed bool
	Worker   Worker
	// Unsupported: this Alluxio cannot decommission workers; the string
	// says which version and what to do.
	Unsupported string
	// SlotFree: a decommission slot is free (maxConcurrent).
	SlotFree bool
	// Unpersisted, when set, says which data exists only in this
	// worker's cache (not yet persisted to the under store): the worker
	// must not leave before it is persisted, unless forced.
	Unpersisted string
	// UnpersistedUnknown, when set, says why the check could not be made
	// (e.g. the worker lacks the endpoint); it is reported, not waited on.
	UnpersistedUnknown string
}

// Decision is the outcome for one victim: at most one event, and why.
type Decision struct {
	// Event is empty when the victim stays where it is.
	Event Event
	// Reason is a CamelCase word for the condition, the event and the
	// log (the state waited in, or the problem).
	Reason string
	// Message says, for a person, what happens or is waited for.
	Message string
}

// Waiting reports whether the victim stays in its state.
func (d Decision) Waiting() bool { return d.Event == "" }

// UnpersistedDataReason: the victim holds data that exists only in its
// cache; it waits until that data is persisted, or until it is forced.
const UnpersistedDataReason = "UnpersistedData"

const unpersistedHint = "; waiting until it is persisted to the under store, or set annotation data.fluid.io/scale-in-force=true on the pod to remove the worker anyway and lose it"

// Decide picks at most one event for a victim from the facts. It never
// looks at a clock or any system: the same facts give the same decision.
func Decide(f Facts, p Policy) Decision {
	if f.Wanted {
		return decideWanted(f, p)
	}
	if f.State == Scaled && f.Observed && f.Worker.Live && f.DecommissionedAt.IsZero() && !f.Forced {
		return Decision{Event: Reappeared, Reason: string(Pending), Message: "registered with the Alluxio master after it was judged to have nothing to drain: it is decommissioned first"}
	}
	if f.State.Finished() {
		return Decision{Reason: string(f.State), Message: "finished"}
	}
	if f.Forced && Can(f.State, Force) {
		return Decision{Event: Force, Reason: "Forced", Message: "forced by the data.fluid.io/scale-in-force annotation; leaving without waiting for its drain"}
	}
	if !f.Observed {
		return Decision{Reason: "AlluxioUnreachable", Message: "waiting for the Alluxio master to answer"}
	}
	switch f.State {
	case Pending:
		return decidePending(f)
	case Decommissioning:
		return decideDecommissioning(f, p)
	case Draining:
		return decideDraining(f, p)
	case TimedOut:
		return decideTimedOut(f, p)
	case Failed:
		if f.Unsupported == "" {
			return Decision{Event: Retry, Reason: string(Pending), Message: "decommission is supported now; trying again"}
		}
		return Decision{Reason: "DecommissionUnsupported", Message: f.Unsupported}
	}
	return Decision{Reason: string(f.State), Message: "unknown state"}
}

// CancellingReason: a victim wanted again waits until its in-flight work
// is done before it is restarted back into service.
const CancellingReason = "Cancelling"

// decideWanted handles a victim the current target keeps (a scale-out, or
// a smaller scale-in). One that Alluxio still routes work to is cancelled
// at once. One already decommissioned must restart to serve again (Alluxio
// takes it back only then), so it is cancelled only once clients have
// refreshed and its in-flight work is done: a restart must not kill work.
func decideWanted(f Facts, p Policy) Decision {
	cancel := Decision{Event: Cancel, Reason: string(Cancelled), Message: "wanted again after a scale-out; taken back into service"}
	switch f.State {
	case Cancelled:
		return Decision{Reason: string(Cancelled), Message: "finished"}
	case Pending, Failed:
		return cancel
	case Decommissioning:
		if !f.Observed {
			return Decision{Reason: "AlluxioUnreachable", Message: "wanted again; waiting for the Alluxio master to answer"}
		}
		if f.Worker.Live || f.Worker.Lost {
			return cancel
		}
		// Decommissioned already: record it, then wait like a drain.
		return Decision{Event: Decommissioned, Reason: CancellingReason, Message: "wanted again, but the master already stopped routing work to it"}
	}
	if f.Forced {
		return cancel
	}
	if !f.Observed {
		return Decision{Reason: "AlluxioUnreachable", Message: "wanted again; waiting for the Alluxio master to answer"}
	}
	if f.State == Scaled || f.Worker.Live || f.Worker.Lost {
		return cancel
	}
	drained, why := drainedOrWhy(f, p)
	if drained {
		return cancel
	}
	return Decision{Reason: CancellingReason, Message: "wanted again; it restarts back into service once its in-flight work is done (" + why + ")"}
}

func decidePending(f Facts) Decision {
	switch {
	case f.Worker.Lost:
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "lost by the Alluxio master: nothing to drain"}
	case !f.Worker.Live:
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "not registered with the Alluxio master: nothing to drain"}
	case f.Unsupported != "":
		return Decision{Event: Fail, Reason: "DecommissionUnsupported", Message: f.Unsupported}
	case f.Unpersisted != "" && !f.Forced:
		return Decision{Reason: UnpersistedDataReason, Message: f.Unpersisted + unpersistedHint}
	case f.SlotFree || f.Forced:
		msg := "asking the Alluxio master to stop routing work to it"
		if f.UnpersistedUnknown != "" {
			msg += " (unpersisted data could not be checked: " + f.UnpersistedUnknown + ")"
		}
		return Decision{Event: Decommission, Reason: string(Decommissioning), Message: msg}
	}
	return Decision{Reason: string(Pending), Message: "waiting for a free decommission slot (maxConcurrent)"}
}

func decideDecommissioning(f Facts, p Policy) Decision {
	switch {
	case f.Unsupported != "":
		return Decision{Event: Fail, Reason: "DecommissionUnsupported", Message: f.Unsupported}
	case f.Worker.Lost:
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "lost by the Alluxio master: nothing to drain"}
	case !f.Worker.Live:
		return Decision{Event: Decommissioned, Reason: string(Draining), Message: "the Alluxio master no longer routes work to it"}
	case elapsed(f.Now, f.Since) > p.DrainTimeout:
		return Decision{Event: Timeout, Reason: string(TimedOut), Message: fmt.Sprintf("still listed as live by the master after %s (drainTimeout %s)", round(elapsed(f.Now, f.Since)), p.DrainTimeout)}
	}
	return Decision{Reason: string(Decommissioning), Message: "the Alluxio master still lists it as live"}
}

// drainedOrWhy reports whether the worker counts as drained and, if not,
// what it waits for.
func drainedOrWhy(f Facts, p Policy) (bool, string) {
	sinceDecommission := elapsed(f.Now, f.DecommissionedAt)
	switch {
	case f.Worker.ActivityErr != "":
		return false, "activity unknown: " + f.Worker.ActivityErr
	case f.Unpersisted != "":
		return false, f.Unpersisted + unpersistedHint
	case f.Worker.OperationCount > 0 || f.Worker.RPCQueueLength > 0:
		return false, fmt.Sprintf("%d operations in flight, %d queued", f.Worker.OperationCount, f.Worker.RPCQueueLength)
	case sinceDecommission < p.RefreshInterval:
		return false, fmt.Sprintf("clients may still route work to it until their worker list refreshes at %s (refresh interval %s)", clock(f.DecommissionedAt.Add(p.RefreshInterval)), p.RefreshInterval)
	case f.IdleSince.IsZero():
		return false, fmt.Sprintf("idle from now; drained after a quiet period of %s", p.QuietPeriod)
	case elapsed(f.Now, f.IdleSince) < p.QuietPeriod:
		return false, fmt.Sprintf("idle since %s; drained at %s (quietPeriod %s)", clock(f.IdleSince), clock(f.IdleSince.Add(p.QuietPeriod)), p.QuietPeriod)
	}
	return true, fmt.Sprintf("idle for %s after its decommission", round(elapsed(f.Now, f.IdleSince)))
}

func decideDraining(f Facts, p Policy) Decision {
	if f.Worker.Lost {
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "lost by the Alluxio master: nothing to drain"}
	}
	drained, why := drainedOrWhy(f, p)
	if drained {
		return Decision{Event: Drained, Reason: string(Scaled), Message: why}
	}
	if elapsed(f.Now, f.DecommissionedAt) > p.DrainTimeout {
		return Decision{Event: Timeout, Reason: string(TimedOut), Message: fmt.Sprintf("not drained after drainTimeout %s (%s); onDrainTimeout is %s", p.DrainTimeout, why, p.OnDrainTimeout)}
	}
	if f.Unpersisted != "" {
		return Decision{Reason: UnpersistedDataReason, Message: why}
	}
	return Decision{Reason: string(Draining), Message: why}
}

func decideTimedOut(f Facts, p Policy) Decision {
	if f.Worker.Lost {
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "lost by the Alluxio master: nothing to drain"}
	}
	if p.OnDrainTimeout == ForceOnTimeout {
		return Decision{Event: Force, Reason: "Forced", Message: fmt.Sprintf("not drained after drainTimeout %s; onDrainTimeout is Force, so it leaves now", p.DrainTimeout)}
	}
	drained, why := drainedOrWhy(f, p)
	if drained {
		return Decision{Event: Drained, Reason: string(Scaled), Message: why}
	}
	return Decision{Reason: string(TimedOut), Message: fmt.Sprintf("not drained after drainTimeout %s (%s); onDrainTimeout is Wait: still waiting, or set annotation data.fluid.io/scale-in-force=true on the pod", p.DrainTimeout, why)}
}

func elapsed(now, since time.Time) time.Duration {
	if since.IsZero() {
		return 0
	}
	return now.Sub(since)
}

func round(d time.Duration) time.Duration { return d.Round(time.Second) }

// clock prints a time of day for messages. Messages name fixed times
// rather than counting seconds, so they do not change on every poll: each
// change is a status write, and the API server's load counts.
func clock(t time.Time) string { return t.UTC().Format("15:04:05Z") }
