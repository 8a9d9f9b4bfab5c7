package alluxio

import (
	"context"
	"errors"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// recacheBatchFiles bounds one Recache call: each runs Alluxio CLI
// commands that take seconds, and a reconcile must not hold its worker
// for long.
const recacheBatchFiles = 16

// planRecache learns what a drained victim caches and how much of it is
// to be cached again: its persisted files, in path order, as far as the
// policy's limit and the free capacity of the workers that stay allow.
// Its unpersisted files were persisted before it was decommissioned. It
// returns the persisted files it planned from (nil when the listing
// failed).
func (s *scaleIn) planRecache(ctx context.Context, v *victim) []operations.CachedFile {
	v.moves.recache = nil // a plan of an earlier drain is void
	cached, err := s.conn.CachedFiles(ctx, v.obs.addr)
	if err != nil {
		v.mobs.recacheUnplanned = err.Error()
		ctrl.LoggerFrom(ctx).Info("could not list a drained worker's cached files; tried again", "pod", klog.KObj(v.pod), "error", err.Error())
		return nil
	}
	v.mobs.recacheUnplanned = ""
	files := persistedInPathOrder(cached.Files)
	var all int64
	for _, f := range files {
		all += f.Bytes
	}
	budget := min(all, s.freeCapacity(v))
	if limit, ok := recacheLimit(s.rt); ok {
		budget = min(budget, limit)
	}
	var target int64
	for _, f := range files {
		if target+f.Bytes <= budget {
			target += f.Bytes
		}
	}
	v.mobs.toRecache = target
	if target == 0 {
		if all > 0 {
			bytesLeftBehind.WithLabelValues(s.rt.Namespace, s.rt.Name).Add(float64(all))
			s.event(v, corev1.EventTypeNormal, drainfsm.RecacheSkippedReason,
				"caches %s of persisted files, none of which can be cached again (no free capacity on the workers that stay, or recacheLimit 0); it leaves without re-caching", drainfsm.Bytes(all))
		}
		return files
	}
	v.moves.recache = &recacheRecord{Target: target, Cached: all}
	return files
}

// recacheBatch caches the victim's next files again: those after the last
// path tried that fit in what is left of the plan, at most
// recacheBatchFiles. A failed call is retried at the next poll.
func (s *scaleIn) recacheBatch(ctx context.Context, v *victim) {
	log := ctrl.LoggerFrom(ctx).WithValues("pod", klog.KObj(v.pod))
	// The listing a plan made in this reconcile serves the batch too.
	var files []operations.CachedFile
	listed := false
	if v.moves.recache == nil {
		files, listed = s.planRecache(ctx, v), true
		if v.mobs.recacheUnplanned != "" {
			v.mobs.recacheErr = "listing its cached files: " + v.mobs.recacheUnplanned
			return
		}
		if v.moves.recache == nil {
			v.moves.recache = &recacheRecord{Done: true} // nothing to move
			return
		}
	}
	r := v.moves.recache
	if !listed {
		cached, err := s.conn.CachedFiles(ctx, v.obs.addr)
		if err != nil {
			v.mobs.recacheErr = "listing its cached files: " + err.Error()
			log.Info("could not list a re-caching worker's files; tried again", "error", err.Error())
			return
		}
		files = persistedInPathOrder(cached.Files)
	}
	batch, last := nextRecacheBatch(files, r.After, r.Target-r.Moved)
	if len(batch) == 0 {
		r.After, r.Done = last, true
		return
	}
	got, err := s.conn.Recache(ctx, batch)
	if errors.Is(err, operations.ErrUnsupported) {
		// Never possible here: it leaves now rather than at recacheTimeout.
		r.Done = true
		log.Info("this Alluxio cannot cache files again; the worker leaves without", "error", err.Error())
		s.event(v, corev1.EventTypeNormal, drainfsm.RecacheSkippedReason, "its files cannot be cached again on this Alluxio (%v); it leaves without re-caching", err)
		return
	}
	if err != nil {
		v.mobs.recacheErr = err.Error()
		log.Info("re-caching a batch of a leaving worker's files failed; retried", "files", len(batch), "error", err.Error())
		return
	}
	r.Moved += got.Bytes
	r.Failed += len(got.Failed)
	r.After = last
	bytesRecached.WithLabelValues(s.rt.Namespace, s.rt.Name).Add(float64(got.Bytes))
	log.Info("re-cached a batch of a leaving worker's files", "files", got.Files, "bytes", got.Bytes, "failed", len(got.Failed), "moved", r.Moved, "target", r.Target)
	if more, _ := nextRecacheBatch(files, r.After, r.Target-r.Moved); len(more) == 0 {
		r.Done = true
	}
}

// nextRecacheBatch takes, in path order after the path after, the files
// that fit in room, at most recacheBatchFiles; last is the last path
// looked at (files too large for what is left are passed over for good).
func nextRecacheBatch(files []operations.CachedFile, after string, room int64) (batch []operations.CachedFile, last string) {
	last = after
	for _, f := range files {
		if len(batch) == recacheBatchFiles {
			break
		}
		if f.Path <= after {
			continue
		}
		last = f.Path
		if f.Bytes <= room {
			batch = append(batch, f)
			room -= f.Bytes
		}
	}
	return batch, last
}

// persistedInPathOrder is the persisted files of a listing sorted by path:
// only they can be cached again from the under store.
func persistedInPathOrder(files []operations.CachedFile) []operations.CachedFile {
	var out []operations.CachedFile
	for _, f := range files {
		if f.Persisted {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b operations.CachedFile) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// freeCapacity is the room the workers that stay have for v's files: the
// free bytes of the live workers that are not leaving, less what other
// victims' re-caches still plan to put there.
func (s *scaleIn) freeCapacity(v *victim) int64 {
	var free int64
	for _, w := range s.info.Live {
		if s.isLeaving(w) {
			continue
		}
		free += max(w.CapacityBytes-w.UsedBytes, 0)
	}
	for i := range s.pods {
		o := &s.pods[i]
		if o != v && o.state == drainfsm.Recaching && o.moves.recache != nil && !o.moves.recache.Done {
			free -= max(o.moves.recache.Target-o.moves.recache.Moved, 0)
		}
	}
	return max(free, 0)
}

// isLeaving reports whether a live worker belongs to a leaving pod: what
// is cached there goes with it.
func (s *scaleIn) isLeaving(w operations.WorkerInfo) bool {
	for _, v := range s.pods {
		if v.leaving && v.obs.addrErr == "" {
			if _, ok := operations.FindWorker([]operations.WorkerInfo{w}, v.obs.addr); ok {
				return true
			}
		}
	}
	return false
}
