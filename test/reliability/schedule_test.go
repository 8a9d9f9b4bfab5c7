package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// timings are the real-time scale of a schedule: Alluxio's and the
// scale-in's intervals shrunk so a schedule takes about a second.
type timings struct {
	refresh     time.Duration // clients' worker list refresh (emulator and runtime)
	operation   time.Duration // how long a client operation stays in flight
	quiet       time.Duration // spec.scaleIn.quietPeriod
	httpTimeout time.Duration // the controller's REST timeout
	stepSleep   time.Duration // real time between steps
	faultSteps  int           // steps with faults
	settleSteps int           // at most this many steps to converge after
	settleTime  time.Duration // ... and at most this long
}

var defaultTimings = timings{
	refresh:     60 * time.Millisecond,
	operation:   25 * time.Millisecond,
	quiet:       30 * time.Millisecond,
	httpTimeout: 250 * time.Millisecond,
	stepSleep:   8 * time.Millisecond,
	faultSteps:  40,
	settleSteps: 1500,
	settleTime:  15 * time.Second, // real time on a shared 2-core machine
}

type faultKind string

const (
	fRestart       faultKind = "controller-restart"
	fCrash         faultKind = "controller-killed-mid-reconcile"
	fCrashInCLI    faultKind = "controller-killed-during-decommission"
	fMasterDown    faultKind = "master-503"
	fMasterRefuse  faultKind = "master-refuses-connections"
	fSlow          faultKind = "slow-answers"
	fCLIExit       faultKind = "cli-exit-code"
	fConflicts     faultKind = "api-write-conflicts"
	fScale         faultKind = "user-scales"
	fDeleteVictim  faultKind = "victim-pod-deleted"
	fDeleteRuntime faultKind = "runtime-deleted"
	fBusy          faultKind = "worker-busy"
	fForce         faultKind = "force-annotation"
	fSlowStart     faultKind = "slow-worker-start"
)

// fault is one injected event, drawn in full from the schedule's seed
// before the run: which pod it hits is pick modulo the candidates of the
// moment, so the fault log reads the same on every replay.
type fault struct {
	step    int
	kind    faultKind
	steps   int // how long it lasts
	n       int // replicas, exit code, writes before the kill, delay steps
	command string
	delay   time.Duration
	p       float64
	times   int
	pick    uint64
}

func (f fault) String() string {
	switch f.kind {
	case fCrash:
		return fmt.Sprintf("%s after %d writes", f.kind, f.n)
	case fMasterDown, fMasterRefuse:
		return fmt.Sprintf("%s for %d steps", f.kind, f.steps)
	case fSlow:
		return fmt.Sprintf("%s +%s for %d steps", f.kind, f.delay, f.steps)
	case fCLIExit:
		cmd := f.command
		if cmd == "" {
			cmd = "any command"
		}
		return fmt.Sprintf("%s %d on %s, %d times", f.kind, f.n, cmd, f.times)
	case fConflicts:
		return fmt.Sprintf("%s p=%.2f for %d steps", f.kind, f.p, f.steps)
	case fScale:
		return fmt.Sprintf("%s to %d", f.kind, f.n)
	case fBusy, fCrashInCLI:
		return fmt.Sprintf("%s within %d steps", f.kind, f.steps)
	case fSlowStart:
		return fmt.Sprintf("%s: pods created in the next %d steps start %d steps late", f.kind, f.steps, f.n)
	}
	return string(f.kind)
}

// schedule is everything a seed decides.
type schedule struct {
	seed          int64
	initial       int32
	first         int32
	maxConcurrent *int32
	drainTimeout  time.Duration
	onTimeout     datav1alpha1.DrainTimeoutAction
	faults        []fault
}

