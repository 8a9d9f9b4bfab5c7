package drainfsm

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestDecideDataMoves(t *testing.T) {
	p := policy
	p.Moves = MovePolicy{PersistRetry: time.Minute, RecacheTimeout: 5 * time.Minute}
	drained := Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(2 * time.Minute), Observed: true}
	withMoves := func(f Facts, m Moves) Facts { f.Moves = m; return f }
	recaching := func(since time.Duration, r RecacheProgress) Facts {
		return Facts{State: Recaching, Now: at(since), Since: t0, DecommissionedAt: t0, IdleSince: t0, Observed: true, Moves: Moves{Recache: r}}
	}
	cases := []struct {
		name        string
		facts       Facts
		wantEvent   Event
		wantReason  string
		wantMessage string
		wantWork    Action
	}{
		{name: "pending victim holding unpersisted data asks Alluxio to persist it",
			facts:      Facts{State: Pending, Now: t0, Observed: true, Worker: live, SlotFree: true, Unpersisted: "3 files"},
			wantReason: "UnpersistedData", wantMessage: "Alluxio was asked to persist them at 12:00:00Z", wantWork: AskPersist},
		{name: "asked less than the retry ago: waits without asking again",
			facts:      Facts{State: Pending, Now: at(59 * time.Second), Observed: true, Worker: live, SlotFree: true, Unpersisted: "3 files", Moves: Moves{PersistAskedAt: t0}},
			wantReason: "UnpersistedData", wantMessage: "Alluxio was asked to persist them at 12:00:00Z", wantWork: NoAction},
		{name: "asked the retry ago: asks again",
			facts:      Facts{State: Pending, Now: at(time.Minute), Observed: true, Worker: live, SlotFree: true, Unpersisted: "3 files", Moves: Moves{PersistAskedAt: t0}},
			wantReason: "UnpersistedData", wantMessage: "Alluxio was asked to persist them at 12:01:00Z", wantWork: AskPersist},
		{name: "draining victim written to asks too",
			facts:      withMoves(Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(2 * time.Minute), Observed: true, Unpersisted: "1 files"}, Moves{}),
			wantReason: "UnpersistedData", wantWork: AskPersist},
		{name: "a forced victim asks nothing",
			facts:     Facts{State: Draining, Now: t0, Observed: true, Forced: true, Unpersisted: "1 files"},
			wantEvent: Force, wantWork: NoAction},
		{name: "drained with files to re-cache goes to Recaching",
			facts:     withMoves(drained, Moves{ToRecache: 8 << 20}),
			wantEvent: Recache, wantReason: "Recaching", wantMessage: "caching 8.0MiB of its files again"},
		{name: "drained with nothing to re-cache leaves",
			facts:     drained,
			wantEvent: Drained, wantReason: "Scaled"},
		{name: "drained whose files could not be listed re-caches, learning them again",
			facts:     withMoves(drained, Moves{RecacheUnplanned: "connection refused"}),
			wantEvent: Recache, wantMessage: "connection refused"},
		{name: "timed out with Wait, then drained, re-caches too",
			facts:     withMoves(Facts{State: TimedOut, Now: at(13 * time.Minute), DecommissionedAt: t0, IdleSince: at(12 * time.Minute), Observed: true}, Moves{ToRecache: 1}),
			wantEvent: Recache},
		{name: "re-caching waits, with its progress, and asks for the next batch",
			facts:      recaching(time.Minute, RecacheProgress{Target: 8 << 20, Moved: 3 << 20}),
			wantReason: "Recaching", wantMessage: "re-cached 3.0MiB of 8.0MiB on the workers that stay", wantWork: RecacheBatch},
		{name: "re-caching done leaves",
			facts:     recaching(time.Minute, RecacheProgress{Target: 8 << 20, Moved: 8 << 20, Done: true}),
			wantEvent: Recached, wantReason: "Scaled", wantMessage: "re-cached 8.0MiB of 8.0MiB"},
		{name: "re-caching past recacheTimeout leaves cold",
			facts:     recaching(5*time.Minute+time.Second, RecacheProgress{Target: 8 << 20, Moved: 3 << 20, Err: "exit status 1"}),
			wantEvent: RecacheTimeout, wantReason: "RecacheTimedOut", wantMessage: "within recacheTimeout 5m0s; it leaves with the rest not cached again"},
		{name: "re-caching worker listed live again is decommissioned again",
			facts:     func() Facts { f := recaching(time.Minute, RecacheProgress{}); f.Worker = live; return f }(),
			wantEvent: Relisted},
		{name: "re-caching victim wanted again is cancelled",
			facts:     func() Facts { f := recaching(time.Minute, RecacheProgress{}); f.Wanted = true; return f }(),
			wantEvent: Cancel, wantReason: "Cancelled"},
		{name: "re-caching victim forced leaves",
			facts:     func() Facts { f := recaching(time.Minute, RecacheProgress{}); f.Forced = true; return f }(),
			wantEvent: Force},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			d := Decide(tc.facts, p)
			g.Expect(d.Event).To(Equal(tc.wantEvent))
			if tc.wantReason != "" {
				g.Expect(d.Reason).To(Equal(tc.wantReason))
			}
			g.Expect(d.Message).To(ContainSubstring(tc.wantMessage))
			if tc.wantWork == "" {
				tc.wantWork = NoAction
			}
			if d.Work == "" {
				d.Work = NoAction
			}
			g.Expect(d.Work).To(Equal(tc.wantWork))
			if d.Event != "" {
				g.Expect(Can(tc.facts.State, d.Event)).To(BeTrue(), "Decide must only pick legal events")
			}
		})
	}
}

func TestBytesAreShownInBinaryUnits(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Bytes(512)).To(Equal("512B"))
	g.Expect(Bytes(3 << 20)).To(Equal("3.0MiB"))
	g.Expect(Bytes(3<<30 + 512<<20)).To(Equal("3.5GiB"))
}
