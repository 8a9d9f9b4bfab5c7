package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// Simulated schedules run on a simulated clock: one seed gives one run
// and one verdict, whatever the machine's load.
const (
	simStep        = 500 * time.Millisecond
	simFaultPhase  = 6 * time.Minute
	simSettleLimit = 20 * time.Minute
)

type simFaultKind string

const (
	sRestart        simFaultKind = "controller-restart"
	sCrash          simFaultKind = "controller-killed-mid-reconcile"
	sCrashInDecom   simFaultKind = "controller-killed-during-decommission"
	sConflicts      simFaultKind = "api-write-conflicts"
	sMasterDown     simFaultKind = "master-down"
	sMasterRestart  simFaultKind = "master-restart-forgets-workers"
	sDecomFail      simFaultKind = "decommission-exit-code"
	sDecomSlow      simFaultKind = "slow-decommission"
	sScale          simFaultKind = "user-scales"
	sDeleteVictim   simFaultKind = "victim-pod-deleted"
	sDeleteRuntime  simFaultKind = "runtime-deleted"
	sBusy           simFaultKind = "worker-busy"
	sForce          simFaultKind = "force-annotation"
	sSlowStart      simFaultKind = "slow-worker-start"
	sWorkerDown     simFaultKind = "worker-unreachable"
	sGateFlip       simFaultKind = "GracefulScaleIn-flipped"
	sPortChange     simFaultKind = "worker-port-changed"
	sUnpersistedBig simFaultKind = "unpersisted-writes"
	sRefreshChange  simFaultKind = "refresh-interval-changed"
)

var simWeights = []struct {
	kind simFaultKind
	w    int
}{
	{sRestart, 8}, {sCrash, 8}, {sCrashInDecom, 4}, {sConflicts, 8}, {sMasterDown, 6}, {sMasterRestart, 6},
	{sDecomFail, 8}, {sDecomSlow, 4}, {sScale, 14}, {sDeleteVictim, 5}, {sDeleteRuntime, 2}, {sBusy, 12},
	{sForce, 4}, {sSlowStart, 4}, {sWorkerDown, 5}, {sGateFlip, 5}, {sPortChange, 3}, {sUnpersistedBig, 6},
	// Drawn apart (drawRefreshChanges), so the faults above stay those
	// each seed had before it.
	{sRefreshChange, 0},
}

type simFault struct {
	at   time.Duration // into the fault phase
	kind simFaultKind
	dur  time.Duration
	n    int
	p    float64
	pick uint64
}

func (f simFault) String() string {
	switch f.kind {
	case sCrash:
		return fmt.Sprintf("%s after %d writes", f.kind, f.n)
	case sConflicts:
		return fmt.Sprintf("%s p=%.2f for %s", f.kind, f.p, f.dur)
	case sMasterDown, sBusy, sWorkerDown, sDecomSlow, sSlowStart:
		return fmt.Sprintf("%s for %s", f.kind, f.dur)
	case sDecomFail:
		return fmt.Sprintf("%s %d, %d times", f.kind, f.n, 1+f.n%3)
	case sScale:
		return fmt.Sprintf("%s to %d", f.kind, f.n)
	case sRefreshChange:
		return fmt.Sprintf("%s to %s", f.kind, refreshValues[f.n].d)
	}
	return string(f.kind)
}

// simSchedule is everything a seed decides.
type simSchedule struct {
	seed           int64
	initial, first int32
	kruise         bool
	graceful       bool
	maxConcurrent  *int32
	drainTimeout   time.Duration
	onTimeout      datav1alpha1.DrainTimeoutAction
	poll, quiet    time.Duration
	refresh        time.Duration
	opTime         time.Duration
	decomTime      time.Duration
	// cacheLag bounds how long the controller's cache takes to see a
	// write (0 to 2 poll intervals).
	cacheLag time.Duration
	faults   []simFault
}

