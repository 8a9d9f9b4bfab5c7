package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// Indexes of the workers in caseDataMoves: the leaving one, one already
// holding data, one empty (where the most-free-space policy puts what
// the leaving worker held).
const (
	movesFull    = 0
	movesEmpty   = 1
	movesLeaving = 2
)

// caseDataMoves runs what the controller does with a leaving worker's
// data: list what it caches, persist what is not persisted, decommission
// it, cache its files again; and checks where the files end up.
func caseDataMoves(t *testing.T, b backend, f facts) string {
	if !f.hasDecommission {
		return "" // no decommission, nothing to re-cache after it
	}
	ctx := context.Background()
	ws := b.workers()
	for i := range ws {
		if _, live := findWorker(observe(t, b).Live, ws[i].Host); !live {
			b.restart(t, i) // an earlier case killed it
		}
	}
	waitFor(t, b, 120*time.Second, func(info *operations.ClusterInfo) bool { return len(info.Live) == workerCount })

	b.writeFile(t, movesFull, "/filler", 4<<20, true)
	b.writeFile(t, movesLeaving, "/moves/unpersisted", 1<<20, false)
	b.writeFile(t, movesLeaving, "/moves/persisted", 2<<20, true)
	b.writeFile(t, movesLeaving, "/moves/lost", 512<<10, false)
	leaving := ws[movesLeaving]

	var steps []string
	step := func(format string, args ...any) {
		steps = append(steps, fmt.Sprintf(format, args...))
		t.Logf(format, args...)
	}
	cached := cachedFiles(t, b, leaving)
	step("leaving worker caches: %s", describe(cached))

	start := time.Now()
	err := b.client().Persist(ctx, []string{"/moves/unpersisted"})
	t.Logf("%s: Persist of one file took %s", b.name(), time.Since(start).Round(100*time.Millisecond))
	step("Persist: %s", errKind(err))
	// Persist may leave a slow persist to Alluxio: the worker says when.
	afterPersist := cachedFiles(t, b, leaving)
	for deadline := time.Now().Add(60 * time.Second); !persisted(afterPersist, "/moves/unpersisted") && time.Now().Before(deadline); {
		time.Sleep(time.Second)
		afterPersist = cachedFiles(t, b, leaving)
	}
	step("after Persist: %s", describe(afterPersist))
	if err != nil || !persisted(afterPersist, "/moves/unpersisted") {
		t.Errorf("Persist = %v; the file is not persisted: %s", err, describe(afterPersist))
	}
	err = b.client().Persist(ctx, []string{"/moves/unpersisted", "/moves/deleted-meanwhile"})
	step("Persist again, with a path that does not exist: %s", errKind(err))

	if err := b.client().Decommission(ctx, []operations.WorkerAddress{leaving}); err != nil {
		t.Fatalf("Decommission: %v", err)
	}
	waitFor(t, b, 30*time.Second, func(info *operations.ClusterInfo) bool {
		_, live := findWorker(info.Live, leaving.Host)
		return !live
	})

	start = time.Now()
	got, err := b.client().Recache(ctx, cachedFiles(t, b, leaving))
	t.Logf("%s: Recache of %d files took %s", b.name(), len(cached), time.Since(start).Round(100*time.Millisecond))
	step("Recache: %+v %s", got, errKind(err))
	want := operations.Recached{Files: 2, Bytes: 3 << 20, Failed: []string{"/moves/lost"}}
	if err != nil || got.Files != want.Files || got.Bytes != want.Bytes || strings.Join(got.Failed, ",") != "/moves/lost" {
		t.Errorf("Recache = %+v, %v; want %+v: the persisted files cached again, the unpersisted one failed", got, err, want)
	}
	onEmpty := cachedFiles(t, b, ws[movesEmpty])
	step("worker with free space caches: %s", describe(onEmpty))
	if !persisted(onEmpty, "/moves/unpersisted") || !persisted(onEmpty, "/moves/persisted") {
		t.Errorf("the live worker with free space does not hold the leaving worker's persisted files: %s", describe(onEmpty))
	}
	step("worker already holding data caches: %s", describe(cachedFiles(t, b, ws[movesFull])))
	step("leaving worker still lists: %s", describe(cachedFiles(t, b, leaving)))
	again := cachedFiles(t, b, leaving)
	got, err = b.client().Recache(ctx, again)
	step("Recache again: %+v %s", got, errKind(err))
	b.kill(t, movesLeaving)
	got, err = b.client().Recache(ctx, again)
	step("Recache once the leaving worker is gone (its copy not needed): %+v %s", got, errKind(err))
	if err != nil || got.Files != 2 {
		t.Errorf("after the leaving worker went, Recache = %+v, %v; want both persisted files still in Alluxio", got, err)
	}
	r := runCLI(t, b, "fs", "load", "/moves/no-such-file")
	step("load of a missing path: exit %d, %q", r.code, strings.TrimSpace(r.stdout+r.stderr))
	return strings.Join(steps, "\n")
}

