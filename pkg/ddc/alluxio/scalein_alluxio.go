package alluxio

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// alluxio is what one reconcile learned from, and did to, Alluxio.
type alluxio struct {
	conn operations.Interface
	// info is the master's view; nil when it could not be read.
	info       *operations.ClusterInfo
	observeErr error
	// unsupported is set when this Alluxio cannot decommission workers.
	unsupported string
	// decommissionErr is the last decommission failure, if any.
	decommissionErr error
	// activity of draining workers, by pod name.
	activity map[string]activity
	// unpersisted describes, by pod name, data only in that worker's
	// cache; unpersistedUnknown says why it could not be checked.
	unpersisted, unpersistedUnknown map[string]string
}

type activity struct {
	operations.Activity
	err string
}

// observeAlluxio connects to the runtime's Alluxio and reads the master's
// view once for the whole reconcile.
func (r *Reconciler) observeAlluxio(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, masterPod *corev1.Pod) alluxio {
	a := alluxio{activity: map[string]activity{}, unpersisted: map[string]string{}, unpersistedUnknown: map[string]string{}}
	if masterPod == nil {
		a.observeErr = fmt.Errorf("master pod %s does not exist yet", masterPodName(rt))
		return a
	}
	conn, err := r.Alluxio.Connect(ctx, rt, masterPod)
	if err != nil {
		a.observeErr = err
		return a
	}
	a.conn = conn
	a.refresh(ctx)
	return a
}

// refresh re-reads the master's view.
func (a *alluxio) refresh(ctx context.Context) {
	info, err := a.conn.Observe(ctx)
	a.info, a.observeErr = info, err
	if err == nil && info.Version != "" && !operations.SupportsDecommission(info.Version) {
		a.unsupported = (&operations.UnsupportedError{Version: info.Version, Command: "fsadmin decommissionWorker"}).Error()
	}
}

// decommissionBatch tells the master, in one command, to stop routing
// work to every victim in Decommissioning that it still lists as live,
// then re-reads the master's view so the victims can move on at once.
func (s *scaleIn) decommissionBatch(ctx context.Context, leaving []int32) {
	if s.info == nil || s.unsupported != "" {
		return
	}
	var batch []operations.WorkerAddress
	var names []string
	for _, v := range s.pods {
		if v.state != drainfsm.Decommissioning || s.wanted(&v, leaving) {
			continue // a victim wanted again is not decommissioned
		}
		addr, ok := s.addrs[v.name()]
		if _, live := operations.FindWorker(s.info.Live, addr); ok && live {
			batch, names = append(batch, addr), append(names, v.name())
		}
	}
	if len(batch) == 0 {
		return
	}
	log := ctrl.LoggerFrom(ctx)
	log.Info("decommissioning Alluxio workers", "pods", names)
	err := s.conn.Decommission(ctx, batch)
	switch {
	case errors.Is(err, operations.ErrUnsupported):
		s.unsupported = err.Error()
	case err != nil:
		s.decommissionErr = err
		decommissionFailures.WithLabelValues(s.rt.Namespace, s.rt.Name).Inc()
		s.r.Recorder.Eventf(s.rt, nil, corev1.EventTypeWarning, datav1alpha1.DecommissionFailedReason, "ScaleIn",
			"decommission of %v failed, will retry: %v", names, err)
	}
	s.refresh(ctx)
}

// measureActivity asks each draining worker for its work in flight and
// keeps the idle-since record: set when first seen idle, cleared whenever
// it is seen busy or cannot be asked (the quiet period must be unbroken).
func (s *scaleIn) measureActivity(ctx context.Context) {
	if s.conn == nil || s.info == nil {
		return
	}
	for i := range s.pods {
		v := &s.pods[i]
		if v.state != drainfsm.Draining && v.state != drainfsm.TimedOut {
			continue
		}
		addr, ok := s.addrs[v.name()]
		if !ok {
			s.activity[v.name()] = activity{err: "pod has no IP"}
			v.idleSince = time.Time{}
			continue
		}
		act, err := s.conn.WorkerActivity(ctx, addr)
		switch {
		case err != nil:
			s.activity[v.name()] = activity{err: err.Error()}
			v.idleSince = time.Time{}
		case act.Idle():
			s.activity[v.name()] = activity{Activity: act}
			if v.idleSince.IsZero() {
				v.idleSince = s.now
			}
		default:
			s.activity[v.name()] = activity{Activity: act}
			v.idleSince = time.Time{}
		}
	}
}

// enable takes a cancelled victim back into service, unless the master
// still lists it as live (its decommission never happened). It reports
// whether the worker must restart: Alluxio keeps a decommissioned worker
// that stays running out of service even after enableWorker (seen on real
// Alluxio 2.9.6); only a restarted worker registers again.
func (s *scaleIn) enable(ctx context.Context, v *victim) (restart bool, err error) {
	if s.conn == nil || s.info == nil {
		return false, fmt.Errorf("the Alluxio master did not answer: %w", s.observeErr)
	}
	addr, ok := s.addrs[v.name()]
	if !ok {
		return false, nil // no address: never registered, nothing to take back
	}
	if _, live := operations.FindWorker(s.info.Live, addr); live {
		return false, nil
	}
	if err := s.conn.Enable(ctx, []operations.WorkerAddress{addr}); err != nil {
		return false, err
	}
	info, err := s.conn.Observe(ctx)
	if err != nil {
		return true, nil // cannot tell: a restart is always safe here
	}
	_, live := operations.FindWorker(info.Live, addr)
	return !live, nil
}

// checkUnpersisted asks each victim that is about to be decommissioned, or
// is draining, whether it caches data not yet persisted. It must be asked
// before the decommission: afterwards the master forgets the worker's
// blocks (the worker's own list is what is read here).
func (s *scaleIn) checkUnpersisted(ctx context.Context) {
	if s.conn == nil || s.info == nil {
		return
	}
	for _, v := range s.pods {
		if v.state != drainfsm.Pending && v.state != drainfsm.Draining && v.state != drainfsm.TimedOut {
			continue
		}
		addr, ok := s.addrs[v.name()]
		if _, live := operations.FindWorker(s.info.Live, addr); !ok || (v.state == drainfsm.Pending && !live) {
			continue
		}
		u, err := s.conn.UnpersistedData(ctx, addr)
		switch {
		case errors.Is(err, operations.ErrUnsupported):
			s.unpersistedUnknown[v.name()] = err.Error()
		case err != nil:
			// Unknown is treated as present: never remove what might be
			// the only copy on a guess.
			s.unpersisted[v.name()] = "could not check for unpersisted data: " + err.Error()
		case u.Files > 0:
			more := ""
			if u.Truncated {
				more = " at least"
			}
			s.unpersisted[v.name()] = fmt.Sprintf("%s %d files (%d bytes, e.g. %v) exist only in its cache, not yet persisted", more, u.Files, u.Bytes, u.Examples)
		}
	}
}
