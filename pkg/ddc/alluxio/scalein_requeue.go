package alluxio

import (
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// requeueAfter is when a waiting scale-in is looked at again: at its poll
// interval, or sooner when a draining victim's refresh wait or quiet
// period ends sooner. Its decision is due then; waiting for the next
// poll would only add to the scale-in. Looking earlier never lets a
// victim go sooner than drainfsm allows: it decides again on what it
// sees then.
func (s *scaleIn) requeueAfter() time.Duration {
	after := pollInterval(s.rt)
	now := s.r.Clock.Now()
	for _, v := range s.pods {
		if v.state != drainfsm.Draining || v.decommissionedAt.IsZero() {
			continue
		}
		due := v.decommissionedAt.Add(s.policy.RefreshInterval)
		if !v.idleSince.IsZero() {
			due = latest(due, v.idleSince.Add(s.policy.QuietPeriod))
		}
		if wait := due.Sub(now); wait > 0 && wait < after {
			after = wait
		}
	}
	return after
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
