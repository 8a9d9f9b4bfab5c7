package operations

import (
	"context"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// liveWorkersInfo is a master with live workers of 32 MiB and the given
// used bytes.
func liveWorkersInfo(used ...int64) string {
	var ws []string
	for i, u := range used {
		ws = append(ws, fmt.Sprintf(`{"id":%d,"address":{"host":"10.0.0.%d","rpcPort":29999,"webPort":30000},"state":"ACTIVE","capacityBytes":%d,"usedBytes":%d}`, i, i+1, 32<<20, u))
	}
	return fmt.Sprintf(`{"version":"2.9.6","workers":[%s],"lostWorkers":[]}`, strings.Join(ws, ","))
}

func loadedPaths(calls [][]string) []string {
	var out []string
	for _, argv := range calls {
		out = append(out, argv[len(argv)-1])
	}
	return out
}

func TestRecacheLoadsEachFileOnTheFreestWorker(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, 200, liveWorkersInfo(0, 0))
	exec := &fakeExecutor{}
	c := newTestClient(t, master.URL, exec)

	got, err := c.Recache(context.Background(), []CachedFile{
		{Path: "/data/a", Bytes: 3 << 20, Persisted: true},
		{Path: "/data/b", Bytes: 1 << 20, Persisted: true},
	})

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(Recached{Files: 2, Bytes: 4 << 20}))
	// Loads run side by side: in no particular order.
	g.Expect(exec.Calls()).To(ConsistOf(
		[]string{"alluxio", "fs", "-Dalluxio.user.ufs.block.read.location.policy=alluxio.client.block.policy.MostAvailableFirstPolicy", "load", "/data/a"},
		[]string{"alluxio", "fs", "-Dalluxio.user.ufs.block.read.location.policy=alluxio.client.block.policy.MostAvailableFirstPolicy", "load", "/data/b"},
	))
}

func TestRecacheReportsFilesThatCouldNotBeLoadedAndGoesOn(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, 200, liveWorkersInfo(0))
	exec := &fakeExecutor{run: func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		switch argv[len(argv)-1] {
		case "/data/lost":
			return exitWith(255, "Block 33,554,433 is unavailable in both Alluxio and UFS.", "")(ctx, argv)
		case "/data/deleted":
			return exitWith(255, `Path "/data/deleted" does not exist.`, "")(ctx, argv)
		}
		return []byte(argv[len(argv)-1] + " loaded\n"), nil, nil
	}}
	c := newTestClient(t, master.URL, exec)

	got, err := c.Recache(context.Background(), []CachedFile{
		{Path: "/data/lost", Bytes: 1 << 20},
		{Path: "/data/deleted", Bytes: 1 << 20, Persisted: true},
		{Path: "/data/ok", Bytes: 2 << 20, Persisted: true},
	})

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(Recached{Files: 1, Bytes: 2 << 20, Failed: []string{"/data/lost"}}))
	g.Expect(loadedPaths(exec.Calls())).To(ConsistOf("/data/lost", "/data/deleted", "/data/ok"))
}

func TestRecacheNeverLoadsMoreThanALiveWorkerHasRoomFor(t *testing.T) {
	g := NewWithT(t)
	// Free: 2 MiB on the first worker, 8 MiB on the second.
	master := masterInfoServer(t, 200, liveWorkersInfo(30<<20, 24<<20))
	exec := &fakeExecutor{}
	c := newTestClient(t, master.URL, exec)

	got, err := c.Recache(context.Background(), []CachedFile{
		{Path: "/data/big", Bytes: 9 << 20, Persisted: true},   // fits nowhere
		{Path: "/data/six", Bytes: 6 << 20, Persisted: true},   // second worker, 2 MiB left there
		{Path: "/data/two", Bytes: 2 << 20, Persisted: true},   // either worker
		{Path: "/data/three", Bytes: 3 << 20, Persisted: true}, // no room left anywhere
		{Path: "/data/one", Bytes: 1 << 20, Persisted: true},
	})

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(Recached{Files: 3, Bytes: 9 << 20, Failed: []string{"/data/big", "/data/three"}}))
	g.Expect(loadedPaths(exec.Calls())).To(ConsistOf("/data/six", "/data/two", "/data/one"))
}

func TestRecacheWithNoLiveWorkerLoadsNothing(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, 200, liveWorkersInfo())
	exec := &fakeExecutor{}
	c := newTestClient(t, master.URL, exec)

	got, err := c.Recache(context.Background(), []CachedFile{{Path: "/data/a", Bytes: 1, Persisted: true}})

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Failed).To(Equal([]string{"/data/a"}))
	g.Expect(exec.Calls()).To(BeEmpty())
}

func TestRecacheWithoutTheMasterRunsNothing(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec) // nothing listens there

	_, err := c.Recache(context.Background(), []CachedFile{{Path: "/data/a", Bytes: 1, Persisted: true}})

	g.Expect(err).To(MatchError(ErrMasterUnreachable))
	g.Expect(exec.Calls()).To(BeEmpty())
}

func TestRecacheStoppedByTheCallerReturnsWhatWasDone(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, 200, liveWorkersInfo(0))
	ctx, cancel := context.WithCancel(context.Background())
	exec := &fakeExecutor{run: func(_ context.Context, argv []string) ([]byte, []byte, error) {
		cancel() // the caller gives up during the first load, which still completes
		return nil, nil, nil
	}}
	c := newTestClient(t, master.URL, exec)

	got, err := c.Recache(ctx, []CachedFile{{Path: "/data/a", Bytes: 5, Persisted: true}, {Path: "/data/b", Bytes: 7, Persisted: true}})

	// Loads run side by side: those already started complete and count;
	// none starts after the cancel.
	g.Expect(err).To(MatchError(context.Canceled))
	g.Expect(got.Files).To(Equal(len(exec.Calls())))
	g.Expect(got.Bytes).To(BeElementOf(int64(5), int64(7), int64(12)))
	g.Expect(got.Failed).To(BeEmpty())
}

func TestRecacheRejectsPathsTheCLICouldReadAsOptions(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec)

	_, err := c.Recache(context.Background(), []CachedFile{{Path: "--submit"}})

	g.Expect(err).To(MatchError(ErrInvalidPath))
	g.Expect(exec.Calls()).To(BeEmpty())
}
