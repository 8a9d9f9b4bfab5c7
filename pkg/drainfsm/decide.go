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
	// Moves bounds what is done with a leaving worker's data.
	Moves MovePolicy
}

// Worker is what Alluxio says of the victim's worker.
type Worker struct {
	// Live: the master still hands the worker to clients.
	Live bool
	// Lost: the master lost its heartbeat; nothing runs on it.
	Lost bool
	// NeverRegistered: the master has run since before the worker's pod
	// started and does not list it: the worker never registered, so no
	// client ever had it. Being absent from one listing is not enough (a
	// restarted master lists no worker until they register again).
	NeverRegistered bool
	// Activity is the worker's own count of work in flight, when asked
	// (Draining and TimedOut only). ActivityErr says why it could not be.
	OperationCount int64
	RPCQueueLength int64
	ActivityErr    string
}

// Facts are everything known about one victim in this reconcile.
type Facts struct {
	// Namespace and Pod name the victim's pod, for the force command in
	// messages.
	Namespace, Pod string
	State          State
	Now            time.Time
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
	// ForcedOut: the victim became Scaled by Force (the annotation or
	// onDrainTimeout: Force); it is not taken back if its worker is
	// listed as live again.
	ForcedOut bool
	// Observed: the master answered this reconcile. When false, Worker
	// and Unsupported mean nothing and only Cancel and Force are decided.
	Observed bool
	Worker   Worker
	// Unsupported: this Alluxio cannot decommission workers; the string
	// says which version and what to do.
	Unsupported string
	// SlotFree: a decommission slot is free (maxConcurrent).
	SlotFree bool
	// SharedAddress, when set, says which other live workers registered
	// the worker's host and web port: decommissionWorker names a worker
	// by those alone, so it must not be sent.
	SharedAddress string
	// Unpersisted, when set, says which data exists only in this
	// worker's cache (not yet persisted to the under store): the worker
	// must not leave before it is persisted, unless forced.
	Unpersisted string
	// UnpersistedErr, when set, says why the worker could not be asked
	// for unpersisted data: it is held as if it had some (it might hold
	// the only copy), except once lost (its process is gone).
	UnpersistedErr string
	// UnpersistedUnsupported, when set, says why the check cannot be made
	// at all (the worker lacks the endpoint); it is reported, not waited on.
	UnpersistedUnsupported string
	// Moves is what is known of moving its data: the persist asked for,
	// what there is to cache again, and how far that got.
	Moves Moves
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
	// Work is what the controller does while the victim waits (WaitWork):
	// NoAction, AskPersist or RecacheBatch.
	Work Action
}

// Waiting reports whether the victim stays in its state.
func (d Decision) Waiting() bool { return d.Event == "" }

// unpersistedHint says what a victim holding unpersisted data waits for
// and how to let it go anyway.
func unpersistedHint(f Facts) string {
	return "; waiting until it is persisted to the under store, or run `" + f.forceCommand() + "` to remove the worker anyway and lose it"
}

// forceHint says how to let a waiting victim go anyway.
func forceHint(f Facts) string {
	return "run `" + f.forceCommand() + "` to remove it anyway"
}

// Decide picks at most one event for a victim from the facts. It never
// looks at a clock or any system: the same facts give the same decision.
//
// A worker leaves (Scaled) only on positive evidence that it holds
// nothing the cluster needs and will receive no more work: it was
// decommissioned and drained, it never registered since its pod started,
// or it was forced (with a Warning event).
func Decide(f Facts, p Policy) Decision {
	return withWork(decide(f, p), f, p)
}

