package drainfsm

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
)

var allEvents = []Event{Decommission, Decommissioned, Drained, Recache, Recached, RecacheTimeout, NothingToDrain, Timeout, Force, Fail, Retry, Cancel, Reappeared, Relisted}

// legal is the specification of the machine: every allowed move. Every
// state/event pair not listed here must be refused.
var legal = map[State]map[Event]State{
	Pending:         {Decommission: Decommissioning, NothingToDrain: Scaled, Timeout: TimedOut, Force: Scaled, Fail: Failed, Cancel: Cancelled},
	Decommissioning: {Decommissioned: Draining, NothingToDrain: Scaled, Timeout: TimedOut, Force: Scaled, Fail: Failed, Cancel: Cancelled},
	Draining:        {Drained: Scaled, Recache: Recaching, NothingToDrain: Scaled, Timeout: TimedOut, Force: Scaled, Relisted: Decommissioning, Cancel: Cancelled},
	Recaching:       {Recached: Scaled, RecacheTimeout: Scaled, NothingToDrain: Scaled, Force: Scaled, Relisted: Decommissioning, Cancel: Cancelled},
	TimedOut:        {Decommissioned: Draining, Drained: Scaled, Recache: Recaching, NothingToDrain: Scaled, Force: Scaled, Relisted: Decommissioning, Cancel: Cancelled},
	Failed:          {Force: Scaled, Retry: Pending, Cancel: Cancelled},
	Scaled:          {Cancel: Cancelled, Reappeared: Pending},
	Cancelled:       {},
}

func TestEveryLegalMoveIsTakenAndEveryOtherRefused(t *testing.T) {
	for _, from := range States {
		for _, e := range allEvents {
			want, ok := legal[from][e]
			t.Run(string(from)+"/"+string(e), func(t *testing.T) {
				g := NewWithT(t)
				got, err := Fire(context.Background(), from, e)
				if ok {
					g.Expect(err).NotTo(HaveOccurred())
					g.Expect(got).To(Equal(want))
					g.Expect(Can(from, e)).To(BeTrue())
					return
				}
				g.Expect(err).To(HaveOccurred(), "illegal move must be refused")
				g.Expect(err.Error()).To(ContainSubstring(string(from)))
				g.Expect(got).To(Equal(from), "a refused event leaves the state unchanged")
				g.Expect(Can(from, e)).To(BeFalse())
			})
		}
	}
}

func TestFinishedStatesReleaseTheFinalizer(t *testing.T) {
	g := NewWithT(t)
	for _, s := range States {
		g.Expect(s.Finished()).To(Equal(s == Scaled || s == Cancelled), string(s))
	}
}

func TestParseState(t *testing.T) {
	g := NewWithT(t)
	for _, s := range States {
		got, err := ParseState(string(s))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got).To(Equal(s))
	}
	_, err := ParseState("Sleeping")
	g.Expect(err).To(MatchError(ContainSubstring(`unknown scale-in state "Sleeping"`)))
}
