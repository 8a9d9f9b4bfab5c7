package guard

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/log"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// DefaultTimeout is how long the guard honours a heartbeat: longer than
// a controller restart or a leader hand-over (seconds to a minute), short
// enough that a controller that is down or gone delays Fluid's scale-ins
// by minutes, not for ever.
const DefaultTimeout = 5 * time.Minute

// DefaultClockLease is kube-controller-manager's leader-election lease,
// the clock the policy reads the heartbeat's age by.
var DefaultClockLease = types.NamespacedName{Namespace: "kube-system", Name: "kube-controller-manager"}

// renewalsPerTimeout: the heartbeat is renewed this many times per
// timeout, so a slow or refused write or two never lets it expire.
const renewalsPerTimeout = 5

// Heartbeat keeps the heartbeat annotation fresh on every namespace that
// holds guarded pods, while this replica leads. It is a manager
// Runnable.
type Heartbeat struct {
	// Client writes the namespaces' annotation and lists runtimes.
	Client client.Client
	// Reader reads namespaces and the clock lease from the API server
	// (namespaces are not cached: a big cluster has many).
	Reader client.Reader
	// Pods lists the pods the guard's label is on (the cache of Fluid's
	// pods).
	Pods     client.Reader
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
	// Timeout is the heartbeat timeout the policy is rendered with.
	Timeout time.Duration
	// ClockLease is the lease the policy reads the time from.
	ClockLease types.NamespacedName

	mu      sync.Mutex
	renewed map[string]time.Time
}

// NeedLeaderElection: only the leader drains, so only it vouches for
// the guard.
func (h *Heartbeat) NeedLeaderElection() bool { return true }

// Period is how often the heartbeat is renewed.
func (h *Heartbeat) Period() time.Duration {
	return max(h.Timeout/renewalsPerTimeout, time.Second)
}

// Start renews the heartbeat of every namespace with guarded pods every
// Period until ctx ends.
func (h *Heartbeat) Start(ctx context.Context) error {
	log := ctrl.FromContext(ctx).WithName("drain-guard")
	ctx = ctrl.IntoContext(ctx, log)
	h.checkClock(ctx)
	t := time.NewTicker(h.Period())
	defer t.Stop()
	for {
		if err := h.renewAll(ctx); err != nil {
			log.Info("drain guard heartbeat not renewed, retrying", "error", err.Error(), "retryAfter", h.Period())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// checkClock says, once, when the policy has no clock to read: without
// kube-controller-manager's lease the policy holds nothing at all.
func (h *Heartbeat) checkClock(ctx context.Context) {
	err := h.Reader.Get(ctx, h.ClockLease, &coordinationv1.Lease{})
	switch {
	case apierrors.IsNotFound(err):
		ctrl.FromContext(ctx).Error(err, "the drain guard holds no pod: it reads the time from kube-controller-manager's leader-election lease, which is not there; "+
			"run kube-controller-manager with --leader-elect, or set admissionPolicy.clockLease to its lease", "lease", h.ClockLease.String())
	case err != nil:
		ctrl.FromContext(ctx).Info("could not check the drain guard's clock lease", "lease", h.ClockLease.String(), "error", err.Error())
	}
}

// renewAll renews the namespaces holding guarded pods.
func (h *Heartbeat) renewAll(ctx context.Context) error {
	pods := &corev1.PodList{}
	if err := h.Pods.List(ctx, pods, client.MatchingLabels{datav1alpha1.DrainGuardLabel: datav1alpha1.DrainGuardValue}); err != nil {
		return fmt.Errorf("list guarded pods: %w", err)
	}
	seen := map[string]bool{}
	var errs []error
	for i := range pods.Items {
		ns := pods.Items[i].Namespace
		if seen[ns] {
			continue
		}
		seen[ns] = true
		if err := h.renew(ctx, ns); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d namespaces: first: %w", len(errs), errs[0])
	}
	return nil
}

// Ensure makes sure ns has a fresh heartbeat before its pods are put
// under the guard: renewed within the last Period, or renewed now.
func (h *Heartbeat) Ensure(ctx context.Context, ns string) error {
	h.mu.Lock()
	last, ok := h.renewed[ns]
	h.mu.Unlock()
	if ok && h.Clock.Since(last) < h.Period() {
		return nil
	}
	return h.renew(ctx, ns)
}

// renew writes the heartbeat on ns. A previous one that had expired means
// the guard held nothing for a while: every runtime there is told.
func (h *Heartbeat) renew(ctx context.Context, name string) error {
	ns := &corev1.Namespace{}
	if err := h.Reader.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		return fmt.Errorf("get namespace %s: %w", name, err)
	}
	now := h.Clock.Now().UTC()
	prev, _ := time.Parse(time.RFC3339, ns.Annotations[datav1alpha1.DrainGuardHeartbeatAnnotation])
	base := ns.DeepCopy()
	if ns.Annotations == nil {
		ns.Annotations = map[string]string{}
	}
	ns.Annotations[datav1alpha1.DrainGuardHeartbeatAnnotation] = now.Format(time.RFC3339)
	if err := h.Client.Patch(ctx, ns, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("renew the drain guard heartbeat on namespace %s: %w", name, err)
	}
	h.mu.Lock()
	if h.renewed == nil {
		h.renewed = map[string]time.Time{}
	}
	h.renewed[name] = now
	h.mu.Unlock()
	if !prev.IsZero() && now.Sub(prev) > h.Timeout {
		h.tellLapse(ctx, name, prev.Add(h.Timeout), now)
	}
	return nil
}

// tellLapse sends a Warning event to every runtime of the namespace: from
// lapsedAt to now the guard held nothing.
func (h *Heartbeat) tellLapse(ctx context.Context, ns string, lapsedAt, now time.Time) {
	msg := fmt.Sprintf("the drain guard lapsed from %s to %s: fluid-drain renewed no heartbeat for longer than %s (down, or unable to write it), so meanwhile the StatefulSet controller could remove workers of this namespace without a drain",
		lapsedAt.Format(time.RFC3339), now.Format(time.RFC3339), h.Timeout)
	ctrl.FromContext(ctx).Info(msg, "namespace", ns)
	runtimes := &datav1alpha1.AlluxioRuntimeList{}
	if err := h.Client.List(ctx, runtimes, client.InNamespace(ns)); err != nil {
		ctrl.FromContext(ctx).Info("could not list the runtimes to tell of the guard's lapse", "namespace", ns, "error", err.Error())
		return
	}
	for i := range runtimes.Items {
		rt := &runtimes.Items[i]
		h.Recorder.Eventf(rt, nil, corev1.EventTypeWarning, datav1alpha1.GuardLapsedReason, "DrainGuard", "%s", msg)
		ctrl.FromContext(ctx).Info("told of the guard's lapse", "runtime", klog.KObj(rt))
	}
}
