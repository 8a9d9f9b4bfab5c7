package alluxio

import (
	"context"
	"time"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

const (
	// defaultPersistRetry is how long after asking Alluxio to persist a
	// victim's files it is asked again: long enough for a large file to
	// reach the under store, short enough that a lost request is redone.
	defaultPersistRetry = time.Minute
	// defaultRecacheTimeout is spec.scaleIn.recacheTimeout's default.
	defaultRecacheTimeout = 5 * time.Minute
)

// movePolicy is the timing of data moves with defaults applied.
func movePolicy(s datav1alpha1.ScaleInPolicy) drainfsm.MovePolicy {
	return drainfsm.MovePolicy{PersistRetry: defaultPersistRetry, RecacheTimeout: durationOr(s.RecacheTimeout, defaultRecacheTimeout)}
}

// recacheOn reports whether drained workers' files are cached again.
func recacheOn(rt *datav1alpha1.AlluxioRuntime) bool {
	return rt.Spec.ScaleIn.Recache != datav1alpha1.RecacheOff
}

// recacheLimit is the most bytes cached again per leaving worker, and
// whether there is such a cap.
func recacheLimit(rt *datav1alpha1.AlluxioRuntime) (int64, bool) {
	q := rt.Spec.ScaleIn.RecacheLimit
	if q == nil {
		return 0, false
	}
	return max(q.Value(), 0), true
}

// decide is drainfsm.Decide with what is known of the victim's data. A
// victim that drains now is first asked which files it caches, so that
// one with nothing to move leaves without a Recaching step.
func (s *scaleIn) decide(ctx context.Context, v *victim, slotFree bool) drainfsm.Decision {
	f := s.withMoves(v, s.facts(v, slotFree))
	if s.mayPlanRecache(v, f) {
		s.planRecache(ctx, v)
		f = s.withMoves(v, f)
	}
	d := drainfsm.Decide(f, s.policy)
	s.countLeftBehind(v, d)
	return d
}

// moveObservation is what this reconcile learned of moving a victim's
// data; never stored.
type moveObservation struct {
	// toRecache: bytes planned to be cached again (when planned now);
	// recacheUnplanned: why the plan could not be made.
	toRecache        int64
	recacheUnplanned string
	// recacheErr: why this reconcile's batch failed (it is retried).
	recacheErr string
}

// withMoves adds the victim's data moves to its facts.
func (s *scaleIn) withMoves(v *victim, f drainfsm.Facts) drainfsm.Facts {
	m := drainfsm.Moves{PersistAskedAt: v.moves.persistAskedAt, ToRecache: v.mobs.toRecache, RecacheUnplanned: v.mobs.recacheUnplanned}
	if r := v.moves.recache; r != nil {
		m.Recache = drainfsm.RecacheProgress{Target: r.Target, Moved: r.Moved, Done: r.Done, Failed: r.Failed, Err: v.mobs.recacheErr}
	}
	f.Moves = m
	return f
}

// mayPlanRecache: a draining (or timed-out, waiting) victim that counts as
// drained now, with re-caching on, is planned.
func (s *scaleIn) mayPlanRecache(v *victim, f drainfsm.Facts) bool {
	switch {
	case v.state != drainfsm.Draining && v.state != drainfsm.TimedOut:
		return false
	case v.state == drainfsm.TimedOut && s.policy.OnDrainTimeout == drainfsm.ForceOnTimeout:
		return false
	case v.wanted || v.forced() || !s.observed() || v.obs.live || v.obs.lost || !recacheOn(s.rt):
		return false
	}
	return drainfsm.IsDrained(f, s.policy)
}

// moveData does the work the decisions ask for while victims wait:
// persist requests, then re-cache batches. A re-cache that finished in
// this reconcile is decided again at once, so the victim leaves with the
// same pod write that records the last batch.
func (s *scaleIn) moveData(ctx context.Context) error {
	if !s.observed() {
		return nil
	}
	for i := range s.pods {
		v := &s.pods[i]
		d, ok := s.decisions[v.name()]
		if !ok || v.wanted {
			continue
		}
		switch d.Work {
		case drainfsm.AskPersist:
			s.askPersist(ctx, v)
		case drainfsm.RecacheBatch:
			s.recacheBatch(ctx, v)
			d = s.decide(ctx, v, false)
			s.decisions[v.name()] = d
			if !d.Waiting() {
				if err := s.fire(ctx, v, d); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// countLeftBehind counts, when a re-caching victim leaves, the bytes of
// persisted files it cached that were not cached again.
func (s *scaleIn) countLeftBehind(v *victim, d drainfsm.Decision) {
	r := v.moves.recache
	if v.state != drainfsm.Recaching || d.Waiting() || r == nil {
		return
	}
	if drainfsm.TargetOf(d.Event) != drainfsm.Scaled {
		return
	}
	if left := r.Cached - r.Moved; left > 0 {
		bytesLeftBehind.WithLabelValues(s.rt.Namespace, s.rt.Name).Add(float64(left))
	}
}
