package drainfsm

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// Every wait that has no state of its own to time out into is still
// bounded by drainTimeout: with Wait the victim stays, saying so and
// naming the exact command that lets it go; with Force it leaves.
func TestEveryWaitIsBoundedByDrainTimeout(t *testing.T) {
	const force = "kubectl annotate pod hbase-worker-3 -n team-a data.fluid.io/scale-in-force=true"
	unsupported := "Alluxio 2.9.0 has no fsadmin decommissionWorker"
	waits := []struct {
		name   string
		facts  Facts
		reason string
	}{
		{"unsupported Alluxio (Failed)",
			Facts{State: Failed, Since: t0, Observed: true, Worker: live, Unsupported: unsupported}, DecommissionUnsupportedReason},
		{"pending, holding unpersisted data",
			Facts{State: Pending, Since: t0, Observed: true, Worker: live, SlotFree: true, Unpersisted: "3 files exist only in its cache"}, UnpersistedDataReason},
		{"pending, unpersisted data not checkable",
			Facts{State: Pending, Since: t0, Observed: true, Worker: live, SlotFree: true, UnpersistedErr: "connection refused"}, UnpersistedUncheckedReason},
		{"pending, lost by the master, holding unpersisted data",
			Facts{State: Pending, Since: t0, Observed: true, Worker: Worker{Lost: true}, Unpersisted: "3 files exist only in its cache"}, UnpersistedDataReason},
		{"pending, its address shared with another worker",
			Facts{State: Pending, Since: t0, Observed: true, Worker: live, SlotFree: true, SharedAddress: "another worker registered 10.0.0.1:30000"}, SharedAddressReason},
		{"pending, master unreachable",
			Facts{State: Pending, Since: t0, SlotFree: true}, AlluxioUnreachableReason},
		{"decommissioning, master unreachable",
			Facts{State: Decommissioning, Since: t0}, AlluxioUnreachableReason},
		{"draining, master unreachable",
			Facts{State: Draining, Since: at(time.Minute), DecommissionedAt: t0}, AlluxioUnreachableReason},
		{"failed, master unreachable",
			Facts{State: Failed, Since: t0}, AlluxioUnreachableReason},
		{"recaching, master unreachable",
			Facts{State: Recaching, Since: t0}, AlluxioUnreachableReason},
	}
	forcePolicy := policy
	forcePolicy.OnDrainTimeout = ForceOnTimeout
	for _, w := range waits {
		t.Run(w.name, func(t *testing.T) {
			g := NewWithT(t)
			f := w.facts
			f.Namespace, f.Pod = "team-a", "hbase-worker-3"

			f.Now = t0.Add(policy.DrainTimeout - time.Second)
			for _, p := range []Policy{policy, forcePolicy} {
				d := Decide(f, p)
				g.Expect(d.Waiting()).To(BeTrue(), "before drainTimeout (%s): %+v", p.OnDrainTimeout, d)
				g.Expect(d.Reason).To(Equal(w.reason))
			}

			f.Now = t0.Add(policy.DrainTimeout + time.Second)
			d := Decide(f, policy)
			g.Expect(d.Waiting()).To(BeTrue(), "Wait keeps waiting: %+v", d)
			g.Expect(d.Reason).To(Equal(w.reason))
			g.Expect(d.Message).To(ContainSubstring("drainTimeout 10m0s"))
			g.Expect(d.Message).To(ContainSubstring(force))

			d = Decide(f, forcePolicy)
			g.Expect(d.Event).To(Equal(Force), "Force lets it go: %+v", d)
			g.Expect(d.Reason).To(Equal(ForcedReason))
			g.Expect(d.Message).To(ContainSubstring("onDrainTimeout is Force"))
		})
	}
}

// A victim already timed out is overdue at once when the master stops
// answering: Force lets it go without waiting another drainTimeout.
func TestTimedOutVictimIsForcedWhileTheMasterDoesNotAnswer(t *testing.T) {
	g := NewWithT(t)
	forcePolicy := policy
	forcePolicy.OnDrainTimeout = ForceOnTimeout
	f := Facts{State: TimedOut, Since: t0, Now: at(time.Second), Namespace: "ns", Pod: "w-2"}
	g.Expect(Decide(f, forcePolicy).Event).To(Equal(Force))
	d := Decide(f, policy)
	g.Expect(d.Waiting()).To(BeTrue())
	g.Expect(d.Message).To(ContainSubstring("kubectl annotate pod w-2 -n ns data.fluid.io/scale-in-force=true"))
}

func TestForceCommand(t *testing.T) {
	g := NewWithT(t)
	g.Expect(ForceCommand("ns", "w-1")).To(Equal("kubectl annotate pod w-1 -n ns data.fluid.io/scale-in-force=true"))
	g.Expect(ForceCommand("", "")).To(Equal("kubectl annotate pod <pod> -n <namespace> data.fluid.io/scale-in-force=true"))
}

// On an Alluxio that cannot decommission, data only in the worker's cache
// is persisted before the victim stops in Failed.
func TestUnsupportedAlluxioPersistsBeforeFailing(t *testing.T) {
	g := NewWithT(t)
	f := Facts{State: Pending, Since: t0, Now: at(time.Minute), Observed: true, Worker: live, SlotFree: true,
		Unsupported: "Alluxio 2.9.0 has no fsadmin decommissionWorker", Unpersisted: "3 files exist only in its cache"}
	d := Decide(f, policy)
	g.Expect(d.Waiting()).To(BeTrue(), "%+v", d)
	g.Expect(d.Reason).To(Equal(UnpersistedDataReason))
	g.Expect(d.Work).To(Equal(AskPersist))
	f.Unpersisted = ""
	g.Expect(Decide(f, policy).Event).To(Equal(Fail))
}
