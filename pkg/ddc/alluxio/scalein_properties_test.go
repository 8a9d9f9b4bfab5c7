package alluxio

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// The tests here check, one reconcile at a time on the fake clock, what a
// user sees of each promise the scale-in makes: which pods are there,
// their state, the runtime's condition, the events and the log.

const (
	refresh = defaultRefreshInterval
	quiet   = defaultQuietPeriod
)

// left reports whether victim i has finished its drain (Scaled) or is
// gone.
func (e *engine) left(i int32) bool {
	s := e.state(i)
	return s == "Scaled" || s == "gone"
}

// drainStarted scales 3 workers to 2 and reconciles until worker 2 drains.
func drainStarted(t *testing.T, policy datav1alpha1.ScaleInPolicy) *engine {
	e := newEngine(t, 3, policy)
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	return e
}

// An idle victim stays until the clients' worker lists have refreshed
// since its decommission (its quiet period has long passed), then leaves.
func TestIdleVictimWaitsForTheClientsRefresh(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	decommissioned := e.decommissionedAt(2)
	for e.clock.Now().Before(decommissioned.Add(refresh)) {
		e.g.Expect(e.left(2)).To(BeFalse(), "left at %s, %s after its decommission, before the clients' refresh (%s)",
			e.clock.Now(), e.clock.Now().Sub(decommissioned), refresh)
		e.advance(poll)
	}
	e.reconcileUntil(poll, 3, func() bool { return e.left(2) })
	e.reconcileUntil(poll, 3, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.workerReplicas()).To(Equal(int32(2)))
}

// A worker with operations in flight stays, however long, and leaves only
// after it was idle for the quiet period.
func TestBusyVictimLeavesOnlyAfterItWasIdleForTheQuietPeriod(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 4 })
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	busyUntil := e.clock.Now().Add(2 * refresh)
	for e.clock.Now().Before(busyUntil) {
		e.g.Expect(e.left(2)).To(BeFalse(), "left with 4 operations in flight")
		e.advance(poll)
	}
	e.g.Expect(e.condition().Message).To(ContainSubstring("4 operations in flight"))
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 0 })
	idle := e.clock.Now()
	e.reconcileUntil(poll, 20, func() bool { return e.left(2) })
	e.g.Expect(e.clock.Now().Sub(idle)).To(BeNumerically(">=", quiet), "left before a quiet period of %s", quiet)
}

// A scale-in that waits asks to be looked at again at its poll interval
// (or sooner, see below): nothing else would wake it while a worker
// drains.
func TestWaitingScaleInAsksToBeReconciledAtItsPollInterval(t *testing.T) {
	pollEvery := 7 * time.Second
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{PollInterval: &metav1.Duration{Duration: pollEvery}})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.scaleTo(2)
	res := e.reconcile()
	for range 4 {
		e.g.Expect(res.RequeueAfter).To(Equal(pollEvery), "while %s is busy (%s)", "cache-worker-2", e.state(2))
		res = e.advance(pollEvery)
	}
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 0 })
	for n := 0; e.workerReplicas() == 3; n++ {
		e.g.Expect(n).To(BeNumerically("<", 100), "the scale-in did not finish")
		e.g.Expect(res.RequeueAfter).To(And(BeNumerically(">", 0), BeNumerically("<=", pollEvery)), "while %s waits (%s)", "cache-worker-2", e.state(2))
		res = e.advance(res.RequeueAfter)
	}
}

// A victim whose refresh wait or quiet period ends before the next poll
// is looked at when it ends: the poll interval does not add to the
// scale-in.
func TestIdleVictimIsLookedAtWhenItsRefreshWaitEnds(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{PollInterval: &metav1.Duration{Duration: 10 * refresh}})
	e.scaleTo(2)
	res := e.reconcile()
	e.g.Expect(e.state(2)).To(Equal("Draining"))
	decommissioned := e.decommissionedAt(2)
	for n := 0; !e.left(2); n++ {
		e.g.Expect(n).To(BeNumerically("<", 10), "not left")
		e.g.Expect(res.RequeueAfter).To(BeNumerically(">", 0))
		res = e.advance(res.RequeueAfter)
	}
	e.g.Expect(e.clock.Now().Sub(decommissioned)).To(BeNumerically("<=", refresh+quiet), "looked at when its waits ended, not a poll later")
}

