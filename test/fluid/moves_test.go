package fluid

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
	"github.com/fluid-drain/fluid-drain/test/fluid/workload"
)

// movesPersistDelay is how long Alluxio would wait by itself before
// persisting the leaving worker's ASYNC_THROUGH file: far longer than a
// drain, so a worker that leaves sooner was let go by active persistence.
const movesPersistDelay = 2 * time.Minute

// movesFileSize and movesFiles: what a client on each leaving worker's
// node writes there (CACHE_THROUGH: persisted, cached on that worker).
const (
	movesFileSize = 1 << 20
	movesFiles    = 6
)

// moveFigures are what one leaving worker's scale-in did to the data it
// cached.
type moveFigures struct {
	Recache string
	// ScaleIn: from the replicas change to the pod gone.
	ScaleIn time.Duration
	// CachedBytes the leaving worker held of its files before, and
	// RecachedBytes of them in Alluxio (so on the workers that stay) after.
	CachedBytes, RecachedBytes int64
	// ReadAfter: one read of all its files just after the scale-in.
	ReadAfter time.Duration
	// Reads and FailedReads by a reader running through the scale-in.
	Reads, FailedReads int
	// PersistedIn: when its delayed ASYNC_THROUGH file reached the under
	// store, from the replicas change (0: no such file).
	PersistedIn time.Duration
}

// testDataMovesNextToFluid scales a Fluid runtime 4 → 3 with re-caching
// off, then 3 → 2 with re-caching on. Each leaving worker caches files a
// client on its node wrote (the only cached copies), and one ASYNC_THROUGH
// file whose persistence Alluxio would start only after movesPersistDelay:
//   - active persistence lets each worker leave long before that, with the
//     file persisted and intact;
//   - with re-caching on, at least 95% of the leaving worker's cached bytes
//     are cached on the workers that stay; with it off, they are not;
//   - no read fails in either.
func testDataMovesNextToFluid(ctx context.Context, t *testing.T, rt stack.Runtime) {
	marks := setUpNextToFluid(ctx, t, &rt)
	props, err := s.ClientProperties(rt)
	if err != nil {
		t.Fatal(err)
	}
	c, err := workload.New(ctx, s.JarsDir, t.TempDir(), props)
	if err != nil {
		t.Fatal(err)
	}
	// The reader does not cache what it reads from the under store: an
	// Alluxio read caches a missed file on a live worker by itself, which
	// would hide whether fluid-drain cached it again.
	noCache := maps.Clone(props)
	noCache["alluxio.user.file.readtype.default"] = "NO_CACHE"
	rc, err := workload.New(ctx, s.JarsDir, t.TempDir(), noCache)
	if err != nil {
		t.Fatal(err)
	}
	var figs []moveFigures
	for _, step := range []struct {
		recache string
		to      int
	}{{"Off", 3}, {"", 2}} {
		fig := moveOneWorker(ctx, t, c, rc, rt, step.to, step.recache, marks)
		figs = append(figs, fig)
	}
	off, on := figs[0], figs[1]
	fmt.Printf("\nDATA MOVES (Fluid %s, real Alluxio, one leaving worker caching %d files of %d bytes, its ASYNC_THROUGH file's persistence delayed %s):\n",
		stack.FluidVersion, movesFiles, movesFileSize, movesPersistDelay)
	fmt.Println("| re-caching | scale-in | cached on the leaving worker | in Alluxio after | share | read of its files after | reads failed | delayed file persisted |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, f := range figs {
		fmt.Printf("| %s | %s | %d | %d | %.0f%% | %s | %d of %d | %s after the replicas change |\n", f.Recache, f.ScaleIn.Round(100*time.Millisecond),
			f.CachedBytes, f.RecachedBytes, share(f.RecachedBytes, f.CachedBytes), f.ReadAfter.Round(10*time.Millisecond), f.FailedReads, f.Reads, f.PersistedIn.Round(100*time.Millisecond))
	}
	if share(on.RecachedBytes, on.CachedBytes) < 95 {
		t.Errorf("re-caching on: %d of the %d bytes the leaving worker cached are in Alluxio after it left, want ≥ 95%%", on.RecachedBytes, on.CachedBytes)
	}
	if share(off.RecachedBytes, off.CachedBytes) >= 95 {
		t.Errorf("re-caching off: %d of the %d bytes the leaving worker cached are in Alluxio after it left: the measure cannot tell re-caching apart", off.RecachedBytes, off.CachedBytes)
	}
	wantNoErrorLines(t)
}

