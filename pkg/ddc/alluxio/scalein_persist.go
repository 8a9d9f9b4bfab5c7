package alluxio

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// maxPersistPaths bounds one persist request (one CLI command line); the
// rest is asked for at the next request, after the persist retry.
const maxPersistPaths = 500

// askPersist asks Alluxio to persist the files only the victim's cache
// holds, as its worker lists them. The time is recorded on the pod
// whether or not the request went through: the next request waits for
// the persist retry either way, so a restarted controller or a failing
// Alluxio is not asked on every poll. The victim goes on waiting for
// UnpersistedData to report none.
func (s *scaleIn) askPersist(ctx context.Context, v *victim) {
	log := ctrl.LoggerFrom(ctx).WithValues("pod", klog.KObj(v.pod))
	cached, err := s.conn.CachedFiles(ctx, v.obs.addr)
	var paths []string
	if err == nil {
		for _, f := range cached.Files {
			if !f.Persisted && len(paths) < maxPersistPaths {
				paths = append(paths, f.Path)
			}
		}
		if len(paths) == 0 {
			return // its listing shows none now: the next check says so
		}
		err = s.conn.Persist(ctx, paths)
	}
	v.moves.persistAskedAt = s.now
	if err != nil {
		// A normal wait: the victim is held either way, and asked again.
		log.Info("asking Alluxio to persist a leaving worker's files failed; asked again later", "retryAt", s.now.Add(s.policy.Moves.PersistRetry), "error", err.Error())
		d := s.decisions[v.name()]
		d.Message = fmt.Sprintf("%s (the request failed and is made again after %s: %v)", d.Message, s.policy.Moves.PersistRetry, err)
		s.decisions[v.name()] = d
		return
	}
	filesPersisted.WithLabelValues(s.rt.Namespace, s.rt.Name).Add(float64(len(paths)))
	log.Info("asked Alluxio to persist a leaving worker's files", "files", len(paths), "examples", examplePaths(paths))
	s.event(v, corev1.EventTypeNormal, drainfsm.PersistingReason, "asked Alluxio to persist %d files (%s)", len(paths), examplePaths(paths))
}

// examplePaths names the first few paths for a message.
func examplePaths(paths []string) string {
	const shown = 3
	if len(paths) <= shown {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:shown], ", ") + fmt.Sprintf(", and %d more", len(paths)-shown)
}