func (s simSchedule) String() string {
	mc := "unset"
	if s.maxConcurrent != nil {
		mc = fmt.Sprint(*s.maxConcurrent)
	}
	kind := "StatefulSet"
	if s.kruise {
		kind = "Advanced StatefulSet"
	}
	return fmt.Sprintf("seed %d: %d workers (%s) scaled to %d; GracefulScaleIn %v; maxConcurrent %s, drainTimeout %s, onDrainTimeout %s, poll %s, quiet %s, refresh %s, decommission takes %s, operations %s, cache lag up to %s; %d faults",
		s.seed, s.initial, kind, s.first, s.graceful, mc, s.drainTimeout, s.onTimeout, s.poll, s.quiet, s.refresh, s.decomTime, s.opTime, s.cacheLag, len(s.faults))
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func newSimSchedule(seed int64) simSchedule {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x51a1))
	s := simSchedule{seed: seed, initial: 2 + rng.Int32N(4)}
	s.first = rng.Int32N(s.initial)
	if s.first == 0 && rng.IntN(3) > 0 {
		s.first = 1
	}
	s.kruise = rng.IntN(3) == 0
	s.graceful = rng.IntN(8) > 0
	switch rng.IntN(3) {
	case 1:
		s.maxConcurrent = ptr.To[int32](1)
	case 2:
		s.maxConcurrent = ptr.To[int32](2)
	}
	s.poll = pick(rng, time.Second, 2*time.Second, 5*time.Second)
	s.quiet = pick(rng, 2*time.Second, 10*time.Second, 20*time.Second)
	s.refresh = pick(rng, 20*time.Second, 45*time.Second, 90*time.Second, 2*time.Minute)
	s.opTime = pick(rng, 300*time.Millisecond, 2*time.Second, 8*time.Second)
	// The decommission returns well before the refresh has passed: only
	// the controller's own wait can cover the clients' refresh.
	s.decomTime = s.refresh / time.Duration(pick(rng, 10, 40, 200))
	s.drainTimeout, s.onTimeout = 10*time.Minute, datav1alpha1.DrainTimeoutWait
	if rng.IntN(3) == 0 {
		s.drainTimeout = pick(rng, 30*time.Second, 3*time.Minute)
		if rng.IntN(2) == 0 {
			s.onTimeout = datav1alpha1.DrainTimeoutForce
		}
	}
	total := 0
	for _, w := range simWeights {
		total += w.w
	}
	deleted := false
	for at := time.Duration(0); at < simFaultPhase; at += 5 * time.Second {
		if rng.Float64() >= 0.15 {
			continue
		}
		x := rng.IntN(total)
		var kind simFaultKind
		for _, w := range simWeights {
			if x < w.w {
				kind = w.kind
				break
			}
			x -= w.w
		}
		f := simFault{at: at, kind: kind, dur: time.Duration(1+rng.IntN(60)) * time.Second, pick: rng.Uint64()}
		switch kind {
		case sDeleteRuntime:
			if deleted || at < simFaultPhase/2 {
				continue
			}
			deleted = true
		case sCrash:
			f.n = rng.IntN(6)
		case sConflicts:
			f.p = pick(rng, 0.2, 0.5, 1.0)
		case sDecomFail:
			f.n = pick(rng, 1, 2, 3, 255)
		case sScale:
			f.n = int(rng.Int32N(7))
			if f.n == 0 && rng.IntN(2) == 0 {
				f.n = 1 + rng.IntN(5)
			}
		case sBusy:
			f.dur = time.Duration(1+rng.IntN(240)) * time.Second
		}
		s.faults = append(s.faults, f)
	}
	// Drawn apart, so that the faults above stay those each seed had
	// before.
	more := rand.New(rand.NewPCG(uint64(seed), 0x1a66))
	s.cacheLag = time.Duration(more.IntN(5)) * s.poll / 2
	s.faults = drawRefreshChanges(more, s.faults)
	return s
}

