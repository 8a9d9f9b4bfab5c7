package alluxio

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// alluxioView is what one reconcile learned from, and did to, the
// runtime's Alluxio master.
type alluxioView struct {
	conn operations.Interface
	// info is the master's view; nil when it could not be read.
	info       *operations.ClusterInfo
	observeErr error
	// observedAt is when info was read.
	observedAt time.Time
	// unsupported is set when this Alluxio cannot decommission workers.
	unsupported string
	// decommissionErr is the last decommission failure, if any.
	decommissionErr error
}

// observation is what Alluxio says of one victim's worker in this
// reconcile, matched to it once.
type observation struct {
	addr    operations.WorkerAddress
	addrErr string
	// live, lost: the master's lists; neverRegistered: see drainfsm.Worker.
	live, lost, neverRegistered bool
	activity                    operations.Activity
	activityErr                 string
	// unpersisted names data only in its cache; unpersistedErr says why
	// that could not be checked; unpersistedUnsupported why it never can.
	unpersisted, unpersistedErr, unpersistedUnsupported string
	// sharedAddress names other live workers registered at the same host
	// and web port.
	sharedAddress string
}

// observeAlluxio connects to the runtime's Alluxio and reads the master's
// view once for the whole reconcile.
func (r *Reconciler) observeAlluxio(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, masterPod *corev1.Pod) alluxioView {
	a := alluxioView{}
	pods, err := r.masterPods(ctx, rt, masterPod)
	if len(pods) == 0 {
		a.observeErr = fmt.Errorf("master pod %s does not exist yet", masterPodName(rt))
		if err != nil {
			a.observeErr = err
		}
		return a
	}
	leader, err := r.leadingMaster(ctx, rt, pods)
	if err != nil {
		a.observeErr = err
		return a
	}
	a.conn = leader.conn
	a.setInfo(leader.info, nil, r.Clock.Now())
	return a
}

// refresh re-reads the master's view; now is when it is read.
func (a *alluxioView) refresh(ctx context.Context, now time.Time) {
	info, err := a.conn.Observe(ctx)
	a.setInfo(info, err, now)
}

// setInfo records the master's view read at now.
func (a *alluxioView) setInfo(info *operations.ClusterInfo, err error, now time.Time) {
	a.info, a.observeErr, a.observedAt = info, err, now.UTC().Truncate(time.Millisecond)
	if err == nil && info.Version != "" && !operations.SupportsDecommission(info.Version) {
		a.unsupported = (&operations.UnsupportedError{Version: info.Version, Command: "fsadmin decommissionWorker"}).Error()
	}
}

// observed reports whether the master answered this reconcile.
func (a *alluxioView) observed() bool { return a.observeErr == nil && a.info != nil }

// workerAddress is the address a worker pod's process registered with:
// its host from the running pod (what its ALLUXIO_WORKER_HOSTNAME says,
// and where its web server answers when that differs), its ports
// from the pod's named container ports. Workers are OnDelete, so after a
// port or network change in the spec, running pods keep the old ones.
func workerAddress(pod *corev1.Pod, w component) (operations.WorkerAddress, error) {
	host, reach, err := operations.WorkerHosts(pod, w.container)
	if err != nil {
		return operations.WorkerAddress{}, err
	}
	addr := operations.WorkerAddress{Host: host, ContainerHost: reach, RPCPort: w.rpcPort, WebPort: w.webPort}
	ports := operations.ContainerPorts(pod, w.container)
	if p, ok := ports[operations.PortNameRPC]; ok {
		addr.RPCPort = int32(p)
	}
	if p, ok := ports[operations.PortNameWeb]; ok {
		addr.WebPort = int32(p)
	}
	return addr, nil
}

// observeVictims asks Alluxio about every victim that takes a decision
// in this reconcile: the master's lists, and the worker itself for what
// its state needs. Workers are asked concurrently; each answer goes to
// its own victim only.
func (s *scaleIn) observeVictims(ctx context.Context) {
	if !s.observed() {
		return
	}
	var asked []*victim
	for i := range s.pods {
		v := &s.pods[i]
		if v.state == "" || v.state == drainfsm.Cancelled {
			continue
		}
		asked = append(asked, v)
	}
	_ = s.forEach(len(asked), func(i int) error { s.observeVictim(ctx, asked[i]); return nil })
}

