package alluxio

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

// fakeMaster is an Alluxio master and its workers as the engine sees them
// through operations.Interface, keyed by worker host.
type fakeMaster struct {
	mu        sync.Mutex
	startedAt time.Time
	// unreachable: Observe fails.
	unreachable bool
	// version is the Alluxio version the master reports (2.9.6 when empty).
	version string
	// containerHosts: the pod IP a worker registered besides its host
	// (container network); its web server answers only there.
	containerHosts map[string]string
	// registered workers by host, with their web port; decommissioned
	// ones are not listed.
	registered     map[string]int32
	decommissioned map[string]bool
	// stuck: decommission commands are accepted but do not take effect.
	stuck bool
	// down: the worker's own web server does not answer.
	down        map[string]bool
	busy        map[string]int64
	unpersisted map[string]int64
	// decommissions records every decommission command's addresses.
	decommissions [][]operations.WorkerAddress
	// onDecommission runs inside each decommission command.
	onDecommission func()
	// dataMoves: the workers' cached files, persisting and re-caching.
	dataMoves
}

func newFakeMaster(startedAt time.Time) *fakeMaster {
	return &fakeMaster{startedAt: startedAt, registered: map[string]int32{}, decommissioned: map[string]bool{}, containerHosts: map[string]string{},
		down: map[string]bool{}, busy: map[string]int64{}, unpersisted: map[string]int64{}, dataMoves: newDataMoves()}
}

func (m *fakeMaster) Observe(context.Context) (*operations.ClusterInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unreachable {
		return nil, fmt.Errorf("connection refused: %w", operations.ErrMasterUnreachable)
	}
	info := &operations.ClusterInfo{Version: "2.9.6", StartedAt: m.startedAt}
	if m.version != "" {
		info.Version = m.version
	}
	for _, host := range slices.Sorted(maps.Keys(m.registered)) {
		if !m.decommissioned[host] {
			info.Live = append(info.Live, operations.WorkerInfo{Address: operations.WorkerAddress{Host: host, ContainerHost: m.containerHosts[host], RPCPort: 29999, WebPort: m.registered[host]},
				CapacityBytes: m.capacity[host], UsedBytes: m.used[host]})
		}
	}
	return info, nil
}

func (m *fakeMaster) Decommission(_ context.Context, workers []operations.WorkerAddress) error {
	m.mu.Lock()
	m.decommissions = append(m.decommissions, workers)
	for _, w := range workers {
		if port, ok := m.registered[w.Host]; ok && port == w.WebPort && !m.stuck {
			m.decommissioned[w.Host] = true
		}
	}
	hook := m.onDecommission
	m.mu.Unlock()
	if hook != nil {
		hook()
	}
	return nil
}

func (m *fakeMaster) Enable(_ context.Context, workers []operations.WorkerAddress) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range workers {
		delete(m.decommissioned, w.Host)
	}
	return nil
}

func (m *fakeMaster) WorkerActivity(_ context.Context, w operations.WorkerAddress) (operations.Activity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down[w.Host] || w.ContainerHost != m.containerHosts[w.Host] {
		return operations.Activity{}, fmt.Errorf("dial %s: connection refused: %w", w.Host, operations.ErrWorkerUnreachable)
	}
	return operations.Activity{OperationCount: m.busy[w.Host]}, nil
}

func (m *fakeMaster) UnpersistedData(_ context.Context, w operations.WorkerAddress) (operations.Unpersisted, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down[w.Host] || w.ContainerHost != m.containerHosts[w.Host] {
		return operations.Unpersisted{}, fmt.Errorf("dial %s: connection refused: %w", w.Host, operations.ErrWorkerUnreachable)
	}
	n := m.unpersisted[w.Host]
	u := operations.Unpersisted{Files: int(n), Bytes: n * 1024}
	for _, f := range m.files[w.Host] {
		if !f.Persisted {
			u.Files++
			u.Bytes += f.Bytes
		}
	}
	return u, nil
}

func (m *fakeMaster) set(f func(m *fakeMaster)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

func (m *fakeMaster) decommissionCount(host string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, batch := range m.decommissions {
		for _, w := range batch {
			if w.Host == host {
				n++
			}
		}
	}
	return n
}

type fakeConnector struct{ m *fakeMaster }

func (c fakeConnector) Connect(context.Context, *datav1alpha1.AlluxioRuntime, *corev1.Pod) (operations.Interface, error) {
	return c.m, nil
}

// engine is the reconciler on a fake API server and a fake clock, with
// the StatefulSet controller played by syncPods. Reconciles happen only
// when the test asks.
type engine struct {
	t      *testing.T
	g      Gomega
	ctx    context.Context
	c      client.Client
	r      *Reconciler
	clock  *clocktesting.FakeClock
	master *fakeMaster
	rt     types.NamespacedName
	events *events.FakeRecorder
	// holdPods: pods the worker set no longer runs are not deleted, as
	// when its controller has not got to them yet.
	holdPods bool
}

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// newEngine runs a runtime of n workers whose pods started at t0 and
// registered with a master that started before them.
func newEngine(t *testing.T, n int32, policy datav1alpha1.ScaleInPolicy) *engine {
	e := newBareEngine(t)
	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.rt.Namespace, Name: e.rt.Name, Generation: 1},
		Spec:       datav1alpha1.AlluxioRuntimeSpec{Replicas: n, ScaleIn: policy},
	}
	e.g.Expect(e.c.Create(e.ctx, rt)).To(Succeed())
	e.reconcile()
	e.addMasterPod()
	for i := range n {
		e.addPod(i)
	}
	e.reconcile()
	return e
}

