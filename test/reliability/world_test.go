package reliability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

// Ports the emulated Alluxio listens on: Alluxio's defaults, which the
// controller derives from a runtime that sets none.
const (
	masterWebPort = 19999
	workerRPCPort = 29999
	workerWebPort = 30000
)

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(datav1alpha1.AddToScheme(s))
	return s
}()

// incarnation is one pod's life: a name can come back (StatefulSet
// ordinals do), each time with a new UID and a new loopback IP, so an
// Alluxio client that cached the old worker never reaches the new one.
type incarnation struct {
	name    string
	uid     types.UID
	ip      string
	ordinal int32
	// started: its Alluxio worker process runs (AddWorker was called).
	started bool
	// startAt: the step the process starts at (a slow start).
	startAt int
	// last is the pod as last seen, for the checks made when it is gone.
	last *corev1.Pod
	// byHand: a user deleted it (the "victim pod deleted" fault).
	byHand bool
	born   time.Time
}

// world is one schedule's simulated cluster: API objects in a fake
// client, a StatefulSet controller, a garbage collector and a kubelet
// played by this code, and Alluxio played by the in-process emulator.
// Everything runs on the schedule's goroutine, one step after another.
type world struct {
	ctx   context.Context
	seed  int64
	start time.Time
	step  int
	rng   *rand.Rand // for per-write fault draws only

	store client.Client // the API server: the world writes here directly
	ctrl  *faultyClient // the controller's view of the same store
	emu   *emulator.Cluster
	http  *http.Client
	rec   *eventRecorder
	r     *alluxio.Reconciler

	ns, name string
	// block is this schedule's 127.a.b.0/24; host .1 is the master.
	block    string
	nextHost int
	// refresh is the clients' worker list refresh interval.
	refresh time.Duration

	pods map[types.UID]*incarnation
	// allIncs are every pod incarnation ever, gone ones too.
	allIncs []*incarnation
	// slowStartUntil: pods created before this step start their worker
	// process late.
	slowStartUntil int
	slowStartBy    int

	// conflictUntil / conflictP: writes fail with Conflict with
	// probability conflictP until that step.
	conflictUntil int
	conflictP     float64
	// crashAfter >= 0 kills the controller after that many writes of the
	// current reconcile; crashed is set once it happened (atomic: the
	// controller's HTTP calls may run on other goroutines).
	crashAfter int
	writes     int
	crashed    atomic.Bool
	// crashInCLIUntil: until this step, the controller is killed while
	// its next decommissionWorker command runs (after the master took the
	// request, before the command returned).
	crashInCLIUntil int

	// scales are the user's writes of spec.replicas, in order.
	scales []scaleRecord
	// runtimeDeleted is when the user deleted the runtime (zero: never).
	runtimeDeleted time.Time

	log      []string
	failures []string
	// lastErr is the error of the last reconcile.
	lastErr error
	errs    int

	// writing is held by each of the controller's writes with the
	// kubelet's look after it: a reconcile writes its victims' pods
	// concurrently, and the world sees one write at a time.
	writing sync.Mutex
	// reconciling: the controller's Reconcile is running; departed, the
	// pods that left since the last judgeDepartures.
	reconciling bool
	departed    []departure
}

type scaleRecord struct {
	at       time.Time
	replicas int32
}

func (w *world) logf(format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf("step %3d +%5dms  %s", w.step, time.Since(w.start).Milliseconds(), fmt.Sprintf(format, args...)))
}

func (w *world) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.failures = append(w.failures, msg)
	w.logf("INVARIANT BROKEN: %s", msg)
}

// newWorld starts the emulator's master on the block's first address and
// builds the API server, with no objects yet.
func newWorld(ctx context.Context, seed int64, block string, timings timings) (*world, error) {
	emu := emulator.New(emulator.Config{
		RefreshInterval:   timings.refresh,
		OperationDuration: timings.operation,
		IdlePollInterval:  5 * time.Millisecond,
		// --wait 0s is then honoured: decommissionWorker returns exit 3
		// right after the refresh interval instead of polling for idle.
		EnforceWait: true,
	})
	w := &world{
		ctx: ctx, seed: seed, start: time.Now(), rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)),
		emu: emu, rec: &eventRecorder{}, ns: "default", name: "cache", block: block, nextHost: 2,
		pods: map[types.UID]*incarnation{}, crashAfter: -1, refresh: timings.refresh,
	}
	if err := emu.StartMaster(w.masterIP() + ":" + strconv.Itoa(masterWebPort)); err != nil {
		emu.Close()
		return nil, err
	}
	w.store = fake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&datav1alpha1.AlluxioRuntime{}, &appsv1.StatefulSet{}, &corev1.Pod{}).Build()
	w.ctrl = &faultyClient{Client: w.store, w: w}
	w.http = &http.Client{Timeout: timings.httpTimeout, Transport: &crashableTransport{w: w, next: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2}}}
	w.newController()
	return w, nil
}

