package stack

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fluid-drain/fluid-drain/test/fluid/workload"
)

// Workload says what ScaleInUnderLoad writes: files of each write type,
// spread over the workers by Alluxio, and files written by a client on
// each leaving worker's node (so they exist only in that worker's cache).
type Workload struct {
	FileSize                              int
	CacheThrough, MustCache, AsyncThrough int
	// PerLeavingWorker MUST_CACHE files are placed on each leaving worker.
	PerLeavingWorker int
	// PerLeavingWorkerDelayed ASYNC_THROUGH files are placed on each
	// leaving worker with their persistence delayed by PersistDelay (the
	// client's alluxio.user.file.persistence.initial.wait.time), so that
	// worker still holds data not yet persisted when the scale-in starts.
	// They are persisted only if the runtime runs the job service.
	PerLeavingWorkerDelayed int
	PersistDelay            time.Duration
	// ReadAfter is how long reads go on once the leaving pods are gone.
	ReadAfter time.Duration
}

// DefaultWorkload is what the baseline runs.
var DefaultWorkload = Workload{FileSize: 256 << 10, CacheThrough: 6, MustCache: 6, AsyncThrough: 4, PerLeavingWorker: 2, ReadAfter: 30 * time.Second}

// Figures are what a scale-in did to the workload.
type Figures struct {
	From, To int
	// Reads and FailedReads (an error or a wrong checksum) while the
	// scale-in ran, from the first full round of reads to ReadAfter past
	// the leaving pods' end.
	Reads, FailedReads int
	// Files written, and LostFiles: those that cannot be read back
	// correctly once the scale-in is over.
	Files, LostFiles int
	// Placed files existed only on the leaving workers; PlacedLost of them
	// were lost.
	Placed, PlacedLost int
	// DurableLost counts CACHE_THROUGH files lost (the under store has
	// them: expected 0).
	DurableLost int
	// ScaleIn is from the replicas change to the leaving pods' end.
	ScaleIn time.Duration
	// Start is the replicas change; Left is when each leaving pod (by
	// name) was first seen gone.
	Start time.Time
	Left  map[string]time.Time
	// Delayed files were placed on the leaving workers with a delayed
	// persistence: DelayedOn lists them by pod, PersistedAt is when each
	// was first seen in the under store (none: not before the pods were
	// gone), DelayedPersisted when the last of them was (zero: not all).
	Delayed          int
	DelayedOn        map[string][]string
	PersistedAt      map[string]time.Time
	DelayedPersisted time.Time
	// Lost lists the lost files, with the last error.
	Lost map[string]string
}

func (f Figures) String() string {
	out := fmt.Sprintf("scale-in %d → %d workers under load: %d of %d reads failed; %d of %d files lost, %d of the %d placed only on leaving workers (CACHE_THROUGH lost: %d); pods gone %s after the replicas change",
		f.From, f.To, f.FailedReads, f.Reads, f.LostFiles, f.Files, f.PlacedLost, f.Placed, f.DurableLost, f.ScaleIn.Round(time.Second))
	if f.Delayed > 0 {
		persisted := "not seen persisted before the pods were gone"
		if !f.DelayedPersisted.IsZero() {
			persisted = fmt.Sprintf("persisted %s after the replicas change", f.DelayedPersisted.Sub(f.Start).Round(time.Second))
		}
		out += fmt.Sprintf("; %d ASYNC_THROUGH files of delayed persistence on the leaving workers %s", f.Delayed, persisted)
	}
	return out
}

