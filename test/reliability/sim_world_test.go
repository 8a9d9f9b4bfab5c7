package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

var simScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(datav1alpha1.AddToScheme(s))
	utilruntime.Must(kruisev1beta1.AddToScheme(s))
	return s
}()

// simIncarnation is one life of a worker pod.
type simIncarnation struct {
	name    string
	uid     types.UID
	ip      string
	ordinal int32
	started bool
	startAt time.Time
	born    time.Time
	// exempt says why this pod may leave undrained: deleted by hand,
	// removed by a plain scale-in (GracefulScaleIn off), or its runtime
	// deleted. Empty: it must drain.
	exempt string
	// byHand: a user deleted the pod. It may leave busy or holding data
	// (the user's choice), but the controller still holds it until the
	// master stopped routing work to it and the clients have refreshed.
	byHand bool
	last   *corev1.Pod
}

// simWorld is one simulated schedule: the API server (controller-runtime's
// fake client), Kubernetes' own controllers played here, Alluxio played
// by simAlluxio, and the controller, all on one simulated clock. The
// controller is reconciled only when it asks (RequeueAfter, or a backoff
// after an error) or when an object it watches changed, as its work
// queue would: a controller that forgets to requeue stalls.
type simWorld struct {
	ctx   context.Context
	clock *clocktesting.FakeClock
	start time.Time
	step  int
	rng   *rand.Rand

	store client.Client
	cache *simCache
	ctrl  *simAPIClient
	alx   *simAlluxio
	r     *alluxio.Reconciler
	logs  *simLog
	rec   *simRecorder

	ns, name string
	kruise   bool
	graceful bool // GracefulScaleIn, as the controller runs it now
	nextHost int

	pods    map[types.UID]*simIncarnation
	allIncs []*simIncarnation
	byHost  map[string]*simIncarnation

	slowStartUntil time.Time
	slowStartBy    time.Duration
	conflictUntil  time.Time
	conflictP      float64
	crashAfter     int
	writes         int
	crashed        bool
	mu             sync.Mutex // guards crashed (the controller's calls into simAlluxio)

	// The work queue: due now (the cache saw a watched object change:
	// every object written is one the controller watches, its runtime,
	// workloads and pods), or at requeueAt. version counts writes to the
	// API server; watched, the cache's events when the last reconcile
	// began.
	version    int64
	watched    int64
	simulated  int64
	checked    int64
	requeueAt  time.Time
	failures   int
	reconciles int
	lastResult string

	timers         []simTimer
	scales         []scaleRecord
	runtimeDeleted bool
	settling       bool

	log      []string
	failed   []string
	lastErr  error
	lastWake time.Time

	// reconciling: the controller's Reconcile is running; departed, the
	// pods that left since the last judgeDepartures.
	reconciling bool
	departed    []simDeparture
	// order plays the controller's concurrent calls one at a time in an
	// order of its own (Reconciler.CallOrder): concurrent calls land in
	// any order, and a seed replays one.
	order *rand.Rand
}

func (w *simWorld) logf(format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf("step %4d %8s  %s", w.step, w.clock.Now().Sub(w.start).Round(time.Millisecond), fmt.Sprintf(format, args...)))
}

func (w *simWorld) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.failed = append(w.failed, msg)
	w.logf("INVARIANT BROKEN: %s", msg)
}

func (w *simWorld) killed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.crashed
}

func (w *simWorld) kill(why string) {
	w.mu.Lock()
	w.crashed = true
	w.mu.Unlock()
	w.logf("controller killed %s", why)
}

// --- the controller's log and events ---

// simLog keeps the controller's log lines that matter: errors.
type simLog struct {
	mu     sync.Mutex
	w      *simWorld
	errors []string
}

type simSink struct{ l *simLog }

func (s simSink) Init(logr.RuntimeInfo)          {}
func (s simSink) Enabled(int) bool               { return true }
func (s simSink) Info(int, string, ...any)       {}
func (s simSink) WithValues(...any) logr.LogSink { return s }
func (s simSink) WithName(string) logr.LogSink   { return s }
func (s simSink) Error(err error, msg string, kv ...any) {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	s.l.errors = append(s.l.errors, fmt.Sprintf("%s: %v %v", msg, err, kv))
}

