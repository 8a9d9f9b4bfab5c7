package emulator

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestMasterInfoListsLiveAndLostWorkersButNeverDecommissionedOnes(t *testing.T) {
	for _, tc := range []struct {
		version               string
		liveState, lostState  string
		canDecommission       bool
		blockCountIsPublished bool
		// lostAmongWorkers: real 2.9.3 lists lost workers in "workers"
		// too; real 2.9.6 does not.
		lostAmongWorkers bool
		secureRPCPort    bool
	}{
		{version: "2.10.0", liveState: "ACTIVE", lostState: "LOST", canDecommission: true, blockCountIsPublished: true, secureRPCPort: true},
		{version: "2.9.6", liveState: "ACTIVE", lostState: "LOST", canDecommission: true, blockCountIsPublished: true},
		{version: "2.9.3", liveState: "In Service", lostState: "Out of Service", blockCountIsPublished: true, lostAmongWorkers: true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(tc.version))
			live := addWorker(t, c, "127.0.3.1")
			lost := addWorker(t, c, "127.0.3.2")
			c.RemoveWorker(lost.Host, lost.WebPort)
			if tc.canDecommission {
				gone := addWorker(t, c, "127.0.3.3")
				g.Expect(decommission(c, "-a", gone.Address()).code).To(Equal(ExitOK))
			}

			info := masterInfo(t, c)

			g.Expect(info["version"]).To(Equal(tc.version))
			if tc.lostAmongWorkers {
				g.Expect(hosts(info["workers"])).To(Equal([]string{live.Host, lost.Host}))
			} else {
				g.Expect(hosts(info["workers"])).To(Equal([]string{live.Host}))
			}
			g.Expect(hosts(info["lostWorkers"])).To(Equal([]string{lost.Host}))
			w := info["workers"].([]any)[0].(map[string]any)
			g.Expect(w).To(HaveKey("id"))
			g.Expect(w).To(HaveKeyWithValue("state", tc.liveState))
			g.Expect(w).To(HaveKeyWithValue("lastContactSec", BeNumerically("==", 0)))
			g.Expect(w).To(HaveKeyWithValue("capacityBytes", BeNumerically("==", DefaultWorkerCapacityBytes)))
			g.Expect(w).To(HaveKeyWithValue("usedBytes", BeNumerically("==", 0)))
			if tc.blockCountIsPublished {
				g.Expect(w).To(HaveKey("blockCount"))
			} else {
				g.Expect(w).NotTo(HaveKey("blockCount"))
			}
			g.Expect(w["address"]).To(And(
				HaveKeyWithValue("host", live.Host),
				HaveKeyWithValue("rpcPort", BeNumerically("==", 29999)),
				HaveKeyWithValue("webPort", BeNumerically("==", live.WebPort)),
				HaveKey("dataPort"), HaveKey("domainSocketPath"), HaveKey("tieredIdentity"),
			))
			if tc.secureRPCPort {
				g.Expect(w["address"]).To(HaveKey("secureRpcPort"))
			} else {
				g.Expect(w["address"]).NotTo(HaveKey("secureRpcPort"))
			}
			l := info["lostWorkers"].([]any)[0].(map[string]any)
			g.Expect(l).To(HaveKeyWithValue("state", tc.lostState))
		})
	}
}

func TestUsedBytesStayFrozenAfterDecommission(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.3.4")
	c.WriteFile("/a", w.Host, w.WebPort, 4096, true)
	g.Expect(decommission(c, "-a", w.Address()).code).To(Equal(ExitOK))

	c.WriteFile("/a", "127.0.3.99", 1, 4096, true) // the file's blocks move elsewhere

	snap, _ := c.Worker(w.Host, w.WebPort)
	g.Expect(snap.UsedBytes).To(BeNumerically("==", 4096), "Alluxio does not update usedBytes after decommission")
	g.Expect(snap.CachedFiles).To(BeEmpty())
}