func decide(f Facts, p Policy) Decision {
	switch {
	case f.Wanted:
		return decideWanted(f, p)
	case f.State == Scaled:
		return decideScaled(f)
	case f.State.Finished():
		return Decision{Reason: string(f.State), Message: "finished"}
	case f.Forced && Can(f.State, Force) && !(f.State == Pending && f.Observed && f.Worker.Live):
		// A live Pending worker is decommissioned first even when forced:
		// that costs one command and stops new work reaching it.
		return Decision{Event: Force, Reason: ForcedReason, Message: "forced by the data.fluid.io/scale-in-force annotation; leaving without waiting for its drain"}
	case !f.Observed && overdue(f, p):
		return onTimeout(f, p, AlluxioUnreachableReason, "the Alluxio master has not answered")
	case !f.Observed:
		return Decision{Reason: AlluxioUnreachableReason, Message: "waiting for the Alluxio master to answer"}
	}
	switch f.State {
	case Pending:
		return decidePending(f, p)
	case Decommissioning:
		return decideDecommissioning(f, p)
	case Draining:
		return decideDraining(f, p)
	case Recaching:
		return decideRecaching(f, p)
	case TimedOut:
		return decideTimedOut(f, p)
	case Failed:
		if f.Unsupported == "" {
			return Decision{Event: Retry, Reason: string(Pending), Message: "decommission is supported now; trying again"}
		}
		if overdue(f, p) {
			return onTimeout(f, p, DecommissionUnsupportedReason, "not decommissioned ("+f.Unsupported+")")
		}
		return Decision{Reason: DecommissionUnsupportedReason, Message: f.Unsupported}
	}
	return Decision{Reason: string(f.State), Message: "unknown state"}
}

// decideScaled catches a Scaled worker, still there, that the master
// lists as live: one judged to have nothing to drain that registered
// after all, or a drained one a restarted master took back (it forgets
// decommissions). Clients may send it work again: it is decommissioned
// again before it leaves. One forced out stays out.
func decideScaled(f Facts) Decision {
	switch {
	case !f.Observed || !f.Worker.Live || f.Forced || f.ForcedOut:
		return Decision{Reason: string(Scaled), Message: "finished"}
	case f.DecommissionedAt.IsZero():
		return Decision{Event: Reappeared, Reason: string(Pending), Message: "registered with the Alluxio master after it was judged to have nothing to drain: it is decommissioned first"}
	}
	return Decision{Event: Reappeared, Reason: string(Pending), Message: "listed as live again by the Alluxio master after it drained (a restarted master forgets decommissions): it is decommissioned again"}
}

// decideWanted handles a victim the current target keeps (a scale-out, or
// a smaller scale-in). One that Alluxio still routes work to is cancelled
// at once. One already decommissioned must restart to serve again (Alluxio
// takes it back only then), so it is cancelled only once clients have
// refreshed and its in-flight work is done: a restart must not kill work.
func decideWanted(f Facts, p Policy) Decision {
	cancel := Decision{Event: Cancel, Reason: string(Cancelled), Message: "wanted again after a scale-out; taken back into service"}
	unreachable := Decision{Reason: AlluxioUnreachableReason, Message: "wanted again; waiting for the Alluxio master to answer"}
	switch {
	case f.State == Cancelled:
		return Decision{Reason: string(Cancelled), Message: "finished"}
	case f.State == Pending || f.State == Failed:
		return cancel
	case f.State == Decommissioning && !f.Observed:
		return unreachable
	case f.State == Decommissioning && !f.Worker.Live && !f.Worker.Lost:
		// Decommissioned already: record it, then wait like a drain.
		return Decision{Event: Decommissioned, Reason: CancellingReason, Message: "wanted again, but the master already stopped routing work to it"}
	case f.State == Decommissioning || f.Forced && f.State == Scaled:
		return cancel
	case f.Forced:
		// Taken back without waiting for its work or its clients'
		// refresh: its restart kills them, as a forced exit would.
		return Decision{Event: Cancel, Reason: ForcedReason, Message: "wanted again and forced by the data.fluid.io/scale-in-force annotation; taken back into service without waiting for its drain"}
	case !f.Observed:
		return unreachable
	case f.State == Scaled || f.Worker.Live || f.Worker.Lost:
		return cancel
	case f.State == Recaching:
		// Drained already, and the re-cache reads the under store, not
		// the victim: stopping it kills no work.
		return cancel
	}
	if drained, why := drainedOrWhy(f, p); !drained {
		return Decision{Reason: CancellingReason, Message: "wanted again; it restarts back into service once its in-flight work is done (" + why + ")"}
	}
	return cancel
}