type simEvent struct {
	at                      time.Time
	eventType, reason, note string
	// pods the note names (eventPods).
	pods []string
}

type simRecorder struct {
	clock  *clocktesting.FakeClock
	events []simEvent
}

func (r *simRecorder) Eventf(_, related runtime.Object, eventtype, reason, _, note string, args ...any) {
	e := simEvent{at: r.clock.Now(), eventType: eventtype, reason: reason, note: fmt.Sprintf(note, args...)}
	e.pods = eventPods(e.note)
	r.events = append(r.events, e)
}

func (r *simRecorder) forced(pod string, since time.Time) bool {
	return slices.ContainsFunc(r.events, func(e simEvent) bool {
		return slices.Contains(e.pods, pod) && !e.at.Before(since) && e.reason == datav1alpha1.ForcedReason && e.eventType == corev1.EventTypeWarning
	})
}

// --- the controller's client: write faults, and the kill ---

type simAPIClient struct {
	client.Client
	w *simWorld
}

func (w *simWorld) writeFault(obj client.Object) error {
	if w.killed() {
		return errKilled
	}
	if w.crashAfter >= 0 && w.writes >= w.crashAfter {
		w.kill(fmt.Sprintf("after %d writes of a reconcile", w.writes))
		return errKilled
	}
	w.writes++
	if w.clock.Now().Before(w.conflictUntil) && w.rng.Float64() < w.conflictP {
		gvk, _ := w.store.GroupVersionKindFor(obj)
		return apierrors.NewConflict(schema.GroupResource{Group: gvk.Group, Resource: strings.ToLower(gvk.Kind) + "s"}, obj.GetName(),
			errors.New("the object has been modified (injected)"))
	}
	return nil
}

// Get and List read the controller's cache, which lags behind the writes.
func (c *simAPIClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if c.w.killed() {
		return errKilled
	}
	return c.w.cache.Get(ctx, key, obj, opts...)
}

func (c *simAPIClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if c.w.killed() {
		return errKilled
	}
	return c.w.cache.List(ctx, list, opts...)
}

func (c *simAPIClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	return c.Client.Create(ctx, obj, opts...)
}

func (c *simAPIClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	err := c.Client.Update(ctx, obj, opts...)
	c.w.syncGone()
	return err
}

func (c *simAPIClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	wasDeleting := false
	if _, isPod := obj.(*corev1.Pod); isPod {
		cur := &corev1.Pod{}
		if err := c.Client.Get(ctx, client.ObjectKeyFromObject(obj), cur); err == nil {
			wasDeleting = !cur.DeletionTimestamp.IsZero()
		}
	}
	err := c.Client.Patch(ctx, obj, patch, opts...)
	if err != nil && apierrors.IsNotFound(err) && wasDeleting {
		// The fake client deletes a pod whose last finalizer a patch
		// removed, then fails to read it back; the API server answers 200.
		if gerr := c.Client.Get(ctx, client.ObjectKeyFromObject(obj), &corev1.Pod{}); apierrors.IsNotFound(gerr) {
			err = nil
		}
	}
	c.w.syncGone()
	return err
}

func (c *simAPIClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	err := c.Client.Delete(ctx, obj, opts...)
	c.w.syncGone()
	return err
}

func (c *simAPIClient) Status() client.SubResourceWriter {
	return &simStatus{SubResourceWriter: c.Client.Status(), w: c.w}
}

type simStatus struct {
	client.SubResourceWriter
	w *simWorld
}

