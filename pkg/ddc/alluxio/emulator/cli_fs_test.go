package emulator

import (
	"testing"

	. "github.com/onsi/gomega"
)

const noMetadataCache = "-Dalluxio.user.metadata.cache.enabled=false"

func decommissionAndWait(t *testing.T, c *Cluster, w Worker) {
	t.Helper()
	if r := decommission(c, "--addresses", w.Address(), "--wait", "0s"); r.code != 0 {
		t.Fatalf("decommission: %s", r)
	}
	waitFor(t, "decommissioned", func() bool { return state(c, w) == WorkerDecommissioned })
}

func TestPersistMakesTheFilesPersistedAtOnce(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	w := addWorker(t, c, "127.0.0.11")
	c.WriteFile("/d/a", w.Host, w.WebPort, 100, false)
	c.WriteFile("/d/b", w.Host, w.WebPort, 100, false)
	c.WriteFile("/d/c", w.Host, w.WebPort, 100, true)

	r := runCLI(c, "fs", noMetadataCache, "persist", "-p", "8", "-t", "60000", "/d/a", "/d/b", "/d/c")

	g.Expect(r.code).To(Equal(0), r.String())
	g.Expect(lines(r.stdout)).To(Equal([]string{
		"Found 2 files to persist.",
		"(1/2) Successfully persisted file: /d/a",
		"(2/2) Successfully persisted file: /d/b",
	}))
	g.Expect(c.FilesToBePersisted()).To(Equal(0))
	c.RemoveWorker(w.Host, w.WebPort)
	g.Expect(c.Violations()).To(BeEmpty())
}

func TestPersistAgainFindsNothingToPersist(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	w := addWorker(t, c, "127.0.0.11")
	c.WriteFile("/d/a", w.Host, w.WebPort, 100, false)
	runCLI(c, "fs", "persist", "/d/a")

	r := runCLI(c, "fs", "persist", "/d/a")

	g.Expect(r.code).To(Equal(0), r.String())
	g.Expect(r.stdout).To(Equal("Found 0 files to persist.\n"))
}

func TestPersistWithAMissingPathPersistsNothing(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	w := addWorker(t, c, "127.0.0.11")
	c.WriteFile("/d/a", w.Host, w.WebPort, 100, false)

	r := runCLI(c, "fs", "persist", "/d/gone", "/d/a")

	g.Expect(r.code).To(Equal(255))
	g.Expect(r.stdout).To(Equal("Path \"/d/gone\" does not exist.\n"))
	g.Expect(c.FilesToBePersisted()).To(Equal(1))
}

func TestLoadAfterDecommissionCachesOnTheFreestLiveWorker(t *testing.T) {
	g := NewWithT(t)
	cfg := fastConfig("2.9.6")
	cfg.WorkerCapacityBytes = 10 << 20
	c := newCluster(t, cfg)
	victim, busy, free := addWorker(t, c, "127.0.0.11"), addWorker(t, c, "127.0.0.12"), addWorker(t, c, "127.0.0.13")
	c.WriteFile("/d/a", victim.Host, victim.WebPort, 3<<20, true)
	c.WriteFile("/other", busy.Host, busy.WebPort, 4<<20, true)
	decommissionAndWait(t, c, victim)

	r := runCLI(c, "fs", "-Dalluxio.user.ufs.block.read.location.policy=x", "load", "/d/a")

	g.Expect(r.code).To(Equal(0), r.String())
	g.Expect(r.stdout).To(Equal("/d/a loaded\n"))
	onFree, _ := c.Worker(free.Host, free.WebPort)
	g.Expect(onFree.CachedFiles).To(Equal([]string{"/d/a"}))
	g.Expect(onFree.UsedBytes).To(Equal(int64(3 << 20)))
	onVictim, _ := c.Worker(victim.Host, victim.WebPort)
	g.Expect(onVictim.CachedFiles).To(Equal([]string{"/d/a"}), "the leaving worker keeps its copy until it goes")
	g.Expect(runCLI(c, "fs", "load", "/d/a").stdout).To(Equal("/d/a already in Alluxio fully\n"))
}

func TestLoadBeforeDecommissionFindsTheFileFullyInAlluxio(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	victim, other := addWorker(t, c, "127.0.0.11"), addWorker(t, c, "127.0.0.12")
	c.WriteFile("/d/a", victim.Host, victim.WebPort, 100, true)

	r := runCLI(c, "fs", "load", "/d/a")

	g.Expect(r.code).To(Equal(0), r.String())
	g.Expect(r.stdout).To(Equal("/d/a already in Alluxio fully\n"))
	s, _ := c.Worker(other.Host, other.WebPort)
	g.Expect(s.CachedFiles).To(BeEmpty())
}

func TestLoadLoadsOnlyTheFirstPathAndWholeDirectories(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	victim, other := addWorker(t, c, "127.0.0.11"), addWorker(t, c, "127.0.0.12")
	for _, p := range []string{"/d/a", "/d/b", "/e"} {
		c.WriteFile(p, victim.Host, victim.WebPort, 100, true)
	}
	decommissionAndWait(t, c, victim)

	g.Expect(runCLI(c, "fs", "load", "/e", "/d/a").stdout).To(Equal("/e loaded\n"))
	g.Expect(runCLI(c, "fs", "load", "/d").stdout).To(Equal("/d/a loaded\n/d/b loaded\n"))

	s, _ := c.Worker(other.Host, other.WebPort)
	g.Expect(s.CachedFiles).To(Equal([]string{"/d/a", "/d/b", "/e"}))
}

func TestLoadOfAnUnpersistedFileLeftOnlyOnTheLeavingWorkerFails(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	victim, _ := addWorker(t, c, "127.0.0.11"), addWorker(t, c, "127.0.0.12")
	c.WriteFile("/d/a", victim.Host, victim.WebPort, 100, false)
	decommissionAndWait(t, c, victim)

	r := runCLI(c, "fs", "load", "/d/a")

	g.Expect(r.code).To(Equal(255))
	g.Expect(r.stdout).To(MatchRegexp(`^Block [0-9,]+ is unavailable in both Alluxio and UFS.\n$`))
	c.RemoveWorker(victim.Host, victim.WebPort)
	g.Expect(c.LostFiles()).To(Equal([]string{"/d/a"}))
	g.Expect(c.Violations()).To(HaveLen(1))
}

func TestLoadNeverFillsALiveWorkerPastItsCapacity(t *testing.T) {
	g := NewWithT(t)
	cfg := fastConfig("2.9.6")
	cfg.WorkerCapacityBytes = 1 << 20
	c := newCluster(t, cfg)
	victim, other := addWorker(t, c, "127.0.0.11"), addWorker(t, c, "127.0.0.12")
	c.WriteFile("/d/a", victim.Host, victim.WebPort, 600<<10, true)
	c.WriteFile("/d/b", other.Host, other.WebPort, 600<<10, false)
	decommissionAndWait(t, c, victim)

	r := runCLI(c, "fs", "load", "/d/a")

	g.Expect(r.code).To(Equal(255), r.String())
	s, _ := c.Worker(other.Host, other.WebPort)
	g.Expect(s.CachedFiles).To(Equal([]string{"/d/b"}))
}

func TestLoadOfAMissingPathFails(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.6"))
	addWorker(t, c, "127.0.0.11")

	r := runCLI(c, "fs", "load", "/nothing")

	g.Expect(r.code).To(Equal(255))
	g.Expect(r.stdout).To(Equal("Path \"/nothing\" does not exist.\n"))
}