// newBareEngine is the reconciler in standalone mode on an empty fake API
// server, before any runtime exists.
func newBareEngine(t *testing.T) *engine {
	g := NewWithT(t)
	scheme := Scheme()
	c := fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&datav1alpha1.AlluxioRuntime{}).Build()
	clock := clocktesting.NewFakeClock(t0)
	master := newFakeMaster(t0.Add(-time.Hour))
	rec := events.NewFakeRecorder(1000)
	gates := features.MutableGates.DeepCopy()
	e := &engine{t: t, g: g, ctx: ctrl.LoggerInto(context.Background(), ctrl.Log), c: c, clock: clock, master: master, events: rec,
		rt: types.NamespacedName{Namespace: "default", Name: "cache"}}
	e.r = &Reconciler{Client: c, Scheme: scheme, Recorder: rec, Gates: gates, Alluxio: fakeConnector{master}, Clock: clock}
	return e
}

func reconcileRequest(rt types.NamespacedName) ctrl.Request { return ctrl.Request{NamespacedName: rt} }

// host is the pod IP of ordinal i.
func host(i int32) string { return fmt.Sprintf("127.0.9.%d", i+1) }

// addPod creates worker pod i, running since t0, its worker registered.
func (e *engine) addPod(i int32) {
	rt := e.runtime()
	w, err := workerComponent(rt)
	e.g.Expect(err).NotTo(HaveOccurred())
	tmpl := podTemplate(rt, w, masterHost(rt))
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: rt.Namespace, Name: fmt.Sprintf("%s-%d", workerName(rt), i), Labels: tmpl.Labels},
		Spec:       tmpl.Spec,
	}
	e.g.Expect(e.c.Create(e.ctx, pod)).To(Succeed())
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: host(i), HostIP: host(i), StartTime: &metav1.Time{Time: t0}}
	e.g.Expect(e.c.Status().Update(e.ctx, pod)).To(Succeed())
	e.master.set(func(m *fakeMaster) { m.registered[host(i)] = w.webPort })
}

// addMasterPod creates the master's pod, which the engine needs to reach
// Alluxio.
func (e *engine) addMasterPod() {
	rt := e.runtime()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: rt.Namespace, Name: masterPodName(rt),
		Labels: componentLabels(rt, datav1alpha1.MasterComponent)}}
	pod.Spec.Containers = []corev1.Container{{Name: masterContainer, Image: "alluxio"}}
	e.g.Expect(e.c.Create(e.ctx, pod)).To(Succeed())
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.9.100", HostIP: "127.0.9.100"}
	e.g.Expect(e.c.Status().Update(e.ctx, pod)).To(Succeed())
}

func (e *engine) runtime() *datav1alpha1.AlluxioRuntime {
	rt := &datav1alpha1.AlluxioRuntime{}
	e.g.Expect(e.c.Get(e.ctx, e.rt, rt)).To(Succeed())
	return rt
}

// reconcile runs one reconcile, then lets the StatefulSet controller
// delete the pods above the set's replicas (a finalizer keeps them
// Terminating).
func (e *engine) reconcile() ctrl.Result {
	res, err := e.r.Reconcile(e.ctx, ctrl.Request{NamespacedName: e.rt})
	e.g.Expect(err).NotTo(HaveOccurred())
	e.syncPods()
	return res
}

func (e *engine) syncPods() {
	if e.holdPods {
		return
	}
	sts := &appsv1.StatefulSet{}
	if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: e.rt.Namespace, Name: e.rt.Name + "-worker"}, sts); err != nil {
		return
	}
	for _, p := range e.pods() {
		if o, ok := podOrdinal(sts.Name, p.Name); ok && o >= ptr.Deref(sts.Spec.Replicas, 1) && p.DeletionTimestamp.IsZero() {
			e.g.Expect(e.c.Delete(e.ctx, &p)).To(Succeed())
		}
	}
}

func (e *engine) pods() []corev1.Pod {
	list := &corev1.PodList{}
	e.g.Expect(e.c.List(e.ctx, list, client.InNamespace(e.rt.Namespace))).To(Succeed())
	return list.Items
}

func (e *engine) pod(i int32) (corev1.Pod, bool) {
	p := corev1.Pod{}
	err := e.c.Get(e.ctx, types.NamespacedName{Namespace: e.rt.Namespace, Name: fmt.Sprintf("%s-worker-%d", e.rt.Name, i)}, &p)
	return p, err == nil
}

func (e *engine) state(i int32) string {
	p, ok := e.pod(i)
	if !ok {
		return "gone"
	}
	return p.Annotations[datav1alpha1.ScaleInStateAnnotation]
}

func (e *engine) workerReplicas() int32 {
	sts := &appsv1.StatefulSet{}
	e.g.Expect(e.c.Get(e.ctx, types.NamespacedName{Namespace: e.rt.Namespace, Name: e.rt.Name + "-worker"}, sts)).To(Succeed())
	return ptr.Deref(sts.Spec.Replicas, 0)
}

func (e *engine) scaleTo(n int32) {
	rt := e.runtime()
	rt.Spec.Replicas = n
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
}

func (e *engine) condition() *metav1.Condition {
	return meta.FindStatusCondition(e.runtime().Status.Conditions, datav1alpha1.WorkersScaledInCondition)
}

// advance moves the clock on and reconciles.
func (e *engine) advance(d time.Duration) ctrl.Result {
	e.clock.Step(d)
	return e.reconcile()
}

// reconcileUntil reconciles, the clock moving by step each time, until
// cond holds (at most n times).
func (e *engine) reconcileUntil(step time.Duration, n int, cond func() bool) {
	e.t.Helper()
	for range n {
		if cond() {
			return
		}
		e.advance(step)
	}
	e.g.Expect(cond()).To(BeTrue(), "condition not reached after %d reconciles", n)
}