func (s *simStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	if err := s.w.writeFault(obj); err != nil {
		return err
	}
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s *simStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if err := s.w.writeFault(obj); err != nil {
		return err
	}
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// --- the world ---

func newSimWorld(seed int64, kruise bool, cacheLag time.Duration) *simWorld {
	clock := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	w := &simWorld{
		clock: clock, start: clock.Now(), rng: rand.New(rand.NewPCG(uint64(seed), 0xa11c0)),
		order: rand.New(rand.NewPCG(uint64(seed), 0x0dde7)),
		ns:    "default", name: "cache", kruise: kruise, graceful: true, nextHost: 2,
		pods: map[types.UID]*simIncarnation{}, byHost: map[string]*simIncarnation{}, crashAfter: -1,
		rec: &simRecorder{clock: clock},
	}
	w.logs = &simLog{w: w}
	w.ctx = ctrl.LoggerInto(context.Background(), logr.New(simSink{w.logs}))
	// A plain object tracker: no managed fields (the controller applies
	// nothing server-side), a fraction of the cost per write.
	tracker := clienttesting.NewObjectTracker(simScheme, serializer.NewCodecFactory(simScheme).UniversalDecoder())
	w.cache = newSimCache(clock.Now, rand.New(rand.NewPCG(uint64(seed), 0xcac4e)), cacheLag)
	w.store = &countingClient{Client: fake.NewClientBuilder().WithScheme(simScheme).WithObjectTracker(tracker).
		WithStatusSubresource(&datav1alpha1.AlluxioRuntime{}, &appsv1.StatefulSet{}, &kruisev1beta1.StatefulSet{}, &corev1.Pod{}).Build(), n: &w.version, cache: w.cache}
	w.ctrl = &simAPIClient{Client: w.store, w: w}
	return w
}

// newController builds a fresh Reconciler: a restarted controller knows
// only what the API objects say.
func (w *simWorld) newController() {
	gates := features.MutableGates.DeepCopy()
	utilruntime.Must(gates.SetFromMap(map[string]bool{
		string(features.GracefulScaleIn):     w.graceful,
		string(features.AdvancedStatefulSet): w.kruise,
	}))
	w.r = &alluxio.Reconciler{
		Client: w.ctrl, APIReader: simAPIReader{w}, Scheme: simScheme, Recorder: w.rec, Gates: gates,
		Alluxio: simConnector{w.alx}, Clock: w.clock, KruiseInstalled: w.kruise, CallOrder: w.order.Perm,
	}
	w.mu.Lock()
	w.crashed = false
	w.mu.Unlock()
	w.crashAfter = -1
	w.cache.sync()              // a started controller lists everything
	w.requeueAt = w.clock.Now() // and reconciles every runtime
}

func (w *simWorld) key() client.ObjectKey { return client.ObjectKey{Namespace: w.ns, Name: w.name} }

func (w *simWorld) runtime() (*datav1alpha1.AlluxioRuntime, bool) {
	rt := &datav1alpha1.AlluxioRuntime{}
	if err := w.store.Get(context.Background(), w.key(), rt); err != nil {
		return nil, false
	}
	return rt, true
}

// maybeReconcile runs the controller if its work queue would: its cache
// saw a watched object change since its last reconcile began, or its
// requeue is due.
func (w *simWorld) maybeReconcile() {
	now := w.clock.Now()
	w.cache.deliver()
	due := w.cache.delivered != w.watched || (!w.requeueAt.IsZero() && !now.Before(w.requeueAt))
	if !due {
		return
	}
	w.watched = w.cache.delivered
	w.writes = 0
	w.reconciles++
	w.lastWake = now
	w.reconciling = true
	res, err := w.r.Reconcile(w.ctx, ctrl.Request{NamespacedName: w.key()})
	w.reconciling = false
	w.lastErr = err
	switch {
	case w.killed():
		w.logf("controller restarts after its kill")
		w.newController()
	case err != nil:
		// controller-runtime logs it at Error and backs off exponentially.
		w.logs.mu.Lock()
		w.logs.errors = append(w.logs.errors, "Reconciler error: "+err.Error())
		w.logs.mu.Unlock()
		w.failures++
		w.requeueAt = w.clock.Now().Add(min(5*time.Millisecond<<min(w.failures, 20), time.Minute))
		w.lastResult = "error: " + err.Error()
	case res.RequeueAfter > 0:
		w.failures = 0
		w.requeueAt = w.clock.Now().Add(res.RequeueAfter)
		w.lastResult = "requeue after " + res.RequeueAfter.String()
	default:
		w.failures = 0
		w.requeueAt = time.Time{}
		w.lastResult = "no requeue"
	}
	w.syncGone()
	if err == nil && w.settling {
		w.checkCondition()
	}
}

// checkCondition: while a victim waits, the runtime's WorkersScaledIn
// condition says the scale-in is not over.
func (w *simWorld) checkCondition() {
	rt, ok := w.runtime()
	if !ok {
		return
	}
	var waiting []string
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		switch p.Annotations[datav1alpha1.ScaleInStateAnnotation] {
		case "Pending", "Decommissioning", "Draining", "TimedOut", "Failed":
			waiting = append(waiting, p.Name)
		}
	}
	if len(waiting) == 0 {
		return
	}
	c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
	if c == nil || c.Status != metav1.ConditionFalse {
		w.failf("victims %v wait, but condition WorkersScaledIn is %+v", waiting, c)
	}
}