// Data that exists only in a victim's cache holds it, undecommissioned,
// until it is persisted; the condition says why.
func TestVictimWithUnpersistedDataIsHeldUntilItIsPersisted(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.unpersisted[host(2)] = 2 })
	e.scaleTo(2)
	for range 30 {
		e.advance(poll)
		e.g.Expect(e.state(2)).To(Equal("Pending"))
	}
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)))
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeZero())
	e.g.Expect(e.condition().Reason).To(Equal("UnpersistedData"))
	e.g.Expect(e.condition().Message).To(ContainSubstring("2 files"))

	e.master.set(func(m *fakeMaster) { m.unpersisted[host(2)] = 0 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
}

// Data written to a victim while it drains (clients that have not
// refreshed yet) holds it as well.
func TestDataWrittenWhileDrainingHoldsTheVictim(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.unpersisted[host(2)] = 1 })
	for range 3 * int(refresh/poll) {
		e.advance(poll)
		e.g.Expect(e.left(2)).To(BeFalse(), "left holding a file that exists only in its cache")
	}
	e.g.Expect(e.condition().Reason).To(Equal("UnpersistedData"))
	e.master.set(func(m *fakeMaster) { m.unpersisted[host(2)] = 0 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
}

// A draining victim deleted by hand keeps its pod (the finalizer) until
// clients can no longer send it work.
func TestVictimDeletedByHandWhileDrainingIsHeldUntilClientsRefreshed(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	decommissioned := e.decommissionedAt(2)
	p, _ := e.pod(2)
	e.g.Expect(e.c.Delete(e.ctx, &p)).To(Succeed())
	for e.clock.Now().Add(poll).Before(decommissioned.Add(refresh)) {
		e.advance(poll)
		_, there := e.pod(2)
		e.g.Expect(there).To(BeTrue(), "pod released %s after its decommission, before the clients' refresh (%s)", e.clock.Now().Sub(decommissioned), refresh)
	}
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "gone" })
}

// A scale-out during a drain takes the victim back: its record and
// finalizer go, Alluxio lists its worker as live, and the condition says
// the scale-in was cancelled.
func TestScaleOutTakesADrainingVictimBackIntoService(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	e.scaleTo(3)
	e.reconcileUntil(poll, 100, func() bool {
		p, ok := e.pod(2)
		return ok && p.Annotations[datav1alpha1.ScaleInStateAnnotation] == "" && p.DeletionTimestamp.IsZero()
	})
	p, _ := e.pod(2)
	e.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
	info, err := e.master.Observe(e.ctx)
	e.g.Expect(err).NotTo(HaveOccurred())
	var live []string
	for _, w := range info.Live {
		live = append(live, w.Address.Host)
	}
	e.g.Expect(live).To(ContainElement(host(2)), "the worker serves again")
	e.reconcile()
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)))
	e.g.Expect(e.condition().Status).To(Equal(metav1.ConditionTrue))
	e.g.Expect(e.condition().Reason).To(Equal(datav1alpha1.CancelledReason))
}

// The condition says what the scale-in waits for while it runs, and is
// True with reason Scaled once it is over.
func TestConditionSaysWhatTheScaleInWaitsForThenTrue(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.scaleTo(2)
	e.reconcile()
	e.g.Expect(e.condition().Status).To(Equal(metav1.ConditionFalse))
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	e.advance(poll)
	c := e.condition()
	e.g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
	e.g.Expect(c.Reason).To(Equal("Draining"))
	e.g.Expect(c.Message).To(ContainSubstring("cache-worker-2"))
	e.g.Expect(c.Message).To(ContainSubstring("refresh"))
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	e.reconcile()
	c = e.condition()
	e.g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	e.g.Expect(c.Reason).To(Equal(datav1alpha1.ScaledReason))
	e.g.Expect(c.Message).To(ContainSubstring("scaled in from 3 to 2 workers"))
}

// logLine is one captured log call.
type logLine struct {
	err bool
	msg string
	kv  []any
}

// logRecorder is a logr sink that keeps every line.
type logRecorder struct {
	mu    sync.Mutex
	lines []logLine
}

type recordingSink struct{ r *logRecorder }

func (s recordingSink) Init(logr.RuntimeInfo)          {}
func (s recordingSink) Enabled(int) bool               { return true }
func (s recordingSink) WithValues(...any) logr.LogSink { return s }
func (s recordingSink) WithName(string) logr.LogSink   { return s }
func (s recordingSink) Info(_ int, msg string, kv ...any) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.lines = append(s.r.lines, logLine{msg: msg, kv: kv})
}
func (s recordingSink) Error(_ error, msg string, kv ...any) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.lines = append(s.r.lines, logLine{err: true, msg: msg, kv: kv})
}