func persisted(files []operations.CachedFile, path string) bool {
	for _, f := range files {
		if f.Path == path {
			return f.Persisted
		}
	}
	return false
}

func cachedFiles(t *testing.T, b backend, w operations.WorkerAddress) []operations.CachedFile {
	t.Helper()
	c, err := b.client().CachedFiles(context.Background(), w)
	if err != nil {
		t.Fatalf("CachedFiles(%s): %v", w.Host, err)
	}
	return c.Files
}

// describe lists files by path, with size and whether persisted.
func describe(files []operations.CachedFile) string {
	var out []string
	for _, f := range files {
		state := "unpersisted"
		if f.Persisted {
			state = "persisted"
		}
		out = append(out, fmt.Sprintf("%s %d %s", f.Path, f.Bytes, state))
	}
	sort.Strings(out)
	return "[" + strings.Join(out, ", ") + "]"
}

// writeFile writes size bytes at path through the real CLI, in one
// block (the default 64 MB is more than a worker holds here), on worker
// i (copyFromLocal's own policy property, SpecificHostPolicy); persisted:
// CACHE_THROUGH, else MUST_CACHE.
func (b *realBackend) writeFile(t *testing.T, i int, path string, size int64, persisted bool) {
	t.Helper()
	local := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(local, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	w := b.c.Workers()[i]
	writeType := "MUST_CACHE"
	if persisted {
		writeType = "CACHE_THROUGH"
	}
	if dir := filepath.Dir(path); dir != "/" {
		runCLI(t, b, "fs", "mkdir", dir) // exit 255 when it exists: fine
	}
	r := runCLI(t, b, "fs",
		"-Dalluxio.user.file.writetype.default="+writeType,
		fmt.Sprintf("-Dalluxio.user.block.size.bytes.default=%d", size),
		"-Dalluxio.user.file.copyfromlocal.block.location.policy.class=alluxio.client.block.policy.SpecificHostPolicy",
		fmt.Sprintf("-Dalluxio.worker.hostname=%s", w.Host),
		fmt.Sprintf("-Dalluxio.worker.rpc.port=%d", w.RPCPort),
		"copyFromLocal", local, path)
	if r.code != 0 {
		t.Fatalf("write %s: %s", path, r)
	}
	if r := runCLI(t, b, "fs", "location", path); !strings.Contains(r.stdout, w.Host) {
		t.Fatalf("%s is not on worker %s: %s", path, w.Host, r)
	}
	// The master learns the worker's used bytes at its next heartbeat.
	waitForUsed(t, b, w.Host)
}

func (b *emuBackend) writeFile(_ *testing.T, i int, path string, size int64, persisted bool) {
	b.c.WriteFile(path, b.ws[i].Host, b.ws[i].WebPort, size, persisted)
}

func waitForUsed(t *testing.T, b backend, host string) {
	t.Helper()
	before := time.Now()
	for time.Since(before) < 10*time.Second {
		if w, ok := findWorker(observe(t, b).Live, host); ok && w.UsedBytes > 0 {
			time.Sleep(1500 * time.Millisecond) // one more heartbeat for the last block
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("worker %s still reports no used bytes", host)
}