func (w *simWorld) listPods(component string) []corev1.Pod {
	sel := client.MatchingLabels{datav1alpha1.RuntimeNameLabel: w.name}
	if component != "" {
		sel[datav1alpha1.ComponentLabel] = component
	}
	pods := &corev1.PodList{}
	if err := w.store.List(context.Background(), pods, client.InNamespace(w.ns), sel); err != nil {
		panic(err)
	}
	return pods.Items
}

// --- Kubernetes' own controllers ---

func (w *simWorld) simulate() {
	if w.version == w.simulated && !w.startDue() {
		return
	}
	defer func() { w.simulated = w.version }()
	if _, ok := w.runtime(); !ok {
		w.collectGarbage()
		w.syncGone()
		return
	}
	w.syncMaster()
	w.syncWorkers()
	w.startProcesses()
	w.syncGone()
}

func (w *simWorld) collectGarbage() {
	ctx := context.Background()
	for _, name := range []string{w.name + "-master", w.name + "-worker"} {
		_ = w.store.Delete(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: name}})
		_ = w.store.Delete(ctx, &kruisev1beta1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: name}})
	}
	for _, p := range w.listPods("") {
		if p.DeletionTimestamp.IsZero() {
			_ = w.store.Delete(ctx, &p)
		}
	}
}

func (w *simWorld) syncMaster() {
	sts := &appsv1.StatefulSet{}
	if w.store.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: w.name + "-master"}, sts) != nil {
		return
	}
	name := sts.Name + "-0"
	if err := w.store.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: name}, &corev1.Pod{}); apierrors.IsNotFound(err) {
		pod := w.podFrom(sts.Spec.Template, sts.Name, sts.UID, "StatefulSet", name, w.masterIP())
		_ = w.store.Create(context.Background(), pod)
	}
	if sts.Status.ReadyReplicas != 1 || sts.Status.ObservedGeneration != sts.Generation {
		sts.Status.Replicas, sts.Status.ReadyReplicas, sts.Status.AvailableReplicas, sts.Status.ObservedGeneration = 1, 1, 1, sts.Generation
		_ = w.store.Status().Update(context.Background(), sts)
	}
}

func (w *simWorld) masterIP() string { return "10.0.0.1" }

// workerSet reads the worker set: which ordinals it runs, and its
// template.
func (w *simWorld) workerSet() (running func(int32) bool, tmpl corev1.PodTemplateSpec, uid types.UID, kind string, ok bool) {
	name := w.name + "-worker"
	if w.kruise {
		k := &kruisev1beta1.StatefulSet{}
		if w.store.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: name}, k) != nil {
			return nil, tmpl, "", "", false
		}
		reserved := map[int32]bool{}
		for _, o := range k.Spec.ReserveOrdinals {
			if o.Type == 0 {
				reserved[o.IntVal] = true
			} else {
				lo, hi, _ := strings.Cut(o.StrVal, "-")
				a, _ := strconv.Atoi(lo)
				b, _ := strconv.Atoi(hi)
				for i := a; i <= b; i++ {
					reserved[int32(i)] = true
				}
			}
		}
		replicas := ptr.Deref(k.Spec.Replicas, 0)
		run := map[int32]bool{}
		for i, n := int32(0), int32(0); n < replicas; i++ {
			if !reserved[i] {
				run[i] = true
				n++
			}
		}
		return func(o int32) bool { return run[o] }, k.Spec.Template, k.UID, "StatefulSet", true
	}
	sts := &appsv1.StatefulSet{}
	if w.store.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: name}, sts) != nil {
		return nil, tmpl, "", "", false
	}
	replicas := ptr.Deref(sts.Spec.Replicas, 0)
	return func(o int32) bool { return o >= 0 && o < replicas }, sts.Spec.Template, sts.UID, "StatefulSet", true
}