// ScaleInUnderLoad writes w's files, keeps reading them, calls scale to
// take the runtime from r.Workers to `to` workers, waits until the leaving
// worker pods are gone and the runner has stopped their processes, reads
// on for w.ReadAfter, then reads every file once more and reports.
// logf receives progress lines.
func (s *Stack) ScaleInUnderLoad(ctx context.Context, r Runtime, to int, w Workload, scale func(context.Context, Runtime, int) error, logf func(string, ...any)) (Figures, error) {
	fig := Figures{From: r.Workers, To: to, Lost: map[string]string{}, Left: map[string]time.Time{}, DelayedOn: map[string][]string{}}
	props, err := s.ClientProperties(r)
	if err != nil {
		return fig, err
	}
	c, err := workload.New(ctx, s.JarsDir, filepath.Join(s.Dir, "workload", r.Namespace, r.Name), props)
	if err != nil {
		return fig, err
	}
	files := map[string]string{}
	durable := map[string]bool{}
	write := func(kind string, n int, prefix string, extra map[string]string) (map[string]string, error) {
		if n == 0 {
			return nil, nil
		}
		var paths []string
		for i := 0; i < n; i++ {
			paths = append(paths, fmt.Sprintf("/workload/%s-%d", prefix, i))
		}
		sums, err := c.Write(ctx, kind, w.FileSize, paths, extra)
		for p, sum := range sums {
			files[p] = sum
		}
		return sums, err
	}
	sums, err := write("CACHE_THROUGH", w.CacheThrough, "cache-through", nil)
	if err != nil {
		return fig, err
	}
	for p := range sums {
		durable[p] = true
	}
	if _, err := write("MUST_CACHE", w.MustCache, "must-cache", nil); err != nil {
		return fig, err
	}
	if _, err := write("ASYNC_THROUGH", w.AsyncThrough, "async-through", nil); err != nil {
		return fig, err
	}
	pods, err := s.WorkerPods(ctx, r)
	if err != nil {
		return fig, err
	}
	placed := map[string]bool{}
	var delayed []string
	for i := to; i < r.Workers; i++ {
		pod := r.WorkerPod(i)
		ip := pods[pod]
		if ip == "" {
			return fig, fmt.Errorf("worker pod %s has no IP", pod)
		}
		// A client on the worker's node writes to that worker first.
		sums, err := write("MUST_CACHE", w.PerLeavingWorker, "on-"+pod, map[string]string{"alluxio.user.hostname": ip})
		if err != nil {
			return fig, err
		}
		for p := range sums {
			placed[p] = true
			if err := s.CheckOnlyOn(ctx, r, p, ip, pods); err != nil {
				return fig, err
			}
		}
		sums, err = write("ASYNC_THROUGH", w.PerLeavingWorkerDelayed, "async-through-delayed-on-"+pod, map[string]string{
			"alluxio.user.hostname":                           ip,
			"alluxio.user.file.persistence.initial.wait.time": fmt.Sprintf("%dms", w.PersistDelay.Milliseconds()),
		})
		if err != nil {
			return fig, err
		}
		for p := range sums {
			delayed = append(delayed, p)
			fig.DelayedOn[pod] = append(fig.DelayedOn[pod], p)
			if err := s.CheckOnlyOn(ctx, r, p, ip, pods); err != nil {
				return fig, err
			}
		}
	}
	fig.Files, fig.Placed, fig.Delayed = len(files), len(placed), len(delayed)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	persisted, err := s.watchUnderStore(watchCtx, r, delayed)
	if err != nil {
		return fig, err
	}
	logf("wrote %d files (%d placed only on the leaving workers); reading them in a loop", len(files), len(placed))

	reader, err := c.StartReading(ctx, files)
	if err != nil {
		return fig, err
	}
	defer func() { _, _ = reader.Stop() }()
	if err := s.Poll(ctx, 3*time.Minute, func() bool { return reader.Tally().Reads >= len(files) }); err != nil {
		return fig, fmt.Errorf("the reader did not finish a first round: %w", err)
	}
	logf("first round read: %+v; scaling %s/%s to %d", summarize(reader.Tally()), r.Namespace, r.Name, to)
	if early := persisted(); len(early) > 0 {
		return fig, fmt.Errorf("%d ASYNC_THROUGH files of delayed persistence were persisted before the scale-in started: PersistDelay %s is too short on this machine", len(early), w.PersistDelay)
	}
	start := time.Now()
	fig.Start = start
	if err := scale(ctx, r, to); err != nil {
		return fig, err
	}
	var leaving []string
	for i := to; i < r.Workers; i++ {
		leaving = append(leaving, r.WorkerPod(i))
	}
	err = s.Poll(ctx, 10*time.Minute, func() bool {
		pods, err := s.WorkerPods(ctx, r)
		if err != nil {
			return false
		}
		running := s.Runner.Pods()
		gone := 0
		for _, name := range leaving {
			_, run := running[r.Namespace+"/"+name]
			if _, ok := pods[name]; !ok && !run {
				if _, seen := fig.Left[name]; !seen {
					fig.Left[name] = time.Now()
				}
				gone++
			}
		}
		return gone == len(leaving) && len(pods) == to
	})
	if err != nil {
		st, _ := s.State(ctx, r)
		return fig, fmt.Errorf("the leaving workers did not go: %w (runtime: %v)", err, st)
	}
	fig.ScaleIn = time.Since(start)
	fig.PersistedAt = persisted()
	if len(delayed) > 0 && len(fig.PersistedAt) == len(delayed) {
		for _, at := range fig.PersistedAt {
			if at.After(fig.DelayedPersisted) {
				fig.DelayedPersisted = at
			}
		}
	}
	logf("leaving worker pods gone and their processes stopped %s after the replicas change; reading on for %s", fig.ScaleIn.Round(time.Second), w.ReadAfter)
	select {
	case <-time.After(w.ReadAfter):
	case <-ctx.Done():
		return fig, ctx.Err()
	}
	t, err := reader.Stop()
	if err != nil {
		return fig, err
	}
	fig.Reads, fig.FailedReads = t.Reads, t.Failed+t.Mismatched

	final, err := c.ReadOnce(ctx, files)
	if err != nil {
		return fig, err
	}
	for p := range final.Bad {
		fig.LostFiles++
		fig.Lost[p] = final.LastError[p]
		if placed[p] {
			fig.PlacedLost++
		}
		if durable[p] {
			fig.DurableLost++
		}
	}
	return fig, nil
}