func share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// moveOneWorker scales rt to `to` with the given re-cache annotation
// ("" removes it: the default, re-cache all) and measures what the one
// leaving worker's data went through: c writes, rc reads without caching.
func moveOneWorker(ctx context.Context, t *testing.T, c, rc *workload.Client, rt stack.Runtime, to int, recache string, marks func() map[string][]stateMark) moveFigures {
	t.Helper()
	fig := moveFigures{Recache: "on (default: all)"}
	var ann any = recache
	if recache == "" {
		ann = nil
	} else {
		fig.Recache = "off (" + datav1alpha1.RecacheAnnotation + "=" + recache + ")"
	}
	if err := s.AnnotateRuntime(ctx, rt, map[string]any{datav1alpha1.RecacheAnnotation: ann}); err != nil {
		t.Fatal(err)
	}
	victim := rt.WorkerPod(to)
	pods, err := s.WorkerPods(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	ip := pods[victim]
	on := map[string]string{"alluxio.user.hostname": ip}
	var paths []string
	for i := 0; i < movesFiles; i++ {
		paths = append(paths, fmt.Sprintf("/moves/%s-%d", victim, i))
	}
	files, err := c.Write(ctx, "CACHE_THROUGH", movesFileSize, paths, on)
	if err != nil {
		t.Fatal(err)
	}
	delayed := fmt.Sprintf("/moves/%s-async-delayed", victim)
	sums, err := c.Write(ctx, "ASYNC_THROUGH", movesFileSize, []string{delayed}, map[string]string{
		"alluxio.user.hostname": ip, "alluxio.user.file.persistence.initial.wait.time": fmt.Sprintf("%dms", movesPersistDelay.Milliseconds()),
	})
	if err != nil {
		t.Fatal(err)
	}
	files[delayed] = sums[delayed]
	// A client on the worker's node writes there first; two files are
	// checked (a CLI each, seconds): the in-Alluxio share with
	// re-caching off shows the rest were there alone too.
	for _, p := range []string{paths[0], delayed} {
		if err := s.CheckOnlyOn(ctx, rt, p, ip, pods); err != nil {
			t.Fatal(err)
		}
	}
	before, err := inAlluxio(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		fig.CachedBytes += before[p]
	}
	reader, err := rc.StartReading(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = reader.Stop() }()
	if err := s.Poll(ctx, 2*time.Minute, func() bool { return reader.Tally().Reads >= len(files) }); err != nil {
		t.Fatalf("the reader did not finish a first round: %v", err)
	}
	root, err := s.UnderStoreRoot(rt)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.ScaleRuntime(ctx, rt, to); err != nil {
		t.Fatal(err)
	}
	err = s.Poll(ctx, movesPersistDelay, func() bool {
		if fig.PersistedIn == 0 {
			if _, err := os.Stat(filepath.Join(root, delayed)); err == nil {
				fig.PersistedIn = time.Since(start)
			}
		}
		ps, err := s.WorkerPods(ctx, rt)
		_, running := s.Runner.Pods()[rt.Namespace+"/"+victim]
		return err == nil && ps[victim] == "" && !running
	})
	if err != nil {
		t.Fatalf("%s did not leave within %s (its file's own persistence delay): %v; states %v", victim, movesPersistDelay, err, marks()[victim])
	}
	fig.ScaleIn = time.Since(start)
	t.Logf("%s went through %v", victim, marks()[victim])
	tally, err := reader.Stop()
	if err != nil {
		t.Fatal(err)
	}
	fig.Reads, fig.FailedReads = tally.Reads, tally.Failed+tally.Mismatched
	if fig.FailedReads != 0 {
		t.Errorf("%d of %d reads failed during the scale-in: %v", fig.FailedReads, fig.Reads, tally.LastError)
	}
	if fig.PersistedIn == 0 {
		t.Errorf("%s left before its ASYNC_THROUGH file %s was persisted", victim, delayed)
	}
	after, err := inAlluxio(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		fig.RecachedBytes += after[p]
	}
	began := time.Now()
	final, err := rc.ReadOnce(ctx, files)
	fig.ReadAfter = time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	if len(final.Bad) != 0 {
		t.Errorf("files lost or damaged after %s left: %v", victim, final.LastError)
	}
	return fig
}

// inAlluxio asks the master how much of each file under /moves is cached
// in Alluxio (`alluxio fs ls -R`: size, persistence state, date, time,
// in-Alluxio percentage, path), in bytes.
func inAlluxio(ctx context.Context, rt stack.Runtime) (map[string]int64, error) {
	out, err := s.ExecIn(ctx, rt.Namespace, rt.MasterPod(), stack.MasterContainer, "alluxio", "fs", "ls", "-R", "/moves")
	if err != nil {
		return nil, err
	}
	got := map[string]int64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasSuffix(f[len(f)-2], "%") {
			continue
		}
		size, err1 := strconv.ParseInt(f[0], 10, 64)
		pct, err2 := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-2], "%"), 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("alluxio fs ls -R /moves: unreadable line %q", line)
		}
		got[f[len(f)-1]] = int64(float64(size) * pct / 100)
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("alluxio fs ls -R /moves listed no file:\n%s", out)
	}
	return got, nil
}