func (w *world) close() {
	w.emu.Close()
	if t, ok := w.http.Transport.(*crashableTransport); ok {
		t.next.CloseIdleConnections()
	}
}

func (w *world) masterIP() string { return w.block + "1" }

// newController builds a fresh Reconciler: a restarted controller keeps
// nothing in memory, so everything it knows comes from the API objects.
func (w *world) newController() {
	w.r = &alluxio.Reconciler{
		Client:   w.ctrl,
		Scheme:   scheme,
		Recorder: w.rec,
		Gates:    features.MutableGates.DeepCopy(),
		Alluxio:  alluxio.ClusterConnector{Executor: cliExecutor{w: w}, HTTP: w.http},
		Clock:    clock.RealClock{},
	}
	w.crashed.Store(false)
	w.crashAfter = -1
}

func (w *world) key() client.ObjectKey { return client.ObjectKey{Namespace: w.ns, Name: w.name} }

func (w *world) runtime() (*datav1alpha1.AlluxioRuntime, bool) {
	rt := &datav1alpha1.AlluxioRuntime{}
	if err := w.store.Get(w.ctx, w.key(), rt); err != nil {
		return nil, false
	}
	return rt, true
}

// reconcile runs the controller once, as its work queue would.
func (w *world) reconcile() {
	w.writes = 0
	w.reconciling = true
	_, err := w.r.Reconcile(w.ctx, reconcileRequest(w.key()))
	w.reconciling = false
	w.lastErr = err
	if err != nil {
		w.errs++
	}
	if w.crashed.Load() {
		w.logf("controller killed after %d writes of a reconcile; a new one starts", w.crashAfter)
		w.newController()
	}
	w.syncGone()
}

// --- the controller's client, with injected write faults ---

// faultyClient is the controller's client. Reads go straight to the
// store; writes may fail with a Conflict (someone else wrote first) or,
// once the controller was "killed", with an error; each write is followed
// by the kubelet noticing pods that are gone.
type faultyClient struct {
	client.Client
	w *world
}

var errKilled = errors.New("controller process killed (injected)")

func (w *world) writeFault(obj client.Object) error {
	if w.crashAfter >= 0 {
		if w.writes >= w.crashAfter {
			w.crashed.Store(true)
			return errKilled
		}
	}
	w.writes++
	if w.step < w.conflictUntil && w.rng.Float64() < w.conflictP {
		gvk, _ := w.store.GroupVersionKindFor(obj)
		return apierrors.NewConflict(schema.GroupResource{Group: gvk.Group, Resource: strings.ToLower(gvk.Kind) + "s"}, obj.GetName(),
			errors.New("the object has been modified; please apply your changes to the latest version and try again (injected)"))
	}
	return nil
}

func (c *faultyClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.w.writing.Lock()
	defer c.w.writing.Unlock()
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	return c.Client.Create(ctx, obj, opts...)
}

func (c *faultyClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.w.writing.Lock()
	defer c.w.writing.Unlock()
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	err := c.Client.Update(ctx, obj, opts...)
	c.w.syncGone()
	return err
}

func (c *faultyClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.w.writing.Lock()
	defer c.w.writing.Unlock()
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
		// removed, then fails to read it back; the API server answers
		// 200 instead.
		if gerr := c.Client.Get(ctx, client.ObjectKeyFromObject(obj), &corev1.Pod{}); apierrors.IsNotFound(gerr) {
			err = nil
		}
	}
	c.w.syncGone()
	return err
}

func (c *faultyClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.w.writing.Lock()
	defer c.w.writing.Unlock()
	if err := c.w.writeFault(obj); err != nil {
		return err
	}
	err := c.Client.Delete(ctx, obj, opts...)
	c.w.syncGone()
	return err
}

