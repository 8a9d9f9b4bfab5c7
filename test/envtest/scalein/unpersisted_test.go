package scalein

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// A file whose only copy is in a victim's cache holds the victim, before
// any decommission, until it is persisted; nothing is lost.
func TestUnpersistedDataHoldsTheVictimUntilPersisted(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(2)
	f.waitReady(2)
	victim, _ := f.pod("cache-worker-1")
	f.emu.WriteFile("/logs/today", victim.Status.PodIP, 30000, 3<<20, false)
	f.scaleTo(1)
	f.g.Eventually(f.conditionText, long, 100*time.Millisecond).Should(And(HavePrefix("UnpersistedData"), ContainSubstring("1 files (3145728 bytes"), ContainSubstring("/logs/today")))
	f.g.Consistently(func() string { return f.podState("cache-worker-1") }, 2*time.Second, 200*time.Millisecond).Should(Equal("Pending"), "held before its decommission")

	f.emu.PersistAll()
	f.waitScaled(1)
	f.g.Expect(f.emu.LostFiles()).To(BeEmpty())
	f.g.Expect(f.emu.Violations()).To(BeEmpty())
}
