package drainfsm

import (
	"fmt"
	"time"
)

// Events of moving a leaving worker's data.
const (
	// Recache: the worker drained, and persisted files it caches are to
	// be cached again on the workers that stay.
	Recache Event = "recache"
	// Recached: every file planned was cached again, or tried.
	Recached Event = "recached"
	// RecacheTimeout: recacheTimeout passed while re-caching; the worker
	// leaves with the rest not cached again.
	RecacheTimeout Event = "recache-timeout"
)

// Actions of moving a leaving worker's data.
const (
	// PlanRecache: how many bytes are to be cached again (bounded by the
	// policy and the free capacity of the workers that stay) is stored
	// on the pod; the batches follow, one per poll.
	PlanRecache Action = "store the re-cache plan"
	// LeaveCold: the pod may go with the rest of its files not cached
	// again; a Warning event says how far the re-cache got.
	LeaveCold Action = "release the pod, warning event"
	// AskPersist: Alluxio is asked to persist the victim's unpersisted
	// files; the time is stored on the pod, and it is asked again only
	// after persistRetry.
	AskPersist Action = "ask Alluxio to persist them"
	// RecacheBatch: the next batch of its files is cached again on the
	// workers that stay; the progress is stored on the pod.
	RecacheBatch Action = "re-cache the next batch"
)

// WaitWork is work the controller does while a victim stays in its
// state: no transition, but an action in Alluxio.
type WaitWork struct {
	States []State
	While  string
	Action Action
}

// WaitWorks lists every WaitWork; the package documentation lists it
// after the transition table.
var WaitWorks = []WaitWork{
	{[]State{Pending, Draining, TimedOut}, "holds unpersisted data (then every persistRetry)", AskPersist},
	{[]State{Recaching}, "until done or recacheTimeout (every poll)", RecacheBatch},
}

// MovePolicy bounds what is done with a leaving worker's data.
type MovePolicy struct {
	// PersistRetry is how long after asking Alluxio to persist a victim's
	// files it is asked again, if they are still not persisted.
	PersistRetry time.Duration
	// RecacheTimeout bounds Recaching; after it the victim leaves cold.
	RecacheTimeout time.Duration
}

// Moves is what is known of moving one victim's data.
type Moves struct {
	// PersistAskedAt is when Alluxio was last asked to persist its files.
	PersistAskedAt time.Time
	// ToRecache is how many bytes of the persisted files a drained
	// worker caches are to be cached again (policy and free capacity
	// applied). Looked at only when the victim drains with re-caching on.
	ToRecache int64
	// RecacheUnplanned says why what to re-cache could not be learned
	// (the worker's listing failed): it is learned again while
	// Recaching, within recacheTimeout.
	RecacheUnplanned string
	// Recache is how far Recaching got.
	Recache RecacheProgress
}

// RecacheProgress is how far a victim's re-cache got.
type RecacheProgress struct {
	// Target is the bytes to move, Moved those moved so far.
	Target, Moved int64
	// Done: every planned file was cached again, or tried.
	Done bool
	// Failed counts the files that could not be cached again.
	Failed int
	// Err says why the last batch failed; it is retried.
	Err string
}

// drainedExit is where a drained victim goes: Recaching when some of its
// data is to be cached again (or what could not be learned yet), else out.
func drainedExit(f Facts, why string) Decision {
	m := f.Moves
	switch {
	case m.RecacheUnplanned != "":
		return Decision{Event: Recache, Reason: string(Recaching),
			Message: why + "; caching its files again on the workers that stay (listing them failed, retried: " + m.RecacheUnplanned + ")"}
	case m.ToRecache > 0:
		return Decision{Event: Recache, Reason: string(Recaching),
			Message: fmt.Sprintf("%s; caching %s of its files again on the workers that stay", why, Bytes(m.ToRecache))}
	}
	return Decision{Event: Drained, Reason: string(Scaled), Message: why}
}

// decideRecaching: a drained worker whose files are being cached again
// leaves once that is done, or cold once recacheTimeout has passed.
func decideRecaching(f Facts, p Policy) Decision {
	r := f.Moves.Recache
	progress := fmt.Sprintf("re-cached %s of %s on the workers that stay", Bytes(r.Moved), Bytes(r.Target))
	if r.Failed > 0 {
		progress += fmt.Sprintf(" (%d files could not be cached again)", r.Failed)
	}
	switch {
	case f.Worker.Live:
		return relisted
	case f.Worker.Lost:
		return decideLost(f, p)
	case r.Done:
		return Decision{Event: Recached, Reason: string(Scaled), Message: progress}
	case elapsed(f.Now, f.Since) > p.Moves.RecacheTimeout:
		return Decision{Event: RecacheTimeout, Reason: RecacheTimedOutReason, Message: fmt.Sprintf(
			"%s within recacheTimeout %s; it leaves with the rest not cached again (still readable from the under store)", progress, p.Moves.RecacheTimeout)}
	}
	if r.Err != "" {
		progress += "; the last batch failed and is retried: " + r.Err
	}
	return Decision{Reason: string(Recaching), Message: progress, Work: RecacheBatch}
}

// withWork adds the persist request to a victim that waits holding
// unpersisted data: at the first wait, and again each persistRetry.
func withWork(d Decision, f Facts, p Policy) Decision {
	if !d.Waiting() || f.Wanted || f.Forced || !f.Observed || f.Unpersisted == "" {
		return d
	}
	asked := f.Moves.PersistAskedAt
	if asked.IsZero() || elapsed(f.Now, asked) >= p.Moves.PersistRetry {
		d.Work, asked = AskPersist, f.Now
	}
	d.Message += "; Alluxio was asked to persist them at " + clock(asked)
	return d
}

// IsDrained reports whether the victim counts as drained: decommissioned,
// clients refreshed, quiet for the quiet period, nothing unpersisted.
func IsDrained(f Facts, p Policy) bool {
	drained, _ := drainedOrWhy(f, p)
	return drained
}

// TargetOf is the state event e leads to.
func TargetOf(e Event) State {
	for _, t := range Table {
		if t.Event == e {
			return t.Dst
		}
	}
	return ""
}

// Bytes prints a byte count for messages, in binary units: 3.0MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