func (c *faultyClient) Status() client.SubResourceWriter {
	return &faultyStatus{SubResourceWriter: c.Client.Status(), w: c.w}
}

type faultyStatus struct {
	client.SubResourceWriter
	w *world
}

func (s *faultyStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.w.writing.Lock()
	defer s.w.writing.Unlock()
	if err := s.w.writeFault(obj); err != nil {
		return err
	}
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s *faultyStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.w.writing.Lock()
	defer s.w.writing.Unlock()
	if err := s.w.writeFault(obj); err != nil {
		return err
	}
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// --- Alluxio, reached as the controller reaches it ---

// cliExecutor runs `alluxio ...` in the emulator, in process: what an
// exec into the master pod would run. A killed controller runs nothing.
type cliExecutor struct{ w *world }

func (e cliExecutor) Exec(ctx context.Context, _, _, _ string, argv []string) ([]byte, []byte, error) {
	if e.w.crashed.Load() {
		return nil, nil, errKilled
	}
	if len(argv) == 0 || argv[0] != "alluxio" {
		return nil, nil, fmt.Errorf("in-process executor runs only alluxio, not %q", argv)
	}
	var stdout, stderr bytes.Buffer
	if e.w.step < e.w.crashInCLIUntil && slices.Contains(argv, "decommissionWorker") {
		e.w.crashInCLIUntil = 0
		// The exec stream dies with the controller; the master already
		// has the request. The CLI gets a moment to send it.
		killed, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
		code := e.w.emu.RunCLI(killed, argv[1:], &stdout, &stderr)
		cancel()
		e.w.crashAfter = e.w.writes
		e.w.crashed.Store(true)
		e.w.logf("controller killed while %q ran (exit %d)", strings.Join(argv, " "), code)
		return nil, nil, errKilled
	}
	code := e.w.emu.RunCLI(ctx, argv[1:], &stdout, &stderr)
	if ctx.Err() != nil {
		return stdout.Bytes(), stderr.Bytes(), fmt.Errorf("in-process command %q abandoned: %w", argv, ctx.Err())
	}
	if code != 0 {
		return stdout.Bytes(), stderr.Bytes(), &operations.CommandError{Argv: argv, ExitCode: code, Stdout: stdout.String(), Stderr: stderr.String()}
	}
	return stdout.Bytes(), stderr.Bytes(), nil
}

// crashableTransport is the controller's HTTP: nothing goes out once it
// was killed.
type crashableTransport struct {
	w    *world
	next *http.Transport
}

func (t *crashableTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.w.crashed.Load() {
		return nil, errKilled
	}
	return t.next.RoundTrip(req)
}

// --- the StatefulSet controller, garbage collector and kubelet ---

// simulate is one pass of Kubernetes' own controllers: the garbage
// collector (runtime gone), the StatefulSet controller for the master and
// the workers, and the kubelet starting worker processes.
func (w *world) simulate() {
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

func (w *world) collectGarbage() {
	for _, name := range []string{w.name + "-master", w.name + "-worker"} {
		_ = w.store.Delete(w.ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: name}})
		_ = w.store.Delete(w.ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: name}})
	}
	for _, p := range w.listPods("") {
		if p.DeletionTimestamp.IsZero() {
			_ = w.store.Delete(w.ctx, &p)
		}
	}
}

func (w *world) listPods(component string) []corev1.Pod {
	sel := client.MatchingLabels{datav1alpha1.RuntimeNameLabel: w.name}
	if component != "" {
		sel[datav1alpha1.ComponentLabel] = component
	}
	pods := &corev1.PodList{}
	if err := w.store.List(w.ctx, pods, client.InNamespace(w.ns), sel); err != nil {
		panic(err) // the fake client never fails a list
	}
	return pods.Items
}

func (w *world) getSet(name string) (*appsv1.StatefulSet, bool) {
	sts := &appsv1.StatefulSet{}
	if err := w.store.Get(w.ctx, client.ObjectKey{Namespace: w.ns, Name: name}, sts); err != nil {
		return nil, false
	}
	return sts, true
}

func (w *world) syncMaster() {
	sts, ok := w.getSet(w.name + "-master")
	if !ok {
		return
	}
	name := sts.Name + "-0"
	if err := w.store.Get(w.ctx, client.ObjectKey{Namespace: w.ns, Name: name}, &corev1.Pod{}); apierrors.IsNotFound(err) {
		pod := w.podFromTemplate(sts, name, w.masterIP())
		if err := w.store.Create(w.ctx, pod); err != nil {
			w.logf("create master pod: %v", err)
		}
	}
	w.setSetStatus(sts, 1, 1)
}