func decidePending(f Facts, p Policy) Decision {
	switch {
	case f.Worker.Lost:
		return decideLost(f, p)
	case !f.Worker.Live && f.Worker.NeverRegistered:
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "never registered with the Alluxio master since its pod started: nothing to drain"}
	case !f.Worker.Live:
		return decideUnregistered(f, p)
	}
	// Data only in its cache is persisted first, also on an Alluxio that
	// cannot decommission: a worker that later leaves by force then loses
	// nothing that could be persisted.
	if hold, held := holdForData(f); held {
		if overdue(f, p) {
			return onTimeout(f, p, hold.Reason, "still held for its data ("+heldData(f)+")")
		}
		return hold
	}
	if f.Unsupported != "" {
		return Decision{Event: Fail, Reason: DecommissionUnsupportedReason, Message: f.Unsupported}
	}
	if f.SharedAddress != "" {
		hold := Decision{Reason: SharedAddressReason, Message: f.SharedAddress + "; a decommission naming that address could reach another worker, so it is not sent: run `" + f.forceCommand() + "` to remove this worker without one"}
		return hold.untilTimeout(f, p, "not decommissioned ("+f.SharedAddress+")")
	}
	if f.SlotFree || f.Forced {
		msg := "asking the Alluxio master to stop routing work to it"
		if f.UnpersistedUnsupported != "" {
			msg += " (unpersisted data could not be checked: " + f.UnpersistedUnsupported + ")"
		}
		return Decision{Event: Decommission, Reason: string(Decommissioning), Message: msg}
	}
	return Decision{Reason: string(Pending), Message: "waiting for a free decommission slot (maxConcurrent)"}
}

// decideUnregistered waits for a worker the master does not list although
// it may have registered before the master (re)started: it may hold data.
func decideUnregistered(f Facts, p Policy) Decision {
	if elapsed(f.Now, f.Since) > p.DrainTimeout {
		return Decision{Event: Timeout, Reason: string(TimedOut), Message: fmt.Sprintf("not registered with the Alluxio master after drainTimeout %s; onDrainTimeout is %s", p.DrainTimeout, p.OnDrainTimeout)}
	}
	return Decision{Reason: UnregisteredReason, Message: "not listed by the Alluxio master, which started after this worker's pod: waiting for the worker to register again, since it may hold data"}
}

// decideLost: a worker the master lost runs no work and gets none; it
// leaves unless it was still seen holding unpersisted data.
func decideLost(f Facts, p Policy) Decision {
	if f.Unpersisted != "" {
		return Decision{Reason: UnpersistedDataReason, Message: "lost by the Alluxio master, but " + f.Unpersisted + unpersistedHint(f)}.
			untilTimeout(f, p, "lost by the Alluxio master, but still held for its data ("+f.Unpersisted+")")
	}
	return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "lost by the Alluxio master: nothing to drain"}
}

// holdForData says whether the victim must wait for its unpersisted data
// (found, or not checkable), unless forced.
func holdForData(f Facts) (Decision, bool) {
	switch {
	case f.Forced:
		return Decision{}, false
	case f.Unpersisted != "":
		return Decision{Reason: UnpersistedDataReason, Message: f.Unpersisted + unpersistedHint(f)}, true
	case f.UnpersistedErr != "":
		return Decision{Reason: UnpersistedUncheckedReason, Message: "could not check for unpersisted data (" + f.UnpersistedErr + ")" + unpersistedHint(f)}, true
	}
	return Decision{}, false
}

// heldData says which data holds the victim, for timeout messages.
func heldData(f Facts) string {
	if f.Unpersisted != "" {
		return f.Unpersisted
	}
	return "could not check for unpersisted data: " + f.UnpersistedErr
}