// watchUnderStore records, until ctx ends, when each path first appears
// in the runtime's under store; the returned func reads the record.
// Alluxio renames a persisted file into place just before it marks it
// PERSISTED, so this is a close lower bound of when a worker's check can
// see it persisted. The under store is read directly (every 200ms)
// rather than through a CLI that takes seconds to start.
func (s *Stack) watchUnderStore(ctx context.Context, r Runtime, paths []string) (func() map[string]time.Time, error) {
	var mu sync.Mutex
	seen := map[string]time.Time{}
	read := func() map[string]time.Time {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(seen)
	}
	if len(paths) == 0 {
		return read, nil
	}
	root, err := s.UnderStoreRoot(r)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			mu.Lock()
			for _, p := range paths {
				if _, ok := seen[p]; !ok {
					if _, err := os.Stat(filepath.Join(root, p)); err == nil {
						seen[p] = time.Now()
					}
				}
			}
			all := len(seen) == len(paths)
			mu.Unlock()
			if all {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return read, nil
}

// CheckOnlyOn asks the master where path's blocks are (`alluxio fs
// location`) and fails unless that is the worker at ip alone.
func (s *Stack) CheckOnlyOn(ctx context.Context, r Runtime, path, ip string, pods map[string]string) error {
	out, err := s.ExecIn(ctx, r.Namespace, r.MasterPod(), MasterContainer, "alluxio", "fs", "location", path)
	if err != nil {
		return err
	}
	if !strings.Contains(out, ip) {
		return fmt.Errorf("%s is not on the worker at %s:\n%s", path, ip, out)
	}
	for pod, other := range pods {
		if other != ip && strings.Contains(out, other) {
			return fmt.Errorf("%s is also on %s (%s):\n%s", path, pod, other, out)
		}
	}
	return nil
}

func summarize(t workload.Tally) string {
	bad := make([]string, 0, len(t.Bad))
	for p := range t.Bad {
		bad = append(bad, p)
	}
	sort.Strings(bad)
	return fmt.Sprintf("%d reads, %d ok, %d failed, %d mismatched, bad files %v", t.Reads, t.OK, t.Failed, t.Mismatched, bad)
}