// syncWorkers keeps pods 0..replicas-1 of the worker set: creates the
// missing ones (a name still held by a terminating pod waits) and deletes
// the higher ordinals, all at once (podManagementPolicy Parallel).
func (w *world) syncWorkers() {
	sts, ok := w.getSet(w.name + "-worker")
	if !ok {
		return
	}
	replicas := ptr.Deref(sts.Spec.Replicas, 0)
	byName := map[string]corev1.Pod{}
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		byName[p.Name] = p
	}
	for name, p := range byName {
		o, ok := ordinalOf(sts.Name, name)
		if ok && o >= replicas && p.DeletionTimestamp.IsZero() {
			if err := w.store.Delete(w.ctx, &p); err == nil {
				w.logf("statefulset controller deletes %s (ordinal >= %d)", name, replicas)
			}
		}
	}
	for o := int32(0); o < replicas; o++ {
		name := fmt.Sprintf("%s-%d", sts.Name, o)
		if _, exists := byName[name]; exists {
			continue
		}
		ip, err := w.allocateIP()
		if err != nil {
			w.failf("%v", err)
			return
		}
		pod := w.podFromTemplate(sts, name, ip)
		if err := w.store.Create(w.ctx, pod); err != nil {
			w.logf("create %s: %v", name, err)
			continue
		}
		inc := &incarnation{name: name, uid: pod.UID, ip: ip, ordinal: o, startAt: w.step, last: pod.DeepCopy(), born: time.Now()}
		if w.step < w.slowStartUntil {
			inc.startAt = w.step + w.slowStartBy
		}
		w.pods[pod.UID] = inc
		w.allIncs = append(w.allIncs, inc)
		w.logf("statefulset controller creates %s at %s (worker starts at step %d)", name, ip, inc.startAt)
	}
	ready := int32(0)
	current := int32(0)
	for _, inc := range w.pods {
		if inc.started {
			ready++
		}
		current++
	}
	w.setSetStatus(sts, current, ready)
}

func (w *world) setSetStatus(sts *appsv1.StatefulSet, current, ready int32) {
	if sts.Status.Replicas == current && sts.Status.ReadyReplicas == ready && sts.Status.AvailableReplicas == ready && sts.Status.ObservedGeneration == sts.Generation {
		return
	}
	sts.Status.Replicas, sts.Status.ReadyReplicas, sts.Status.AvailableReplicas = current, ready, ready
	sts.Status.ObservedGeneration = sts.Generation
	_ = w.store.Status().Update(w.ctx, sts)
}

func (w *world) allocateIP() (string, error) {
	if w.nextHost > 254 {
		return "", fmt.Errorf("address block %s0/24 exhausted: the schedule created more than 253 pods", w.block)
	}
	ip := w.block + strconv.Itoa(w.nextHost)
	w.nextHost++
	return ip, nil
}

