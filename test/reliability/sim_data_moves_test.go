package reliability

import (
	"context"
	"slices"
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

const (
	// simFileBytes is the size of every simulated file.
	simFileBytes = 1024
	// simWorkerCapacity is each worker's cache: room for 64 files.
	simWorkerCapacity = 64 * simFileBytes
	// simPersistDelay is how long a persist request takes to reach the
	// under store.
	simPersistDelay = 2 * time.Second
	// simRecacheTime is how long one re-cache call runs (JVM commands).
	simRecacheTime = 2 * time.Second
)

func (wk *simWorker) usedBytes() int64 { return int64(len(wk.files)) * simFileBytes }

// CachedFiles is the worker's own listing: it answers while its process
// runs, decommissioned or not.
func (a *simAlluxio) CachedFiles(_ context.Context, addr operations.WorkerAddress) (operations.Cached, error) {
	if a.w.killed() {
		return operations.Cached{}, errKilled
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	wk, err := a.reach(addr)
	if err != nil {
		return operations.Cached{}, err
	}
	out := operations.Cached{}
	for _, f := range wk.files {
		out.Files = append(out.Files, operations.CachedFile{Path: f.path, Bytes: simFileBytes, Persisted: !a.now().Before(f.persistAt)})
	}
	return out, nil
}

// Persist makes the named files that a running worker caches reach the
// under store a moment later (sooner than on their own, never later).
func (a *simAlluxio) Persist(_ context.Context, paths []string) error {
	if a.w.killed() {
		return errKilled
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.masterDown {
		return errMasterDown
	}
	if a.persistBroken {
		return nil
	}
	at := a.now().Add(simPersistDelay)
	for _, host := range a.hosts() {
		wk := a.workers[host]
		if !wk.running {
			continue
		}
		for _, f := range wk.files {
			if slices.Contains(paths, f.path) && f.persistAt.After(at) {
				f.persistAt = at
			}
		}
	}
	return nil
}

// Recache reads each file from the under store and caches it on a live
// worker with room, as Alluxio does when a client reads it. Asked before
// the worker holding it was decommissioned, it breaks the contract: the
// read would be served from that worker's copy.
func (a *simAlluxio) Recache(_ context.Context, files []operations.CachedFile) (operations.Recached, error) {
	if a.w.killed() {
		return operations.Recached{}, errKilled
	}
	a.mu.Lock()
	if a.masterDown {
		a.mu.Unlock()
		return operations.Recached{}, errMasterDown
	}
	now := a.now()
	out := operations.Recached{}
	for _, f := range files {
		holder := a.holder(f.Path)
		switch {
		case holder != nil && holder.registered && !holder.decommissioned:
			a.w.failf("re-cache of %s asked while every worker caching it is in service (its leaving worker not decommissioned)", f.Path)
		case holder != nil && now.Before(holder.fileNamed(f.Path).persistAt):
			a.w.failf("re-cache of %s asked before it was persisted", f.Path)
		}
		if target := a.roomFor(holder); target != nil {
			target.files = append(target.files, &simFile{path: f.Path, persistAt: now})
			out.Files++
			out.Bytes += simFileBytes
		} else {
			out.Failed = append(out.Failed, f.Path)
		}
	}
	a.mu.Unlock()
	a.clock.Step(simRecacheTime)
	return out, nil
}

// holder is the running worker the file is re-cached from: one out of
// service (decommissioned, or not registered with a restarted master)
// that caches it, else any running one that caches it.
func (a *simAlluxio) holder(path string) *simWorker {
	var any *simWorker
	for _, host := range a.hosts() {
		wk := a.workers[host]
		if !wk.running || wk.fileNamed(path) == nil {
			continue
		}
		if wk.decommissioned || !wk.registered {
			return wk
		}
		if any == nil {
			any = wk
		}
	}
	return any
}

func (wk *simWorker) fileNamed(path string) *simFile {
	for _, f := range wk.files {
		if f.path == path {
			return f
		}
	}
	return nil
}

// roomFor is a live worker other than from with room for one more file.
func (a *simAlluxio) roomFor(from *simWorker) *simWorker {
	for _, host := range a.liveHosts() {
		wk := a.workers[host]
		if wk != from && wk.usedBytes()+simFileBytes <= simWorkerCapacity {
			return wk
		}
	}
	return nil
}