func (s schedule) String() string {
	mc := "unset"
	if s.maxConcurrent != nil {
		mc = fmt.Sprint(*s.maxConcurrent)
	}
	return fmt.Sprintf("seed %d: %d workers scaled to %d; maxConcurrent %s, drainTimeout %s, onDrainTimeout %s, %d faults",
		s.seed, s.initial, s.first, mc, s.drainTimeout, s.onTimeout, len(s.faults))
}

var weights = []struct {
	kind faultKind
	w    int
}{
	{fRestart, 10}, {fCrash, 8}, {fCrashInCLI, 5}, {fMasterDown, 5}, {fMasterRefuse, 4}, {fSlow, 6}, {fCLIExit, 12},
	{fConflicts, 10}, {fScale, 14}, {fDeleteVictim, 6}, {fDeleteRuntime, 2}, {fBusy, 14}, {fForce, 4}, {fSlowStart, 5},
}

var exitCodes = []int{1, 2, 3, 10, 255}

func newSchedule(seed int64, tm timings) schedule {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	s := schedule{seed: seed, initial: 2 + rng.Int32N(4)}
	s.first = rng.Int32N(s.initial)
	if s.first == 0 && rng.IntN(3) > 0 {
		s.first = 1
	}
	switch rng.IntN(3) {
	case 1:
		s.maxConcurrent = ptr.To[int32](1)
	case 2:
		s.maxConcurrent = ptr.To[int32](2)
	}
	s.drainTimeout, s.onTimeout = time.Minute, datav1alpha1.DrainTimeoutWait
	if rng.IntN(3) == 0 {
		s.drainTimeout = 300 * time.Millisecond
		if rng.IntN(2) == 0 {
			s.onTimeout = datav1alpha1.DrainTimeoutForce
		}
	}
	total := 0
	for _, w := range weights {
		total += w.w
	}
	deleted := false
	for step := 0; step < tm.faultSteps; step++ {
		if rng.Float64() >= 0.25 {
			continue
		}
		x := rng.IntN(total)
		var kind faultKind
		for _, w := range weights {
			if x < w.w {
				kind = w.kind
				break
			}
			x -= w.w
		}
		f := fault{step: step, kind: kind, steps: 1 + rng.IntN(15), pick: rng.Uint64()}
		switch kind {
		case fDeleteRuntime:
			if deleted || step < tm.faultSteps/2 {
				continue // once, and late, so most schedules see the scale-in through
			}
			deleted = true
		case fCrash:
			f.n = rng.IntN(6)
		case fSlow:
			f.delay = time.Duration(10+rng.IntN(350)) * time.Millisecond
		case fCLIExit:
			f.n = exitCodes[rng.IntN(len(exitCodes))]
			f.command = []string{"decommissionWorker", "decommissionWorker", "enableWorker", ""}[rng.IntN(4)]
			f.times = 1 + rng.IntN(3)
		case fConflicts:
			f.p = []float64{0.2, 0.5, 1}[rng.IntN(3)]
		case fScale:
			f.n = int(rng.Int32N(7))
			if f.n == 0 && rng.IntN(2) == 0 {
				f.n = 1 + rng.IntN(5)
			}
		case fSlowStart:
			f.n = 1 + rng.IntN(20)
		}
		s.faults = append(s.faults, f)
	}
	return s
}

// emuFault is an emulator fault in force until a step.
type emuFault struct {
	f     emulator.Fault
	until int
}