func decideDecommissioning(f Facts, p Policy) Decision {
	switch {
	case f.Unsupported != "":
		return Decision{Event: Fail, Reason: DecommissionUnsupportedReason, Message: f.Unsupported}
	case f.Worker.Lost:
		return decideLost(f, p)
	case !f.Worker.Live:
		return Decision{Event: Decommissioned, Reason: string(Draining), Message: "the Alluxio master no longer routes work to it"}
	case elapsed(f.Now, f.Since) > p.DrainTimeout:
		return Decision{Event: Timeout, Reason: string(TimedOut), Message: fmt.Sprintf("still listed as live by the master after %s (drainTimeout %s); the decommission is retried", round(elapsed(f.Now, f.Since)), p.DrainTimeout)}
	}
	return Decision{Reason: string(Decommissioning), Message: "the Alluxio master still lists it as live"}
}

// drainedOrWhy reports whether the worker counts as drained and, if not,
// what it waits for.
func drainedOrWhy(f Facts, p Policy) (bool, string) {
	sinceDecommission := elapsed(f.Now, f.DecommissionedAt)
	switch {
	case f.DecommissionedAt.IsZero():
		return false, "not yet decommissioned"
	case f.Worker.ActivityErr != "":
		return false, "activity unknown: " + f.Worker.ActivityErr
	case f.Unpersisted != "":
		return false, f.Unpersisted + unpersistedHint(f)
	case f.UnpersistedErr != "":
		return false, "could not check for unpersisted data (" + f.UnpersistedErr + ")" + unpersistedHint(f)
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

// relisted: a decommissioned worker the master lists as live again gets
// work again; it is decommissioned anew and the refresh wait restarts.
var relisted = Decision{Event: Relisted, Reason: string(Decommissioning), Message: "listed as live again by the Alluxio master (a restarted master forgets decommissions): decommissioning it again"}

func decideDraining(f Facts, p Policy) Decision {
	switch {
	case f.Worker.Live:
		return relisted
	case f.Worker.Lost:
		return decideLost(f, p)
	}
	drained, why := drainedOrWhy(f, p)
	switch {
	case drained:
		return drainedExit(f, why)
	case elapsed(f.Now, f.DecommissionedAt) > p.DrainTimeout:
		return Decision{Event: Timeout, Reason: string(TimedOut), Message: fmt.Sprintf("not drained after drainTimeout %s (%s); onDrainTimeout is %s", p.DrainTimeout, why, p.OnDrainTimeout)}
	case f.Unpersisted != "":
		return Decision{Reason: UnpersistedDataReason, Message: why}
	case f.UnpersistedErr != "":
		return Decision{Reason: UnpersistedUncheckedReason, Message: why}
	}
	return Decision{Reason: string(Draining), Message: why}
}

// decideTimedOut: with Force the worker leaves; with Wait it goes on
// waiting, still decommissioned (again) if the master lists it.
func decideTimedOut(f Facts, p Policy) Decision {
	switch {
	case f.Worker.Lost:
		return decideLost(f, p)
	case p.OnDrainTimeout == ForceOnTimeout:
		return Decision{Event: Force, Reason: ForcedReason, Message: fmt.Sprintf("not drained after drainTimeout %s; onDrainTimeout is Force, so it leaves now", p.DrainTimeout)}
	case f.Worker.Live && !f.DecommissionedAt.IsZero():
		return relisted
	case f.Worker.Live:
		return Decision{Reason: string(TimedOut), Message: fmt.Sprintf("still listed as live by the master after drainTimeout %s; the decommission is retried on every poll; onDrainTimeout is Wait: %s", p.DrainTimeout, forceHint(f))}
	case f.DecommissionedAt.IsZero() && f.Worker.NeverRegistered:
		return Decision{Event: NothingToDrain, Reason: string(Scaled), Message: "never registered with the Alluxio master since its pod started: nothing to drain"}
	case f.DecommissionedAt.IsZero():
		return Decision{Event: Decommissioned, Reason: string(Draining), Message: "the Alluxio master no longer routes work to it; draining after its drainTimeout"}
	}
	drained, why := drainedOrWhy(f, p)
	if drained {
		return drainedExit(f, why)
	}
	return Decision{Reason: string(TimedOut), Message: fmt.Sprintf("not drained after drainTimeout %s (%s); onDrainTimeout is Wait: still waiting, or %s", p.DrainTimeout, why, forceHint(f))}
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
