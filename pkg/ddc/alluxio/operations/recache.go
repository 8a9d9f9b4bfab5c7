package operations

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

const (
	// recachePolicy places the blocks a load reads from the under store
	// on the live worker with the most free space (Alluxio's default,
	// LocalFirstPolicy, picks a random one when the CLI runs on no
	// worker's node, or always the worker beside the master pod).
	recachePolicy = "-Dalluxio.user.ufs.block.read.location.policy=alluxio.client.block.policy.MostAvailableFirstPolicy"
	// recacheBytesPerSecond is the slowest copy from the under store a
	// load's time limit allows for, on top of CommandTimeout.
	recacheBytesPerSecond = 16 << 20
	// recacheParallel loads run at once: each is a CLI process that
	// spends seconds starting its JVM and waiting on the under store,
	// so a few side by side move a worker's files several times sooner
	// than one after another.
	recacheParallel = 4
)

// Recache loads each file again with
//
//	alluxio fs -D<most-available-first policy> load PATH
//
// one command per file (Alluxio 2.9's `fs load` loads only its first
// path), up to recacheParallel at once. It runs after the leaving worker's decommission, when the master
// no longer counts that worker's copy: a file it held is then less than
// 100% in Alluxio, and the load reads the missing blocks from the under
// store into a live worker (never from the leaving one). A file already
// fully in Alluxio elsewhere counts as cached without moving data.
//
// Blocks go to the live worker with the most free space; a file larger
// than the free space of every live worker is not loaded (it is in
// Failed), since a full worker would evict other cached blocks, which
// may be the only copy of unpersisted data. Files that cannot be loaded
// (e.g. not persisted and lost with the worker) are in Failed; a file
// deleted meanwhile is neither counted nor failed. Each load takes a few
// seconds (the CLI is a JVM): pass the number of files a call can
// afford. When ctx ends, what was done so far is returned with its error.
func (c *Client) Recache(ctx context.Context, files []CachedFile) (Recached, error) {
	for _, f := range files {
		if err := validateAlluxioPath(f.Path); err != nil {
			return Recached{}, fmt.Errorf("re-cache %d files: %w", len(files), err)
		}
	}
	info, err := c.Observe(ctx)
	if err != nil {
		return Recached{}, fmt.Errorf("re-cache %d files: %w", len(files), err)
	}
	room := newFreeSpace(info.Live)
	log := logr.FromContextOrDiscard(ctx)
	var (
		out     Recached
		mu      sync.Mutex
		stopped error
		wg      sync.WaitGroup
		slots   = make(chan struct{}, recacheParallel)
	)
	for _, f := range files {
		slots <- struct{}{}
		mu.Lock()
		if stopped == nil && ctx.Err() != nil {
			stopped = ctx.Err()
		}
		if stopped != nil {
			// No more loads start; those running finish below.
			mu.Unlock()
			<-slots
			break
		}
		// Room is booked here, in the files' order, once a load may
		// start; a load that moved nothing gives it back.
		worker, fits := room.take(f.Bytes)
		if !fits {
			log.V(1).Info("File not cached again: no live worker has room for it", "path", f.Path, "bytes", f.Bytes)
			out.Failed = append(out.Failed, f.Path)
		}
		mu.Unlock()
		if !fits {
			<-slots
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			loaded, err := c.load(ctx, f)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && ctx.Err() != nil:
				room.give(worker, f.Bytes)
				if stopped == nil {
					stopped = err
				}
			case err != nil:
				room.give(worker, f.Bytes)
				log.V(1).Info("File not cached again", "path", f.Path, "error", err.Error())
				out.Failed = append(out.Failed, f.Path)
			case loaded:
				out.Files++
				out.Bytes += f.Bytes
			default:
				room.give(worker, f.Bytes) // deleted meanwhile
			}
		}()
	}
	wg.Wait()
	sort.Strings(out.Failed)
	if stopped == nil && ctx.Err() != nil {
		stopped = ctx.Err()
	}
	if stopped != nil {
		return out, fmt.Errorf("re-cache: stopped after %d of %d files: %w", out.Files+len(out.Failed), len(files), stopped)
	}
	return out, nil
}

// load runs `fs load` for one file; loaded is false when the file no
// longer exists.
func (c *Client) load(ctx context.Context, f CachedFile) (loaded bool, err error) {
	timeout := c.cfg.CommandTimeout + time.Duration(f.Bytes/recacheBytesPerSecond)*time.Second
	argv := []string{"alluxio", "fs", recachePolicy, "load", f.Path}
	err = c.runCLI(ctx, timeout, argv)
	var cmdErr *CommandError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &cmdErr) && vanishedPath.MatchString(cmdErr.Output()):
		return false, nil
	case isTimeout(err) && ctx.Err() == nil:
		return false, fmt.Errorf("load %s: not done within %s: %w", f.Path, timeout, err)
	default:
		return false, fmt.Errorf("load %s: %w", f.Path, err)
	}
}

// freeSpace follows the live workers' free bytes while files are loaded,
// as Alluxio's most-available-first policy sees them.
type freeSpace struct {
	free []int64
}

func newFreeSpace(live []WorkerInfo) *freeSpace {
	s := &freeSpace{}
	for _, w := range live {
		s.free = append(s.free, max(0, w.CapacityBytes-w.UsedBytes))
	}
	return s
}

// take books n bytes on the worker with the most free space; fits is
// false (nothing booked) when even that one has less than n.
func (s *freeSpace) take(n int64) (worker int, fits bool) {
	worker = -1
	for i, f := range s.free {
		if worker < 0 || f > s.free[worker] {
			worker = i
		}
	}
	if worker < 0 || s.free[worker] < n {
		return -1, false
	}
	s.free[worker] -= n
	return worker, true
}

func (s *freeSpace) give(worker int, n int64) { s.free[worker] += n }