// run plays the schedule and returns the world with its log and failures.
func (s schedule) run(ctx context.Context, block string, tm timings) *world {
	w, err := newWorld(ctx, s.seed, block, tm)
	if err != nil {
		return &world{failures: []string{fmt.Sprintf("set up the world: %v", err)}}
	}
	defer w.close()
	w.logf("%s", s)
	w.logf("address block %s0/24, master at %s", block, w.masterIP())

	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: w.name, UID: types.UID("runtime-" + fmt.Sprint(s.seed))},
		Spec: datav1alpha1.AlluxioRuntimeSpec{
			Replicas:   s.initial,
			Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": fmt.Sprintf("%dms", tm.refresh.Milliseconds())},
			Master:     datav1alpha1.AlluxioCompTemplateSpec{NetworkMode: datav1alpha1.ContainerNetworkMode},
			Worker:     datav1alpha1.AlluxioCompTemplateSpec{NetworkMode: datav1alpha1.ContainerNetworkMode},
			ScaleIn: datav1alpha1.ScaleInPolicy{
				PollInterval:   &metav1.Duration{Duration: 10 * time.Millisecond},
				QuietPeriod:    &metav1.Duration{Duration: tm.quiet},
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
	w.scales = append(w.scales, scaleRecord{at: time.Now(), replicas: s.initial})

	// Bring-up, no faults: every worker runs and is registered.
	for w.step = 0; !w.allLive(s.initial); w.step++ {
		if w.step > 300 {
			w.failf("bring-up: %d workers not live after 300 steps (last error %v)", s.initial, w.lastErr)
			return w
		}
		w.simulate()
		w.reconcile()
		time.Sleep(time.Millisecond)
	}
	w.logf("bring-up done: %d workers live", s.initial)
	w.userScale(s.first)

	phase := w.step
	var emuFaults []emuFault
	busy := map[string]int{} // ip -> until step
	for i := 0; i < tm.faultSteps; i++ {
		w.step = phase + i
		for _, f := range s.faults {
			if f.step == i {
				w.inject(f, &emuFaults, busy)
			}
		}
		w.expire(&emuFaults, busy)
		w.simulate()
		w.reconcile()
		w.traffic()
		w.checkStep()
		time.Sleep(tm.stepSleep)
	}

	// Faults stop: the world heals, and the scale-in must finish.
	w.step = phase + tm.faultSteps
	w.logf("faults stop")
	if err := w.emu.ClearFaults(); err != nil {
		w.failf("clear emulator faults: %v", err)
	}
	for ip := range busy {
		w.emu.SetBusy(ip, workerWebPort, false)
	}
	w.conflictUntil, w.slowStartUntil, w.crashInCLIUntil = 0, 0, 0
	for _, inc := range w.pods {
		inc.startAt = min(inc.startAt, w.step)
	}
	deadline := time.Now().Add(tm.settleTime)
	why := ""
	settled := false
	for i := 0; i < tm.settleSteps && time.Now().Before(deadline); i++ {
		w.step++
		w.simulate()
		w.reconcile()
		w.traffic()
		w.checkStep()
		if settled, why = w.stable(); settled {
			break
		}
		time.Sleep(tm.stepSleep)
	}
	if !settled {
		w.failf("did not converge once faults stopped: %s", why)
		w.dumpState()
	} else {
		w.logf("converged after %d steps", w.step-phase-tm.faultSteps)
	}
	w.checkRecord()
	return w
}

func (w *world) allLive(n int32) bool {
	pods := w.listPods(datav1alpha1.WorkerComponent)
	if int32(len(pods)) != n {
		return false
	}
	live := 0
	for _, ws := range w.emu.Workers() {
		if ws.State == emulator.WorkerLive {
			live++
		}
	}
	return int32(live) == n
}

func (w *world) userScale(n int32) {
	rt, ok := w.runtime()
	if !ok {
		w.logf("user scales to %d: the runtime is gone, nothing to scale", n)
		return
	}
	from := rt.Spec.Replicas
	rt.Spec.Replicas = n
	at := time.Now()
	if err := w.store.Update(w.ctx, rt); err != nil {
		w.logf("user scales to %d: %v", n, err)
		return
	}
	w.scales = append(w.scales, scaleRecord{at: at, replicas: n})
	w.logf("user scales from %d to %d", from, n)
}

// inject applies one fault.
func (w *world) inject(f fault, emuFaults *[]emuFault, busy map[string]int) {
	w.logf("FAULT %s", f)
	switch f.kind {
	case fRestart:
		w.newController()
	case fCrash:
		w.crashAfter = f.n
	case fCrashInCLI:
		w.crashInCLIUntil = w.step + f.steps
	case fMasterDown, fMasterRefuse:
		ef := emulator.Fault{Kind: emulator.FaultMasterDown, Refuse: f.kind == fMasterRefuse}
		w.emu.InjectFault(ef)
		*emuFaults = append(*emuFaults, emuFault{f: ef, until: w.step + f.steps})
	case fSlow:
		ef := emulator.Fault{Kind: emulator.FaultSlowAnswers, Delay: f.delay}
		w.emu.InjectFault(ef)
		*emuFaults = append(*emuFaults, emuFault{f: ef, until: w.step + f.steps})
	case fCLIExit:
		// Lasts until used up (or until the next emulator fault clears).
		w.emu.InjectFault(emulator.Fault{Kind: emulator.FaultCLIExitCode, Command: f.command, ExitCode: f.n, Times: f.times})
	case fConflicts:
		w.conflictUntil, w.conflictP = w.step+f.steps, f.p
	case fScale:
		w.userScale(int32(f.n))
	case fDeleteVictim:
		var candidates []corev1.Pod
		for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
			st := p.Annotations[datav1alpha1.ScaleInStateAnnotation]
			if st != "" && st != "Scaled" && p.DeletionTimestamp.IsZero() {
				candidates = append(candidates, p)
			}
		}
		if len(candidates) == 0 {
			w.logf("  no victim in progress to delete")
			return
		}
		p := candidates[f.pick%uint64(len(candidates))]
		if inc, ok := w.pods[p.UID]; ok {
			inc.byHand = true
		}
		if err := w.store.Delete(w.ctx, &p); err != nil {
			w.logf("  delete %s: %v", p.Name, err)
			return
		}
		w.logf("  user deletes victim %s (state %s)", p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
		w.syncGone()
	case fDeleteRuntime:
		rt, ok := w.runtime()
		if !ok {
			return
		}
		w.runtimeDeleted = time.Now()
		if err := w.store.Delete(w.ctx, rt); err != nil {
			w.logf("  delete runtime: %v", err)
		}
	case fBusy:
		var candidates []*incarnation
		for _, inc := range w.sortedPods() {
			if ws, ok := w.emu.Worker(inc.ip, workerWebPort); ok && inc.started && ws.State == emulator.WorkerLive {
				candidates = append(candidates, inc)
			}
		}
		if len(candidates) == 0 {
			w.logf("  no live worker to make busy")
			return
		}
		inc := candidates[f.pick%uint64(len(candidates))]
		w.emu.SetBusy(inc.ip, workerWebPort, true)
		busy[inc.ip] = w.step + f.steps
		w.logf("  %s (%s) busy until step %d", inc.name, inc.ip, busy[inc.ip])
	case fForce:
		var candidates []corev1.Pod
		for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
			st := p.Annotations[datav1alpha1.ScaleInStateAnnotation]
			if st != "" && st != "Scaled" {
				candidates = append(candidates, p)
			}
		}
		if len(candidates) == 0 {
			w.logf("  no victim in progress to force")
			return
		}
		p := candidates[f.pick%uint64(len(candidates))]
		patch := client.MergeFrom(p.DeepCopy())
		p.Annotations[datav1alpha1.ScaleInForceAnnotation] = "true"
		if err := w.store.Patch(w.ctx, &p, patch); err != nil {
			w.logf("  annotate %s: %v", p.Name, err)
			return
		}
		w.logf("  user sets %s=true on %s (state %s)", datav1alpha1.ScaleInForceAnnotation, p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
	case fSlowStart:
		w.slowStartUntil, w.slowStartBy = w.step+f.steps, f.n
	}
}

// expire ends emulator faults and busy spells whose time is up.
func (w *world) expire(emuFaults *[]emuFault, busy map[string]int) {
	var kept []emuFault
	ended := false
	for _, ef := range *emuFaults {
		if w.step >= ef.until {
			ended = true
			w.logf("fault %s ends", ef.f.Kind)
			continue
		}
		kept = append(kept, ef)
	}
	if ended {
		if err := w.emu.ClearFaults(); err != nil {
			w.failf("clear emulator faults: %v", err)
		}
		for _, ef := range kept {
			w.emu.InjectFault(ef.f)
		}
	}
	*emuFaults = kept
	for ip, until := range busy {
		if w.step >= until {
			w.emu.SetBusy(ip, workerWebPort, false)
			delete(busy, ip)
			w.logf("worker %s no longer busy", ip)
		}
	}
}

// traffic is the Alluxio clients at work: a couple of operations per
// step, routed by the cached worker list as real clients route them.
func (w *world) traffic() {
	for i := range 2 {
		_, _ = w.emu.ClientOp(fmt.Sprintf("/data/%d-%d", w.step, i))
	}
}

// checkStep: a pod holds our finalizer only while it is a victim.
func (w *world) checkStep() {
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		if slices.Contains(p.Finalizers, datav1alpha1.ScaleInFinalizer) && p.Annotations[datav1alpha1.ScaleInStateAnnotation] == "" {
			w.failf("%s holds %s but is no victim (no %s)", p.Name, datav1alpha1.ScaleInFinalizer, datav1alpha1.ScaleInStateAnnotation)
		}
	}
}