// syncWorkers runs the ordinals the set runs (all at once, Parallel),
// deleting the others.
func (w *simWorld) syncWorkers() {
	runs, tmpl, uid, kind, ok := w.workerSet()
	if !ok {
		return
	}
	setName := w.name + "-worker"
	byName := map[string]corev1.Pod{}
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		byName[p.Name] = p
		o, ok := ordinalOf(setName, p.Name)
		if ok && !runs(o) && p.DeletionTimestamp.IsZero() {
			if inc := w.pods[p.UID]; inc != nil && !w.graceful && inc.exempt == "" {
				inc.exempt = "removed by a plain scale-in (GracefulScaleIn off)"
			}
			if err := w.store.Delete(context.Background(), &p); err == nil {
				w.logf("workload controller deletes %s", p.Name)
			}
		}
	}
	for o := int32(0); o < 64; o++ {
		name := fmt.Sprintf("%s-%d", setName, o)
		if _, exists := byName[name]; exists || !runs(o) {
			continue
		}
		ip := fmt.Sprintf("10.%d.%d.%d", 1+w.nextHost/65536, (w.nextHost/256)%256, w.nextHost%256)
		w.nextHost++
		pod := w.podFrom(tmpl, setName, uid, kind, name, ip)
		if err := w.store.Create(context.Background(), pod); err != nil {
			continue
		}
		inc := &simIncarnation{name: name, uid: pod.UID, ip: ip, ordinal: o, startAt: w.clock.Now(), born: w.clock.Now(), last: pod.DeepCopy()}
		if w.clock.Now().Before(w.slowStartUntil) {
			inc.startAt = inc.startAt.Add(w.slowStartBy)
		}
		w.pods[pod.UID] = inc
		w.allIncs = append(w.allIncs, inc)
		w.byHost[ip] = inc
		w.logf("workload controller creates %s at %s", name, ip)
	}
}

func (w *simWorld) podFrom(tmpl corev1.PodTemplateSpec, owner string, uid types.UID, kind, name, ip string) *corev1.Pod {
	apiVersion := "apps/v1"
	if w.kruise && strings.HasSuffix(owner, "-worker") {
		apiVersion = kruisev1beta1.GroupVersion.String()
	}
	now := metav1.NewTime(w.clock.Now())
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: w.ns, Name: name, UID: types.UID(name + "-" + ip),
			Labels: maps(tmpl.Labels), Annotations: maps(tmpl.Annotations),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: owner, UID: uid, Controller: ptr.To(true)}},
		},
		Spec: *tmpl.Spec.DeepCopy(),
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: ip, HostIP: ip, StartTime: &now,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
}

func (w *simWorld) startDue() bool {
	for _, inc := range w.pods {
		if !inc.started && !w.clock.Now().Before(inc.startAt) {
			return true
		}
	}
	return false
}

// startProcesses starts the worker process of each pod whose start is
// due, with the ports its pod declares.
func (w *simWorld) startProcesses() {
	for _, inc := range w.sortedPods() {
		if inc.started || w.clock.Now().Before(inc.startAt) {
			continue
		}
		pod := &corev1.Pod{}
		if w.store.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: inc.name}, pod) != nil || pod.UID != inc.uid {
			continue
		}
		rpc, web := int32(workerRPCPort), int32(workerWebPort)
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				switch p.Name {
				case operations.PortNameRPC:
					rpc = p.ContainerPort
				case operations.PortNameWeb:
					web = p.ContainerPort
				}
			}
		}
		inc.started = true
		w.alx.start(inc, rpc, web)
		now := metav1.NewTime(w.clock.Now())
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "alluxio-worker", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}
		_ = w.store.Status().Update(context.Background(), pod)
	}
}

func (w *simWorld) sortedPods() []*simIncarnation {
	out := make([]*simIncarnation, 0, len(w.pods))
	for _, inc := range w.pods {
		out = append(out, inc)
	}
	slices.SortFunc(out, func(a, b *simIncarnation) int { return strings.Compare(a.ip, b.ip) })
	return out
}

// exemptOf says why a pod may leave undrained, or "".
func (w *simWorld) exemptOf(inc *simIncarnation) string {
	switch {
	case inc.exempt != "":
		return inc.exempt
	case w.rec.forced(inc.name, inc.born):
		return "forced by the controller, with a Warning event"
	case !w.graceful:
		// Off, the gate promises no drain: pods go as in Fluid's plain
		// scale-in, and a victim deleted by hand is let go at once.
		return "GracefulScaleIn is off"
	}
	return ""
}