// run plays the schedule and returns the world with its log and failures.
func (s simSchedule) run() *simWorld {
	w := newSimWorld(s.seed, s.kruise, s.cacheLag)
	w.graceful = s.graceful
	w.alx = newSimAlluxio(w, w.clock, rand.New(rand.NewPCG(uint64(s.seed), 0xc11e)), s.refresh, s.opTime, s.decomTime)
	w.newController()
	w.logf("%s", s)
	ctx := context.Background()
	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: w.name},
		Spec: datav1alpha1.AlluxioRuntimeSpec{
			Replicas:   s.initial,
			Properties: map[string]string{refreshProperty: fmt.Sprintf("%dms", s.refresh.Milliseconds())},
			ScaleIn: datav1alpha1.ScaleInPolicy{
				PollInterval:   &metav1.Duration{Duration: s.poll},
				QuietPeriod:    &metav1.Duration{Duration: s.quiet},
				DrainTimeout:   &metav1.Duration{Duration: s.drainTimeout},
				OnDrainTimeout: s.onTimeout,
				MaxConcurrent:  s.maxConcurrent,
			},
		},
	}
	if err := w.store.Create(ctx, rt); err != nil {
		w.failf("create runtime: %v", err)
		return w
	}
	w.scales = append(w.scales, scaleRecord{replicas: s.initial})

	// Bring-up, no faults.
	for !w.allLive(s.initial) {
		if w.clock.Now().Sub(w.start) > 5*time.Minute {
			w.failf("bring-up: %d workers not live after 5 minutes (last: %s)", s.initial, w.lastResult)
			return w
		}
		w.tick()
	}
	w.logf("bring-up done: %d workers live", s.initial)
	w.userScale(s.first)

	phase := w.clock.Now()
	next := 0
	for w.clock.Now().Sub(phase) < simFaultPhase {
		for next < len(s.faults) && s.faults[next].at <= w.clock.Now().Sub(phase) {
			w.inject(s.faults[next])
			next++
		}
		w.tick()
	}

	// Faults stop: the world heals, and the scale-in must finish.
	w.logf("faults stop")
	w.logs.mu.Lock()
	w.logs.errors = nil // errors while faults struck are theirs
	w.logs.mu.Unlock()
	w.settling = true
	w.alx.set(func(a *simAlluxio) {
		a.masterDown, a.decomFail, a.decomSlow, a.killDuringDecommission, a.writeThrough = false, 0, 0, false, true
		for _, wk := range a.workers {
			wk.busyUntil, wk.unreachableUntil = time.Time{}, time.Time{}
		}
	})
	w.conflictUntil, w.slowStartUntil = time.Time{}, time.Time{}
	for _, inc := range w.pods {
		if inc.startAt.After(w.clock.Now()) {
			inc.startAt = w.clock.Now()
		}
	}
	if !w.graceful {
		w.graceful = true
		w.logf("GracefulScaleIn back on")
		w.newController()
	}
	settled, why := false, ""
	for w.clock.Now().Sub(phase) < simFaultPhase+simSettleLimit {
		before := w.version
		w.tick()
		if w.version == before && w.step%20 != 0 {
			continue // nothing changed: nothing can have converged
		}
		if settled, why = w.stable(); settled {
			break
		}
	}
	if !settled {
		stalled := ""
		if w.requeueAt.IsZero() {
			stalled = fmt.Sprintf("; the controller asked for no reconcile since %s (%s)", w.lastWake.Sub(w.start), w.lastResult)
		}
		w.failf("did not converge within %s once faults stopped: %s%s", simSettleLimit, why, stalled)
		w.dumpState()
	} else {
		w.logf("converged %s after faults stopped, %d reconciles in all", w.clock.Now().Sub(phase)-simFaultPhase, w.reconciles)
	}
	return w
}

// tick is one step of simulated time: Kubernetes, Alluxio's clients,
// the controller when its queue says so, and the checks.
func (w *simWorld) tick() {
	w.step++
	w.clock.Step(simStep)
	w.runTimers()
	w.simulate()
	w.alx.tick()
	w.maybeReconcile()
	w.simulate()
	w.checkStep()
}

func (w *simWorld) allLive(n int32) bool {
	return int32(len(w.listPods(datav1alpha1.WorkerComponent))) == n && int32(len(w.alx.liveHostsLocked())) == n
}

func (w *simWorld) userScale(n int32) {
	rt, ok := w.runtime()
	if !ok {
		return
	}
	from := rt.Spec.Replicas
	rt.Spec.Replicas = n
	if err := w.store.Update(context.Background(), rt); err != nil {
		w.logf("user scales to %d: %v", n, err)
		return
	}
	w.scales = append(w.scales, scaleRecord{replicas: n})
	w.logf("user scales from %d to %d", from, n)
}

func (w *simWorld) victims(includeScaled bool) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		st := p.Annotations[datav1alpha1.ScaleInStateAnnotation]
		if st != "" && (includeScaled || st != "Scaled") && p.DeletionTimestamp.IsZero() {
			out = append(out, p)
		}
	}
	return out
}