// stable reports whether the world has converged, or what it waits for.
func (w *world) stable() (bool, string) {
	if w.lastErr != nil {
		return false, "last reconcile failed: " + w.lastErr.Error()
	}
	pods := w.listPods(datav1alpha1.WorkerComponent)
	rt, ok := w.runtime()
	if !ok {
		if len(pods) > 0 {
			return false, fmt.Sprintf("runtime deleted but %d worker pods remain, e.g. %s finalizers %v", len(pods), pods[0].Name, pods[0].Finalizers)
		}
		return true, ""
	}
	want := rt.Spec.Replicas
	sts, ok := w.getSet(w.name + "-worker")
	if !ok {
		return false, "no worker statefulset"
	}
	if got := ptr.Deref(sts.Spec.Replicas, -1); got != want {
		return false, fmt.Sprintf("worker statefulset has %d replicas, spec.replicas is %d", got, want)
	}
	if int32(len(pods)) != want {
		return false, fmt.Sprintf("%d worker pods, spec.replicas is %d", len(pods), want)
	}
	for _, p := range pods {
		switch {
		case !p.DeletionTimestamp.IsZero():
			return false, p.Name + " is terminating"
		case slices.Contains(p.Finalizers, datav1alpha1.ScaleInFinalizer):
			return false, p.Name + " still holds the scale-in finalizer"
		case p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "":
			return false, fmt.Sprintf("%s still has scale-in state %s", p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
		}
		ws, ok := w.emu.Worker(p.Status.PodIP, workerWebPort)
		if !ok || ws.State != emulator.WorkerLive {
			return false, fmt.Sprintf("%s's worker (%s) is %q, not live in Alluxio", p.Name, p.Status.PodIP, ws.State)
		}
	}
	c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
	if rt.Status.ScaleIn != nil && (c == nil || c.Status != metav1.ConditionTrue) {
		msg := "absent"
		if c != nil {
			msg = fmt.Sprintf("%s %s: %s", c.Status, c.Reason, c.Message)
		}
		return false, "condition WorkersScaledIn is " + msg
	}
	return true, ""
}

// checkRecord reads the emulator's record for what must never happen.
func (w *world) checkRecord() {
	record := w.emu.Record()
	removed := map[string]time.Time{}
	for _, e := range record {
		switch e.Kind {
		case emulator.EventWorkerRemoved:
			removed[e.Host] = e.Time
		case emulator.EventWorkerEnabled:
			if at, ok := removed[e.Host]; ok {
				w.failf("enableWorker on %s after its pod left (worker removed at +%dms)", e.Host, at.Sub(w.start).Milliseconds())
			}
		case emulator.EventWorkerDecommissioned:
			inc := w.incarnationByIP(e.Host)
			if inc == nil || inc.byHand || (!w.runtimeDeleted.IsZero() && e.Time.After(w.runtimeDeleted)) {
				continue
			}
			if want := w.replicasAt(e.Time); inc.ordinal < want {
				w.failf("%s (%s) decommissioned at +%dms while wanted: spec.replicas was %d", inc.name, e.Host, e.Time.Sub(w.start).Milliseconds(), want)
			}
		}
		if e.Violation {
			if !w.runtimeDeleted.IsZero() && e.Time.After(w.runtimeDeleted) {
				w.logf("after the runtime was deleted (allowed): %s", e)
				continue
			}
			detail := ""
			if inc := w.incarnationByIP(e.Host); inc != nil {
				if w.rec.forced(inc.name, inc.born) {
					w.logf("to a worker the controller forced out (allowed): %s", e)
					continue
				}
				detail = fmt.Sprintf(" (pod %s, deleted by hand: %v)", inc.name, inc.byHand)
			}
			w.failf("emulator violation: %s%s", e, detail)
		}
	}
}

func (w *world) replicasAt(t time.Time) int32 {
	n := int32(0)
	for _, s := range w.scales {
		if !s.at.After(t) {
			n = s.replicas
		}
	}
	return n
}

func (w *world) incarnationByIP(ip string) *incarnation {
	for _, inc := range w.allIncs {
		if inc.ip == ip {
			return inc
		}
	}
	return nil
}

// dumpState logs what a failed schedule ended with.
func (w *world) dumpState() {
	if rt, ok := w.runtime(); ok {
		c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
		w.logf("runtime: spec.replicas %d, condition %+v", rt.Spec.Replicas, c)
	}
	if sts, ok := w.getSet(w.name + "-worker"); ok {
		w.logf("worker statefulset: replicas %d", ptr.Deref(sts.Spec.Replicas, -1))
	}
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		ws, _ := w.emu.Worker(p.Status.PodIP, workerWebPort)
		w.logf("pod %s ip %s deleting %v finalizers %v state %q; worker %s ops %d busy %v",
			p.Name, p.Status.PodIP, !p.DeletionTimestamp.IsZero(), p.Finalizers, p.Annotations[datav1alpha1.ScaleInStateAnnotation], ws.State, ws.OperationsInFlight, ws.Busy)
	}
	if w.lastErr != nil {
		w.logf("last reconcile error: %v", w.lastErr)
	}
}

// report is the schedule's log, with the emulator's record of what was
// done to workers and the controller's events.
func (w *world) report() string {
	var b strings.Builder
	for _, l := range w.log {
		b.WriteString("    " + l + "\n")
	}
	if w.emu != nil {
		b.WriteString("    -- emulator record (workers, CLI, violations) --\n")
		for _, e := range w.emu.Record() {
			if e.Kind == emulator.EventOperationRouted {
				continue
			}
			fmt.Fprintf(&b, "    +%5dms %s\n", e.Time.Sub(w.start).Milliseconds(), strings.TrimSpace(strings.SplitN(e.String(), " ", 2)[1]))
		}
	}
	if w.rec != nil {
		b.WriteString("    -- controller events --\n")
		for _, e := range w.rec.events {
			fmt.Fprintf(&b, "    +%5dms %s %s: %s\n", e.at.Sub(w.start).Milliseconds(), e.eventType, e.reason, e.note)
		}
	}
	return b.String()
}

func reconcileRequest(key client.ObjectKey) ctrl.Request {
	return ctrl.Request{NamespacedName: key}
}