// simDeparture is a worker pod that left, with what its worker process
// still had when it stopped, to be judged once the controller's call that
// let it go returned.
type simDeparture struct {
	inc                    *simIncarnation
	ops                    int
	unpersisted            []string
	wasLive, unlisted      bool
	decommissionedAt, left time.Time
	listing                []string
}

// syncGone is the kubelet seeing pods go: the worker process stops, and
// what it still had must be nothing a user would miss. It runs after
// every write of the controller too, so a pod goes the moment its last
// finalizer does.
func (w *simWorld) syncGone() {
	present := map[types.UID]*corev1.Pod{}
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		present[p.UID] = p.DeepCopy()
	}
	for _, inc := range w.sortedPods() {
		if p, ok := present[inc.uid]; ok {
			inc.last = p
			continue
		}
		delete(w.pods, inc.uid)
		if !inc.started {
			continue
		}
		d := simDeparture{inc: inc, left: w.clock.Now()}
		d.ops, d.unpersisted, d.wasLive, d.decommissionedAt, d.unlisted, d.listing = w.alx.stop(inc.ip)
		state := inc.last.Annotations[datav1alpha1.ScaleInStateAnnotation]
		w.logf("%s (%s) gone, last state %q: %d operations in flight, %d unpersisted files", inc.name, inc.ip, state, d.ops, len(d.unpersisted))
		w.departed = append(w.departed, d)
	}
	if !w.reconciling {
		w.judgeDepartures()
	}
}

// judgeDepartures checks the pods that left. Within a reconcile it waits
// for the reconcile to return: the controller tells of a move (the
// Warning event Forced) right after the write that made it, and the
// write that records a forced victim also releases its finalizer, so the
// pod is gone before the event that says why can exist.
func (w *simWorld) judgeDepartures() {
	departed := w.departed
	w.departed = nil
	for _, d := range departed {
		inc := d.inc
		if why := w.exemptOf(inc); why != "" {
			// Kept: clients may still route to it after the gate is
			// back on, and nothing was promised when it left.
			inc.exempt = why
			continue
		}
		if !inc.byHand {
			if d.ops > 0 {
				w.failf("%s (%s) left with %d operations in flight", inc.name, inc.ip, d.ops)
			}
			if len(d.unpersisted) > 0 {
				w.failf("%s (%s) left holding %d files not yet persisted, e.g. %s: data lost", inc.name, inc.ip, len(d.unpersisted), d.unpersisted[0])
			}
		}
		w.checkDecommissioned(d)
	}
}

// checkDecommissioned: a worker leaves only once the master stopped
// handing it to clients and every client's worker list has been refreshed
// past it: the refresh interval in force (which may have changed) has
// passed since its decommission at some point, and no client still lists
// it.
func (w *simWorld) checkDecommissioned(d simDeparture) {
	inc := d.inc
	switch {
	case d.wasLive:
		w.failf("%s (%s) left while the master still handed it to clients (never decommissioned; deleted by hand: %v)", inc.name, inc.ip, inc.byHand)
	case !d.decommissionedAt.IsZero() && !d.unlisted:
		w.failf("%s (%s) left %s after its decommission, before the clients' refresh interval in force (%s); deleted by hand: %v",
			inc.name, inc.ip, d.left.Sub(d.decommissionedAt), w.alx.refresh, inc.byHand)
	case len(d.listing) > 0:
		w.failf("%s (%s) left while %v still listed it (decommissioned at %s); deleted by hand: %v",
			inc.name, inc.ip, d.listing, d.decommissionedAt.Sub(w.start), inc.byHand)
	}
}

// routedToGone: a client sent work to a worker whose pod had left.
func (w *simWorld) routedToGone(host string, client int) {
	inc := w.byHost[host]
	if inc == nil {
		return
	}
	if why := w.exemptOf(inc); why != "" {
		return
	}
	w.failf("client %d sent an operation to %s (%s), whose pod had left", client, inc.name, host)
}