func (w *world) podFromTemplate(sts *appsv1.StatefulSet, name, ip string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: w.ns, Name: name,
			UID:             types.UID(fmt.Sprintf("%s-%s", name, ip)),
			Labels:          maps(sts.Spec.Template.Labels),
			Annotations:     maps(sts.Spec.Template.Annotations),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: sts.Name, UID: sts.UID, Controller: ptr.To(true)}},
		},
		Spec: *sts.Spec.Template.Spec.DeepCopy(),
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: ip, HostIP: "127.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
	return pod
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func ordinalOf(set, pod string) (int32, bool) {
	s, ok := strings.CutPrefix(pod, set+"-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// startProcesses starts the worker process of each pod whose start is
// due: it listens on the pod IP and registers with the master.
func (w *world) startProcesses() {
	for _, inc := range w.sortedPods() {
		if inc.started || w.step < inc.startAt {
			continue
		}
		if _, err := w.emu.AddWorker(inc.ip, workerRPCPort, workerWebPort); err != nil {
			w.failf("start worker of %s at %s: %v", inc.name, inc.ip, err)
			continue
		}
		inc.started = true
	}
}

func (w *world) sortedPods() []*incarnation {
	out := make([]*incarnation, 0, len(w.pods))
	for _, inc := range w.pods {
		out = append(out, inc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ip < out[j].ip })
	return out
}

// syncGone is the kubelet seeing pods go: a pod whose object is gone
// (deleted with no finalizer left) has its worker process stopped. At
// that moment the worker must have no work in flight, unless the
// controller forced it out (and said so), a user deleted it by hand, or
// the runtime was deleted.
func (w *world) syncGone() {
	present := map[types.UID]*corev1.Pod{}
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		present[p.UID] = p.DeepCopy()
	}
	for _, inc := range w.sortedPods() {
		if p, ok := present[inc.uid]; ok {
			if p.DeletionTimestamp != nil && inc.last.DeletionTimestamp == nil && !inc.byHand {
				// first seen terminating
				w.logf("%s (%s) terminating, state %q", inc.name, inc.ip, p.Annotations[datav1alpha1.ScaleInStateAnnotation])
			}
			inc.last = p
			continue
		}
		delete(w.pods, inc.uid)
		if !inc.started {
			w.logf("%s (%s) gone before its worker started", inc.name, inc.ip)
			continue
		}
		snap, _ := w.emu.Worker(inc.ip, workerWebPort)
		w.logf("%s (%s) gone: worker %s, %d operations in flight, busy %v, last state %q",
			inc.name, inc.ip, snap.State, snap.OperationsInFlight, snap.Busy, inc.last.Annotations[datav1alpha1.ScaleInStateAnnotation])
		w.departed = append(w.departed, departure{inc: inc, worker: snap, left: time.Now()})
		w.emu.RemoveWorker(inc.ip, workerWebPort)
	}
	if !w.reconciling {
		w.judgeDepartures()
	}
}

// departure is a worker pod that left, with its worker as it was then.
type departure struct {
	inc    *incarnation
	worker emulator.WorkerSnapshot
	left   time.Time
}

// judgeDepartures checks the pods that left. Within a reconcile it waits
// for the reconcile to return: the controller tells of a move (the
// Warning event Forced) right after the write that made it, and the
// write that records a forced victim also releases its finalizer, so the
// pod is gone before the event that says why can exist.
func (w *world) judgeDepartures() {
	departed := w.departed
	w.departed = nil
	for _, d := range departed {
		inc, snap := d.inc, d.worker
		if snap.OperationsInFlight > 0 || snap.Busy {
			switch {
			case !w.runtimeDeleted.IsZero():
				w.logf("  %s allowed: the runtime was deleted", inc.name)
			case inc.byHand:
				w.logf("  %s allowed: deleted by hand", inc.name)
			case w.rec.forced(inc.name, inc.born):
				w.logf("  %s allowed: the controller forced it out and said so (event Forced)", inc.name)
			default:
				w.failf("%s (%s) left while its worker had %d operations in flight (busy %v), without Force",
					inc.name, inc.ip, snap.OperationsInFlight, snap.Busy)
			}
		}
		if snap.State == emulator.WorkerDecommissioned && d.left.Sub(snap.DecommissionedAt) < w.refresh &&
			w.runtimeDeleted.IsZero() && !w.rec.forced(inc.name, inc.born) {
			// Clients that fetched their worker list just before the
			// decommission still send work here until they refresh.
			w.failf("%s (%s) left %dms after its decommission, before the clients' worker lists refreshed (%s); deleted by hand: %v",
				inc.name, inc.ip, d.left.Sub(snap.DecommissionedAt).Milliseconds(), w.refresh, inc.byHand)
		}
	}
}

// --- events ---

type recordedEvent struct {
	at                      time.Time
	eventType, reason, note string
	// pods the note names (eventPods).
	pods []string
}

// eventRecorder keeps the controller's events.
type eventRecorder struct {
	mu     sync.Mutex // the controller records from concurrent calls
	events []recordedEvent
}

func (r *eventRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	e := recordedEvent{at: time.Now(), eventType: eventtype, reason: reason, note: fmt.Sprintf(note, args...)}
	e.pods = eventPods(e.note)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// forced reports whether the controller said it forced pod out (an
// event since the pod's incarnation was born).
func (r *eventRecorder) forced(pod string, since time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.events, func(e recordedEvent) bool {
		return slices.Contains(e.pods, pod) && !e.at.Before(since) && e.reason == datav1alpha1.ForcedReason && e.eventType == corev1.EventTypeWarning
	})
}
