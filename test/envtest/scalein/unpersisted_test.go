package scalein

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// A file whose only copy is in a victim's cache holds the victim before
// any decommission: the controller asks Alluxio to persist it (it would
// otherwise wait 30 s for Alluxio's own persistence), and the worker is
// decommissioned only once the file is persisted; nothing is lost.
func TestUnpersistedDataIsPersistedBeforeTheVictimIsDecommissioned(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(2)
	f.waitReady(2)
	victim, _ := f.pod("cache-worker-1")
	f.emu.WriteFile("/logs/today", victim.Status.PodIP, 30000, 3<<20, false)
	f.scaleTo(1)
	f.waitScaled(1)

	var persisted, decommissioned time.Time
	for _, e := range f.emu.Record() {
		switch {
		case e.Kind == emulator.EventFilePersisted && e.Path == "/logs/today" && persisted.IsZero():
			persisted = e.Time
		case e.Kind == emulator.EventWorkerDecommissioned && e.Host == victim.Status.PodIP && decommissioned.IsZero():
			decommissioned = e.Time
		}
	}
	f.g.Expect(persisted).NotTo(BeZero(), "Alluxio was asked to persist the victim's only copy")
	f.g.Expect(decommissioned).NotTo(BeZero())
	f.g.Expect(persisted.Before(decommissioned)).To(BeTrue(), "persisted at %s, decommissioned at %s", persisted, decommissioned)
	f.g.Expect(f.emu.LostFiles()).To(BeEmpty())
	f.g.Expect(f.emu.Violations()).To(BeEmpty())
}