// decommissioned checks, when the master takes a decommission, that the
// worker is one the user asked to remove.
func (w *simWorld) decommissioned(wk *simWorker) {
	if wk.inc == nil || w.kruise || w.runtimeDeleted || wk.inc.exempt != "" || wk.inc.byHand {
		return
	}
	if want := w.replicasNow(); wk.inc.ordinal < want {
		w.failf("%s (%s) decommissioned while wanted: spec.replicas is %d", wk.inc.name, wk.host, want)
	}
}

func (w *simWorld) replicasNow() int32 {
	if len(w.scales) == 0 {
		return 0
	}
	return w.scales[len(w.scales)-1].replicas
}

// checkStep: a pod holds the finalizer only while it is a victim.
func (w *simWorld) checkStep() {
	if w.checked != w.version {
		w.checkFinalizers()
		w.checked = w.version
	}
	w.checkLog()
}

func (w *simWorld) checkFinalizers() {
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		if slices.Contains(p.Finalizers, datav1alpha1.ScaleInFinalizer) && p.Annotations[datav1alpha1.ScaleInStateAnnotation] == "" {
			w.failf("%s holds %s but is no victim", p.Name, datav1alpha1.ScaleInFinalizer)
		}
	}
}

func (w *simWorld) checkLog() {
	if w.settling {
		w.logs.mu.Lock()
		errs := w.logs.errors
		w.logs.errors = nil
		w.logs.mu.Unlock()
		for _, e := range errs {
			w.failf("Error logged once faults had stopped: %s", e)
		}
	}
}

// stable reports whether the world has converged, or what it waits for.
func (w *simWorld) stable() (bool, string) {
	pods := w.listPods(datav1alpha1.WorkerComponent)
	rt, ok := w.runtime()
	if !ok {
		if len(pods) > 0 {
			return false, fmt.Sprintf("runtime deleted but %d worker pods remain", len(pods))
		}
		return true, ""
	}
	if w.lastErr != nil {
		return false, "last reconcile failed: " + w.lastErr.Error()
	}
	if int32(len(pods)) != rt.Spec.Replicas {
		return false, fmt.Sprintf("%d worker pods, spec.replicas is %d", len(pods), rt.Spec.Replicas)
	}
	live := map[string]bool{}
	for _, h := range w.alx.liveHostsLocked() {
		live[h] = true
	}
	for _, p := range pods {
		switch {
		case !p.DeletionTimestamp.IsZero():
			return false, p.Name + " is terminating"
		case slices.Contains(p.Finalizers, datav1alpha1.ScaleInFinalizer):
			return false, p.Name + " still holds the scale-in finalizer"
		case p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "":
			return false, fmt.Sprintf("%s still has scale-in state %s", p.Name, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
		case !live[p.Status.PodIP]:
			return false, fmt.Sprintf("%s's worker (%s) is not live in Alluxio", p.Name, p.Status.PodIP)
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

func (a *simAlluxio) liveHostsLocked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.liveHosts()
}

// countingClient is the API server's front: it counts writes, and hands
// each object written, as the server now holds it, to the controller's
// cache (which sees it later).
type countingClient struct {
	client.Client
	n     *int64
	cache *simCache
}

func (c *countingClient) wrote(obj client.Object, err error) error {
	*c.n++
	if err != nil && !apierrors.IsNotFound(err) {
		return err // refused: nothing changed
	}
	key := client.ObjectKeyFromObject(obj)
	k, kerr := cacheKeyOf(obj, key)
	if kerr != nil {
		panic(kerr)
	}
	cur := obj.DeepCopyObject().(client.Object)
	if gerr := c.Client.Get(context.Background(), key, cur); gerr != nil {
		c.cache.written(k, nil)
	} else {
		c.cache.written(k, cur)
	}
	return err
}

func (c *countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return c.wrote(obj, c.Client.Create(ctx, obj, opts...))
}

func (c *countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return c.wrote(obj, c.Client.Update(ctx, obj, opts...))
}

func (c *countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return c.wrote(obj, c.Client.Patch(ctx, obj, patch, opts...))
}

func (c *countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	return c.wrote(obj, c.Client.Delete(ctx, obj, opts...))
}

func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type countingStatus struct {
	client.SubResourceWriter
	c *countingClient
}

func (s *countingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	return s.c.wrote(obj, s.SubResourceWriter.Update(ctx, obj, opts...))
}

func (s *countingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	return s.c.wrote(obj, s.SubResourceWriter.Patch(ctx, obj, patch, opts...))
}