// A scale-in that waits for a busy worker is logged at Info, with the
// reason; no line is an Error and no reconcile returns an error.
func TestAWaitIsLoggedAtInfoNeverAsAnError(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	rec := &logRecorder{}
	e.ctx = ctrl.LoggerInto(e.ctx, logr.New(recordingSink{rec}))
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.scaleTo(2)
	for range 30 {
		e.advance(poll) // fails on a reconcile error
	}
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 0 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	waits := 0
	for _, l := range rec.lines {
		e.g.Expect(l.err).To(BeFalse(), "Error line during a normal scale-in: %s %v", l.msg, l.kv)
		if l.msg == "waiting for the scale-in" {
			waits++
		}
	}
	e.g.Expect(waits).To(BeNumerically(">=", 30), "each wait is logged at Info")
}

// A worker the master does not list but whose own server answers may
// hold data (it was decommissioned elsewhere, or is registering): it is
// waited for, not judged never to have registered.
func TestUnlistedWorkerThatAnswersIsWaitedFor(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { delete(m.registered, host(2)) })
	e.scaleTo(2)
	for range 5 {
		e.advance(poll)
		e.g.Expect(e.state(2)).To(Equal("Pending"))
	}
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)))
	e.g.Expect(e.condition().Reason).To(Equal("WorkerUnregistered"))
	e.master.set(func(m *fakeMaster) { m.registered[host(2)] = 30000 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeNumerically(">=", 1))
}

// maxConcurrent 1: one worker at a time is decommissioned and drains.
func TestMaxConcurrentOneDecommissionsOneWorkerAtATime(t *testing.T) {
	one := int32(1)
	e := newEngine(t, 4, datav1alpha1.ScaleInPolicy{MaxConcurrent: &one})
	e.scaleTo(1)
	for n := 0; e.workerReplicas() != 1; n++ {
		e.g.Expect(n).To(BeNumerically("<", 300), "the scale-in did not finish")
		holding := 0
		for i := range int32(4) {
			switch e.state(i) {
			case "Decommissioning", "Draining", "TimedOut":
				holding++
			}
		}
		e.g.Expect(holding).To(BeNumerically("<=", 1), "victims draining at once with maxConcurrent 1")
		e.advance(poll)
	}
	for _, batch := range e.master.decommissions {
		e.g.Expect(batch).To(HaveLen(1))
	}
}

// drainEvents reads every event recorded so far.
func (e *engine) drainEvents() []string {
	var out []string
	for {
		select {
		case ev := <-e.events.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// The force annotation lets a busy victim leave at once, and a Warning
// event with reason Forced says so.
func TestForcedVictimLeavesAtOnceWithAWarningEvent(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 3 })
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	e.drainEvents()
	p, _ := e.pod(2)
	p.Annotations[datav1alpha1.ScaleInForceAnnotation] = "true"
	e.g.Expect(e.c.Update(e.ctx, &p)).To(Succeed())
	e.reconcileUntil(poll, 3, func() bool { return e.state(2) == "gone" })
	forced := false
	for _, ev := range e.drainEvents() {
		if strings.HasPrefix(ev, corev1.EventTypeWarning+" "+datav1alpha1.ForcedReason) && strings.Contains(ev, "cache-worker-2") {
			forced = true
		}
	}
	e.g.Expect(forced).To(BeTrue(), "a Warning event with reason Forced names the pod")
}

// A runtime deleted mid-drain leaves no pod holding the finalizer.
func TestDeletedRuntimeReleasesEveryPod(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	e.g.Expect(e.c.Delete(e.ctx, e.runtime())).To(Succeed())
	_, err := e.r.Reconcile(e.ctx, ctrl.Request{NamespacedName: e.rt})
	e.g.Expect(err).NotTo(HaveOccurred())
	for _, p := range e.pods() {
		e.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer), "pod %s", p.Name)
	}
}

// A worker that registered before the master restarted, and whose own
// server does not answer for a while (its process restarting), may hold
// data on its disks: unlisted and unreachable is no evidence that it never
// registered. It is waited for, then drained once it registers.
func TestUnreachableWorkerUnlistedByARestartedMasterIsWaitedFor(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) {
		m.startedAt = t0.Add(time.Minute) // after the pods started
		delete(m.registered, host(2))
		m.down[host(2)] = true
	})
	e.scaleTo(2)
	for range 5 {
		e.advance(poll)
		e.g.Expect(e.state(2)).To(Equal("Pending"))
	}
	e.g.Expect(e.workerReplicas()).To(Equal(int32(3)), "no worker leaves on one absent listing")
	e.g.Expect(e.condition().Reason).To(Equal("WorkerUnregistered"))
	e.master.set(func(m *fakeMaster) {
		m.registered[host(2)] = 30000
		m.down[host(2)] = false
	})
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeNumerically(">=", 1), "it was decommissioned before it left")
}
