package drainfsm

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

var (
	t0     = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	policy = Policy{DrainTimeout: 10 * time.Minute, OnDrainTimeout: WaitOnTimeout, QuietPeriod: 20 * time.Second, RefreshInterval: 2 * time.Minute}
	live   = Worker{Live: true}
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestDecide(t *testing.T) {
	forcePolicy := policy
	forcePolicy.OnDrainTimeout = ForceOnTimeout
	cases := []struct {
		name        string
		facts       Facts
		policy      Policy
		wantEvent   Event
		wantReason  string
		wantMessage string
	}{
		{name: "pending with a free slot is decommissioned",
			facts:     Facts{State: Pending, Now: t0, Observed: true, Worker: live, SlotFree: true},
			wantEvent: Decommission, wantReason: "Decommissioning"},
		{name: "pending without a slot waits",
			facts:      Facts{State: Pending, Now: t0, Observed: true, Worker: live},
			wantReason: "Pending", wantMessage: "maxConcurrent"},
		{name: "pending worker that never registered has nothing to drain",
			facts:     Facts{State: Pending, Now: t0, Observed: true, SlotFree: true, Worker: Worker{NeverRegistered: true}},
			wantEvent: NothingToDrain, wantReason: "Scaled", wantMessage: "never registered"},
		// A master that restarted after the pod lists no worker until they
		// register again: absent from one listing is no evidence.
		{name: "pending worker merely absent from the master's list waits for it to register",
			facts:      Facts{State: Pending, Now: at(time.Minute), Since: t0, Observed: true, SlotFree: true},
			wantReason: "WorkerUnregistered", wantMessage: "may hold data"},
		{name: "pending worker absent from the list past drainTimeout times out",
			facts:     Facts{State: Pending, Now: at(11 * time.Minute), Since: t0, Observed: true, SlotFree: true},
			wantEvent: Timeout, wantReason: "TimedOut"},
		{name: "lost worker still seen holding unpersisted data is held",
			facts:      Facts{State: Pending, Now: t0, Observed: true, Worker: Worker{Lost: true}, Unpersisted: "2 files"},
			wantReason: "UnpersistedData", wantMessage: "2 files"},
		{name: "lost worker that cannot be asked has nothing to drain",
			facts:     Facts{State: Draining, Now: t0, DecommissionedAt: t0, Observed: true, Worker: Worker{Lost: true}, UnpersistedErr: "connection refused"},
			wantEvent: NothingToDrain},
		{name: "pending worker whose data could not be checked waits, with its own reason",
			facts:      Facts{State: Pending, Now: t0, Observed: true, Worker: live, SlotFree: true, UnpersistedErr: "connection refused"},
			wantReason: "UnpersistedUnchecked", wantMessage: "connection refused"},
		{name: "draining worker listed as live again is decommissioned again",
			facts:     Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(2 * time.Minute), Observed: true, Worker: live},
			wantEvent: Relisted, wantReason: "Decommissioning"},
		{name: "timed out while decommissioning, then dropped by the master: drains",
			facts:     Facts{State: TimedOut, Now: at(12 * time.Minute), Since: at(11 * time.Minute), Observed: true},
			wantEvent: Decommissioned, wantReason: "Draining"},
		{name: "timed out while decommissioning and still live: waits while the decommission is retried",
			facts:      Facts{State: TimedOut, Now: at(12 * time.Minute), Since: at(11 * time.Minute), Observed: true, Worker: live},
			wantReason: "TimedOut", wantMessage: "retried"},
		{name: "timed out, decommissioned, listed as live again: decommissioned again",
			facts:     Facts{State: TimedOut, Now: at(12 * time.Minute), DecommissionedAt: t0, Observed: true, Worker: live},
			wantEvent: Relisted},
		{name: "timed out before decommission is never drained on a zero decommission time",
			facts:      Facts{State: TimedOut, Now: at(12 * time.Minute), IdleSince: at(11 * time.Minute), Observed: true, Worker: live},
			wantReason: "TimedOut"},
		{name: "forced pending victim leaves while the master does not answer",
			facts:     Facts{State: Pending, Now: t0, Forced: true},
			wantEvent: Force, wantReason: "Forced"},
		{name: "forced pending victim the master does not list leaves",
			facts:     Facts{State: Pending, Now: t0, Forced: true, Observed: true},
			wantEvent: Force},
		{name: "pending worker lost by the master has nothing to drain",
			facts:     Facts{State: Pending, Now: t0, Observed: true, Worker: Worker{Lost: true}},
			wantEvent: NothingToDrain, wantMessage: "lost"},
		{name: "old Alluxio fails with the reason",
			facts:     Facts{State: Pending, Now: t0, Observed: true, Worker: live, SlotFree: true, Unsupported: "Alluxio 2.9.3 cannot decommission"},
			wantEvent: Fail, wantReason: "DecommissionUnsupported", wantMessage: "2.9.3"},
		{name: "decommissioning, still live, waits",
			facts:      Facts{State: Decommissioning, Now: at(time.Second), Since: t0, Observed: true, Worker: live},
			wantReason: "Decommissioning", wantMessage: "still lists it as live"},
		{name: "decommissioning, off the live list, drains",
			facts:     Facts{State: Decommissioning, Now: at(time.Second), Since: t0, Observed: true},
			wantEvent: Decommissioned, wantReason: "Draining"},
		{name: "decommissioning past the timeout times out",
			facts:     Facts{State: Decommissioning, Now: at(11 * time.Minute), Since: t0, Observed: true, Worker: live},
			wantEvent: Timeout, wantReason: "TimedOut"},
		{name: "draining, busy",
			facts:      Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, Observed: true, Worker: Worker{OperationCount: 17}},
			wantReason: "Draining", wantMessage: "17 operations in flight"},
		{name: "draining, idle but clients may not have refreshed",
			facts:      Facts{State: Draining, Now: at(time.Minute), DecommissionedAt: t0, IdleSince: t0, Observed: true},
			wantReason: "Draining", wantMessage: "worker list refreshes at 12:02:00Z (refresh interval 2m0s)"},
		{name: "draining, idle but not for the quiet period",
			facts:      Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(3*time.Minute - 12*time.Second), Observed: true},
			wantReason: "Draining", wantMessage: "idle since 12:02:48Z; drained at 12:03:08Z (quietPeriod 20s)"},
		{name: "draining, quiet long enough after the refresh: drained",
			facts:     Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(2 * time.Minute), Observed: true},
			wantEvent: Drained, wantReason: "Scaled"},
		{name: "draining, activity unknown is never drained",
			facts:      Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: t0, Observed: true, Worker: Worker{ActivityErr: "connection refused"}},
			wantReason: "Draining", wantMessage: "connection refused"},
		{name: "draining past the timeout times out",
			facts:     Facts{State: Draining, Now: at(11 * time.Minute), DecommissionedAt: t0, Observed: true, Worker: Worker{OperationCount: 1}},
			wantEvent: Timeout, wantReason: "TimedOut", wantMessage: "drainTimeout 10m0s"},
		{name: "timed out with Wait keeps waiting and says how to force",
			facts:      Facts{State: TimedOut, Now: at(12 * time.Minute), DecommissionedAt: t0, Observed: true, Worker: Worker{OperationCount: 1}},
			wantReason: "TimedOut", wantMessage: "scale-in-force"},
		{name: "timed out with Wait leaves once drained",
			facts:     Facts{State: TimedOut, Now: at(12 * time.Minute), DecommissionedAt: t0, IdleSince: at(11 * time.Minute), Observed: true},
			wantEvent: Drained},
		{name: "timed out with Force leaves",
			facts:     Facts{State: TimedOut, Now: at(12 * time.Minute), DecommissionedAt: t0, Observed: true, Worker: Worker{OperationCount: 1}},
			policy:    forcePolicy,
			wantEvent: Force, wantReason: "Forced"},
		{name: "force annotation skips the wait",
			facts:     Facts{State: Draining, Now: at(time.Second), DecommissionedAt: t0, Forced: true, Observed: true, Worker: Worker{OperationCount: 3}},
			wantEvent: Force, wantReason: "Forced", wantMessage: "scale-in-force"},
		{name: "force works even when the master does not answer",
			facts:     Facts{State: Draining, Now: at(time.Second), DecommissionedAt: t0, Forced: true},
			wantEvent: Force},
		{name: "force on a pending victim still decommissions first",
			facts:     Facts{State: Pending, Now: t0, Forced: true, Observed: true, Worker: live},
			wantEvent: Decommission},
		{name: "wanted again while Alluxio still routes to it: cancelled at once",
			facts:     Facts{State: Decommissioning, Now: t0, Wanted: true, Observed: true, Worker: live},
			wantEvent: Cancel, wantReason: "Cancelled"},
		{name: "wanted again while pending: cancelled at once",
			facts:     Facts{State: Pending, Now: t0, Wanted: true},
			wantEvent: Cancel},
		{name: "wanted again, decommissioned and busy: waits before restarting",
			facts:      Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, Wanted: true, Observed: true, Worker: Worker{OperationCount: 2}},
			wantReason: "Cancelling", wantMessage: "2 operations in flight"},
		{name: "wanted again, decommissioned, busy and forced: taken back at once as a forced exit",
			facts:     Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, Wanted: true, Forced: true, Observed: true, Worker: Worker{OperationCount: 2}},
			wantEvent: Cancel, wantReason: "Forced"},
		{name: "wanted again, Scaled and forced: taken back as any Scaled victim, nothing left to drain",
			facts:     Facts{State: Scaled, Now: t0, DecommissionedAt: t0, Wanted: true, Forced: true},
			wantEvent: Cancel, wantReason: "Cancelled"},
		{name: "wanted again, decommissioned and drained: cancelled",
			facts:     Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(2 * time.Minute), Wanted: true, Observed: true},
			wantEvent: Cancel},
		{name: "wanted again after it was Scaled: cancelled",
			facts:     Facts{State: Scaled, Now: t0, Wanted: true, Observed: true},
			wantEvent: Cancel},
		{name: "wanted again, the master already dropped it while decommissioning: record it first",
			facts:     Facts{State: Decommissioning, Now: t0, Wanted: true, Observed: true},
			wantEvent: Decommissioned, wantReason: "Cancelling"},
		{name: "master unreachable: wait, decide nothing",
			facts:      Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: t0},
			wantReason: "AlluxioUnreachable"},
		{name: "failed retries once decommission is supported",
			facts:     Facts{State: Failed, Now: t0, Observed: true, Worker: live},
			wantEvent: Retry},
		{name: "failed stays failed while unsupported",
			facts:      Facts{State: Failed, Now: t0, Observed: true, Worker: live, Unsupported: "upgrade"},
			wantReason: "DecommissionUnsupported"},
		{name: "pending with data only in its cache waits, whatever the slots",
			facts:      Facts{State: Pending, Now: t0, Observed: true, Worker: live, SlotFree: true, Unpersisted: "3 files (3072 bytes) exist only in its cache"},
			wantReason: "UnpersistedData", wantMessage: "3 files (3072 bytes)"},
		{name: "forced pending with unpersisted data is decommissioned anyway",
			facts:     Facts{State: Pending, Now: t0, Forced: true, Observed: true, Worker: live, Unpersisted: "3 files"},
			wantEvent: Decommission},
		{name: "unpersisted data that could not be checked is reported, not waited on",
			facts:     Facts{State: Pending, Now: t0, Observed: true, Worker: live, SlotFree: true, UnpersistedUnsupported: "404"},
			wantEvent: Decommission, wantMessage: "could not be checked: 404"},
		{name: "draining, idle long enough but data not persisted: not drained",
			facts:      Facts{State: Draining, Now: at(3 * time.Minute), DecommissionedAt: t0, IdleSince: at(2 * time.Minute), Observed: true, Unpersisted: "1 files"},
			wantReason: "UnpersistedData", wantMessage: "scale-in-force"},
		{name: "a worker with nothing to drain that registers after all goes back to Pending",
			facts:     Facts{State: Scaled, Now: t0, Observed: true, Worker: live},
			wantEvent: Reappeared, wantReason: "Pending"},
		{name: "a drained Scaled worker listed live again by a restarted master is decommissioned again",
			facts:     Facts{State: Scaled, Now: t0, DecommissionedAt: t0, Observed: true, Worker: live},
			wantEvent: Reappeared, wantReason: "Pending", wantMessage: "restarted master"},
		{name: "a worker forced out does not bounce back",
			facts:      Facts{State: Scaled, Now: t0, DecommissionedAt: t0, ForcedOut: true, Observed: true, Worker: live},
			wantReason: "Scaled"},
		{name: "finished victims take no event",
			facts:      Facts{State: Scaled, Now: t0, Forced: true, Observed: true},
			wantReason: "Scaled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			p := tc.policy
			if p == (Policy{}) {
				p = policy
			}
			d := Decide(tc.facts, p)
			g.Expect(d.Event).To(Equal(tc.wantEvent))
			if tc.wantReason != "" {
				g.Expect(d.Reason).To(Equal(tc.wantReason))
			}
			g.Expect(d.Message).To(ContainSubstring(tc.wantMessage))
			if d.Event != "" {
				g.Expect(Can(tc.facts.State, d.Event)).To(BeTrue(), "Decide must only pick legal events")
			}
		})
	}
}