func (w *simWorld) inject(f simFault) {
	w.logf("FAULT %s", f)
	now := w.clock.Now()
	ctx := context.Background()
	switch f.kind {
	case sRestart:
		w.newController()
	case sCrash:
		w.crashAfter = f.n
	case sCrashInDecom:
		w.alx.set(func(a *simAlluxio) { a.killDuringDecommission = true })
	case sConflicts:
		w.conflictUntil, w.conflictP = now.Add(f.dur), f.p
	case sMasterDown:
		w.alx.set(func(a *simAlluxio) { a.masterDown = true })
		w.after(f.dur, func() { w.alx.set(func(a *simAlluxio) { a.masterDown = false }) })
	case sMasterRestart:
		w.alx.restartMaster()
	case sDecomFail:
		w.alx.set(func(a *simAlluxio) { a.decomFail, a.decomFailApplied, a.decomFailTimes = f.n, f.pick%2 == 0, 1+f.n%3 })
	case sDecomSlow:
		w.alx.set(func(a *simAlluxio) { a.decomSlow = a.refresh / 4 })
		w.after(f.dur, func() { w.alx.set(func(a *simAlluxio) { a.decomSlow = 0 }) })
	case sScale:
		w.userScale(int32(f.n))
	case sDeleteVictim:
		c := w.victims(false)
		if len(c) == 0 {
			return
		}
		p := c[f.pick%uint64(len(c))]
		if inc := w.pods[p.UID]; inc != nil {
			inc.byHand = true
		}
		if err := w.store.Delete(ctx, &p); err == nil {
			w.logf("  user deletes victim %s (state %s)", p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
		}
	case sDeleteRuntime:
		rt, ok := w.runtime()
		if !ok {
			return
		}
		w.runtimeDeleted = true
		for _, inc := range w.pods {
			inc.exempt = "its runtime was deleted"
		}
		_ = w.store.Delete(ctx, rt)
	case sBusy:
		hosts := w.alx.liveHostsLocked()
		if len(hosts) == 0 {
			return
		}
		host := hosts[f.pick%uint64(len(hosts))]
		w.alx.set(func(a *simAlluxio) { a.workers[host].busyUntil = now.Add(f.dur) })
		w.logf("  %s busy for %s", host, f.dur)
	case sForce:
		c := w.victims(false)
		if len(c) == 0 {
			return
		}
		p := c[f.pick%uint64(len(c))]
		patch := client.MergeFrom(p.DeepCopy())
		p.Annotations[datav1alpha1.ScaleInForceAnnotation] = "true"
		if err := w.store.Patch(ctx, &p, patch); err == nil {
			w.logf("  user forces %s (state %s)", p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
		}
	case sSlowStart:
		w.slowStartUntil, w.slowStartBy = now.Add(f.dur), time.Duration(f.pick%120)*time.Second
	case sWorkerDown:
		hosts := w.alx.liveHostsLocked()
		if len(hosts) == 0 {
			return
		}
		host := hosts[f.pick%uint64(len(hosts))]
		w.alx.set(func(a *simAlluxio) { a.workers[host].unreachableUntil = now.Add(f.dur) })
		w.logf("  %s unreachable for %s", host, f.dur)
	case sGateFlip:
		w.graceful = !w.graceful
		w.logf("  GracefulScaleIn now %v (controller restarted with it)", w.graceful)
		w.newController()
	case sPortChange:
		rt, ok := w.runtime()
		if !ok {
			return
		}
		if rt.Spec.Worker.Properties == nil {
			rt.Spec.Worker.Properties = map[string]string{}
		}
		port := 31000 + int(f.pick%1000)
		rt.Spec.Worker.Properties[operations.PropertyWorkerWebPort] = fmt.Sprint(port)
		if err := w.store.Update(ctx, rt); err == nil {
			w.logf("  worker web port set to %d in the spec (running pods keep theirs)", port)
		}
	case sRefreshChange:
		w.changeRefresh(f)
	case sUnpersistedBig:
		// Each client writes a large file, persisted much later, to a
		// worker of its cached list.
		w.alx.set(func(a *simAlluxio) {
			for i, c := range a.clients {
				if len(c.hosts) == 0 {
					continue
				}
				host := c.hosts[(f.pick+uint64(i))%uint64(len(c.hosts))]
				if wk := a.workers[host]; wk != nil && wk.running {
					a.files++
					wk.files = append(wk.files, &simFile{path: fmt.Sprintf("/data/big%d", a.files), persistAt: now.Add(f.dur * 3)})
				} else {
					w.routedToGone(host, i)
				}
			}
		})
	}
}

// after runs f once dur of simulated time has passed (checked each step).
func (w *simWorld) after(dur time.Duration, f func()) {
	w.timers = append(w.timers, simTimer{at: w.clock.Now().Add(dur), f: f})
}

type simTimer struct {
	at time.Time
	f  func()
}

func (w *simWorld) runTimers() {
	var kept []simTimer
	for _, t := range w.timers {
		if w.clock.Now().Before(t.at) {
			kept = append(kept, t)
			continue
		}
		t.f()
	}
	w.timers = kept
}

func (w *simWorld) report() string {
	var b strings.Builder
	for _, l := range w.log {
		b.WriteString("    " + l + "\n")
	}
	b.WriteString("    -- controller events --\n")
	for _, e := range w.rec.events {
		fmt.Fprintf(&b, "    %8s %s %s: %s\n", e.at.Sub(w.start), e.eventType, e.reason, e.note)
	}
	return b.String()
}

// dumpState logs what a failed schedule ended with.
func (w *simWorld) dumpState() {
	if rt, ok := w.runtime(); ok {
		c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
		w.logf("runtime: spec.replicas %d, condition %+v", rt.Spec.Replicas, c)
	}
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		w.logf("pod %s ip %s deleting %v finalizers %v annotations %v", p.Name, p.Status.PodIP, !p.DeletionTimestamp.IsZero(), p.Finalizers, p.Annotations)
	}
	w.logf("master lists live: %v; last reconcile at %s: %s", w.alx.liveHostsLocked(), w.lastWake.Sub(w.start), w.lastResult)
}
