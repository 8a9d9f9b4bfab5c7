package scalein

import (
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// Two controllers elect a leader; the leader dies mid-drain; the other
// takes over from the pods' records and finishes the scale-in.
func TestStandbyFinishesTheScaleInWhenTheLeaderDies(t *testing.T) {
	f := newFixture(t, nil)
	f.stopController() // this test runs its own pair
	start := func() *framework.Manager {
		m, err := framework.StartManager(env.Config, framework.ManagerOptions{
			Gates:                   f.gates,
			Connector:               alluxio.ClusterConnector{Executor: &emulators, HTTP: framework.HTTPClient()},
			Logger:                  logr.New(f.logs),
			LeaderElectionNamespace: f.ns,
		})
		f.g.Expect(err).NotTo(HaveOccurred())
		t.Cleanup(func() { _ = m.Stop() })
		return m
	}
	leader := start()
	f.g.Eventually(leader.Elected(), long).Should(BeClosed())
	standby := start()
	f.g.Consistently(standby.Elected(), time.Second).ShouldNot(BeClosed())

	f.createRuntime(3)
	f.waitReady(3)
	h := f.record()
	victim, _ := f.pod("cache-worker-2")
	f.emu.SetBusy(victim.Status.PodIP, 30000, true)
	f.scaleTo(2)
	f.waitPodState("cache-worker-2", "Draining")

	f.g.Expect(leader.Stop()).To(Succeed())
	f.g.Eventually(standby.Elected(), long).Should(BeClosed(), "the standby takes the lease")
	f.emu.SetBusy(victim.Status.PodIP, 30000, false)
	f.waitScaled(2)
	_, podStates, deletedBusy := h.snapshot()
	f.g.Expect(podStates["cache-worker-2"]).To(Equal([]string{"Decommissioning", "Draining", "Scaled"}))
	f.g.Expect(deletedBusy).To(BeEmpty())
	f.g.Expect(f.emu.Violations()).To(BeEmpty())
}