func (s *scaleIn) observeVictim(ctx context.Context, v *victim) {
	o := &v.obs
	if o.addrErr != "" {
		// No address: the pod never ran, so its worker never registered.
		o.neverRegistered = v.pod.Status.StartTime == nil
		o.activityErr = o.addrErr
		v.idleSince = time.Time{}
		return
	}
	_, o.live = operations.FindWorker(s.info.Live, o.addr)
	o.sharedAddress = sharedAddress(s.info.Live, o.addr)
	_, o.lost = operations.FindWorker(s.info.Lost, o.addr)
	if v.state == drainfsm.Draining || v.state == drainfsm.TimedOut {
		s.measureActivity(ctx, v)
	}
	if needsUnpersistedCheck(v) {
		s.checkUnpersisted(ctx, v)
	}
	if !o.live && !o.lost && (v.state == drainfsm.Pending || v.state == drainfsm.TimedOut && v.decommissionedAt.IsZero()) {
		o.neverRegistered = s.neverRegistered(ctx, v)
	}
}

// needsUnpersistedCheck: a victim about to be decommissioned (afterwards
// the master forgets the worker's blocks), draining, or lost (its process
// may still answer) is asked for data that exists only in its cache.
func needsUnpersistedCheck(v *victim) bool {
	switch v.state {
	case drainfsm.Pending:
		return v.obs.live || v.obs.lost
	case drainfsm.Draining, drainfsm.TimedOut:
		return true
	}
	return v.obs.lost
}

// measureActivity asks a draining worker for its work in flight and keeps
// the idle-since record: set when first seen idle, cleared whenever it is
// seen busy or cannot be asked (the quiet period must be unbroken).
func (s *scaleIn) measureActivity(ctx context.Context, v *victim) {
	act, err := s.conn.WorkerActivity(ctx, v.obs.addr)
	switch {
	case err != nil:
		v.obs.activityErr = err.Error()
		v.idleSince = time.Time{}
	case act.Idle():
		v.obs.activity = act
		if v.idleSince.IsZero() {
			v.idleSince = s.now
		}
	default:
		v.obs.activity = act
		v.idleSince = time.Time{}
	}
}

// checkUnpersisted asks the worker itself (its own block list, which it
// keeps after a decommission) whether it caches data not yet persisted.
func (s *scaleIn) checkUnpersisted(ctx context.Context, v *victim) {
	u, err := s.conn.UnpersistedData(ctx, v.obs.addr)
	switch {
	case errors.Is(err, operations.ErrUnsupported):
		v.obs.unpersistedUnsupported = err.Error()
	case err != nil:
		v.obs.unpersistedErr = err.Error()
	case u.Files > 0:
		more := ""
		if u.Truncated {
			more = "at least "
		}
		v.obs.unpersisted = fmt.Sprintf("%s%d files (%d bytes, e.g. %v) exist only in its cache, not yet persisted", more, u.Files, u.Bytes, u.Examples)
	}
}

// neverRegistered is the positive evidence that a worker the master does
// not list never registered: the master has run since before the
// worker's container started, and the worker's own web server does not
// answer (a running worker that the master does not list was
// decommissioned, or is still registering).
func (s *scaleIn) neverRegistered(ctx context.Context, v *victim) bool {
	started := containerStartedAt(v.pod, s.w.container)
	if s.info.StartedAt.IsZero() || started.IsZero() || !s.info.StartedAt.Before(started) {
		return false
	}
	_, err := s.conn.WorkerActivity(ctx, v.obs.addr)
	return errors.Is(err, operations.ErrWorkerUnreachable)
}

// containerStartedAt is when the pod's container last started, or the
// pod's start when the container status does not say.
func containerStartedAt(pod *corev1.Pod, container string) time.Time {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == container && cs.State.Running != nil {
			return cs.State.Running.StartedAt.Time
		}
	}
	if pod.Status.StartTime != nil {
		return pod.Status.StartTime.Time
	}
	return time.Time{}
}

// sharedAddress says which other live workers registered addr's host and
// web port (ContainerNetwork workers of one node, told apart only by
// their container host), or "" when none did.
func sharedAddress(live []operations.WorkerInfo, addr operations.WorkerAddress) string {
	var others []string
	for _, w := range live {
		if w.Address.Host == addr.Host && w.Address.WebPort == addr.WebPort && addr.ContainerHost != "" && w.Address.ContainerHost != addr.ContainerHost {
			others = append(others, w.Address.ContainerHost)
		}
	}
	if len(others) == 0 {
		return ""
	}
	return fmt.Sprintf("the worker registered host %s and web port %d, as the worker(s) at %v on the same node do", addr.Host, addr.WebPort, others)
}
