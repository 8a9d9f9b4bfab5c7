package e2e

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/test/e2e/stack"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// Timings: short, so the suite stays within minutes. The emulator's
// clients and decommissionWorker use the same refresh interval as the
// runtime's property.
const (
	refresh      = 2 * time.Second
	quietPeriod  = time.Second
	pollInterval = 500 * time.Millisecond
	long         = 90 * time.Second
	webPort      = stack.WorkerWebPort
)

// fixture is one scenario: its namespace, its emulator process (master on
// the master node's IP, one worker per worker pod), its controller
// process.
type fixture struct {
	t      *testing.T
	g      *WithT
	ctx    context.Context
	ns     string
	rtName string
	emu    *stack.Emulator
	ctrl   *stack.Controller
	gates  string
	rpc    int
	web    int
}

func newFixture(t *testing.T, featureGates string) *fixture {
	t.Helper()
	return newFixtureWith(t, fixtureOptions{gates: featureGates})
}

// fixtureOptions vary a scenario's set-up.
type fixtureOptions struct {
	gates string
	// namespaced runs the controller as a second chart release that
	// watches the scenario's namespace only, with a RoleBinding there
	// and no cluster-wide grant.
	namespaced bool
}

func newFixtureWith(t *testing.T, opts fixtureOptions) *fixture {
	t.Helper()
	featureGates := opts.gates
	g := NewWithT(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	f := &fixture{t: t, g: g, ctx: ctx, ns: ns.Name, rtName: "cache", gates: featureGates}
	var err error
	f.web, err = stack.FreePort(masterIP)
	g.Expect(err).NotTo(HaveOccurred())
	f.rpc, err = stack.FreePort(masterIP)
	g.Expect(err).NotTo(HaveOccurred())
	prefix := filepath.Join(logDir, strings.ReplaceAll(t.Name(), "/", "_"))
	f.emu, err = stack.StartEmulator(ctx, stack.EmulatorOptions{
		Bin:               bins.Emulator,
		MasterAddr:        net.JoinHostPort(masterIP, fmt.Sprint(f.web)),
		Kubeconfig:        kc.KubeconfigPath,
		Namespace:         f.ns,
		LogPath:           prefix + "-emulator.log",
		RefreshInterval:   refresh,
		OperationDuration: 300 * time.Millisecond,
		IdlePollInterval:  50 * time.Millisecond,
	})
	g.Expect(err).NotTo(HaveOccurred())
	router.set(f.emu.URL)
	ctrlOpts := stack.ControllerOptions{
		Bin:          bins.Controller,
		Kubeconfig:   controllerKubeconfig,
		FeatureGates: featureGates,
		LogPath:      prefix + "-controller.log",
	}
	if opts.namespaced {
		ctrlOpts.Kubeconfig, ctrlOpts.Namespaces = installNamespaced(t, f.ns, prefix)
	}
	f.ctrl, err = stack.StartController(ctx, ctrlOpts)
	if err != nil {
		_ = f.emu.Stop(5 * time.Second)
		t.Fatal(err)
	}
	t.Cleanup(f.cleanup)
	return f
}

// cleanup deletes the runtime while the controller still runs (it holds
// finalizers), then stops the controller and the emulator, and deletes
// the namespace without waiting.
func (f *fixture) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if f.t.Failed() {
		f.t.Logf("controller log (tail):\n%s", f.ctrl.Tail(6000))
		f.t.Logf("emulator log (tail):\n%s", f.emu.Tail(3000))
		// A goroutine dump shows what a stuck reconcile waits for.
		_ = syscall.Kill(f.ctrl.Pid(), syscall.SIGQUIT)
		select {
		case <-f.ctrl.Done():
		case <-time.After(5 * time.Second):
		}
		f.t.Logf("controller goroutine dump (SIGQUIT) in %s; the suite restarts the controller for cleanup", f.ctrl.LogPath)
		if ctrl, err := f.ctrl.Restart(ctx); err == nil {
			f.ctrl = ctrl
		}
	}
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: f.rtName}}
	if err := k8s.Delete(ctx, rt); err == nil || !apierrors.IsNotFound(err) {
		for ctx.Err() == nil {
			if len(f.workerPods()) == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if err := f.ctrl.Stop(10 * time.Second); err != nil {
		f.t.Log(err)
	}
	if err := f.emu.Stop(10 * time.Second); err != nil {
		f.t.Log(err)
	}
	_ = k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}})
}

// createRuntime creates the runtime with the suite's short timings.
func (f *fixture) createRuntime(replicas int32, mutate ...func(*datav1alpha1.AlluxioRuntime)) *datav1alpha1.AlluxioRuntime {
	f.t.Helper()
	rt := stack.Runtime(stack.RuntimeOptions{
		Namespace: f.ns, Name: f.rtName, Replicas: replicas,
		MasterRPCPort: f.rpc, MasterWebPort: f.web,
		RefreshInterval: refresh, QuietPeriod: quietPeriod, PollInterval: pollInterval,
		DrainTimeout: 2 * time.Minute,
	})
	for _, m := range mutate {
		m(rt)
	}
	f.g.Expect(k8s.Create(f.ctx, rt)).To(Succeed())
	return rt
}

// waitReady waits until n worker pods run, their emulated workers are
// live in Alluxio, and the runtime counts n ready workers.
func (f *fixture) waitReady(n int) {
	f.t.Helper()
	f.g.Eventually(func(g Gomega) {
		pods := f.workerPods()
		g.Expect(pods).To(HaveLen(n))
		for _, p := range pods {
			g.Expect(p.Status.PodIP).NotTo(BeEmpty())
			w, err := f.emu.Worker(f.ctx, p.Status.PodIP, webPort)
			g.Expect(err).NotTo(HaveOccurred(), p.Name)
			g.Expect(w.State).To(Equal(emulator.WorkerLive), p.Name)
		}
		g.Expect(f.runtime().Status.WorkerNumberReady).To(Equal(int32(n)))
	}, long, 250*time.Millisecond).Should(Succeed())
}

// scaleTo does what `kubectl scale alluxioruntime/cache --replicas=n` does.
func (f *fixture) scaleTo(n int32) {
	f.t.Helper()
	scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: n}}
	f.g.Expect(k8s.SubResource("scale").Update(f.ctx, f.runtime(), client.WithSubResourceBody(scale))).To(Succeed())
}

func (f *fixture) runtime() *datav1alpha1.AlluxioRuntime {
	rt := &datav1alpha1.AlluxioRuntime{}
	_ = k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.rtName}, rt)
	return rt
}

func (f *fixture) workerPods() []corev1.Pod {
	pods := &corev1.PodList{}
	_ = k8s.List(f.ctx, pods, client.InNamespace(f.ns), client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent})
	slices.SortFunc(pods.Items, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return pods.Items
}

func (f *fixture) podNames() []string {
	var out []string
	for _, p := range f.workerPods() {
		out = append(out, p.Name)
	}
	return out
}

func (f *fixture) pod(name string) *corev1.Pod {
	f.t.Helper()
	pod := &corev1.Pod{}
	f.g.Expect(k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: name}, pod)).To(Succeed())
	return pod
}

func (f *fixture) podState(name string) string {
	pod := &corev1.Pod{}
	if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: name}, pod); err != nil {
		return ""
	}
	return pod.Annotations[datav1alpha1.ScaleInStateAnnotation]
}

func (f *fixture) nativeSet() *appsv1.StatefulSet {
	sts := &appsv1.StatefulSet{}
	if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.rtName + "-worker"}, sts); err != nil {
		return nil
	}
	return sts
}

func (f *fixture) advancedSet() *kruisev1beta1.StatefulSet {
	set := &kruisev1beta1.StatefulSet{}
	if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.rtName + "-worker"}, set); err != nil {
		return nil
	}
	return set
}

func (f *fixture) workerSetReplicas() int32 {
	if s := f.nativeSet(); s != nil {
		return ptr.Deref(s.Spec.Replicas, -1)
	}
	if s := f.advancedSet(); s != nil {
		return ptr.Deref(s.Spec.Replicas, -1)
	}
	return -1
}

func (f *fixture) scaledIn() *metav1.Condition {
	return meta.FindStatusCondition(f.runtime().Status.Conditions, datav1alpha1.WorkersScaledInCondition)
}

func (f *fixture) scaledInReason() string {
	if c := f.scaledIn(); c != nil {
		return c.Reason
	}
	return ""
}

// events are the runtime's events as `kubectl describe` lists them,
// "Type Reason: message".
func (f *fixture) events() []string {
	evs, _ := stack.RuntimeEvents(f.ctx, k8s, f.runtime())
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s %s: %s", e.Type, e.Reason, e.Message))
	}
	return out
}

func (f *fixture) setBusy(pod *corev1.Pod, busy bool) {
	f.t.Helper()
	f.g.Expect(f.emu.SetBusy(f.ctx, pod.Status.PodIP, webPort, busy)).To(Succeed(), pod.Name)
}

func (f *fixture) record() []emulator.Event {
	f.t.Helper()
	rec, err := f.emu.Record(f.ctx)
	f.g.Expect(err).NotTo(HaveOccurred())
	return rec
}

func (f *fixture) expectNoViolations() {
	f.t.Helper()
	v, err := f.emu.Violations(f.ctx)
	f.g.Expect(err).NotTo(HaveOccurred())
	f.g.Expect(v).To(BeEmpty(), "no operation may reach a removed worker, no data may be lost")
}

// decommissions counts decommissionWorker calls per worker host.
func (f *fixture) decommissions() map[string]int {
	out := map[string]int{}
	for _, e := range f.record() {
		if e.Kind == emulator.EventWorkerDecommissioned {
			out[e.Host]++
		}
	}
	return out
}

// waitScaled waits until the scale-in finished with reason Scaled and
// exactly n worker pods remain, none holding the finalizer or a state.
func (f *fixture) waitScaled(n int) {
	f.t.Helper()
	f.g.Eventually(func(g Gomega) {
		c := f.scaledIn()
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
		g.Expect(c.Reason).To(Equal(datav1alpha1.ScaledReason))
		pods := f.workerPods()
		g.Expect(pods).To(HaveLen(n))
		for _, p := range pods {
			g.Expect(p.DeletionTimestamp).To(BeNil(), p.Name)
			g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
			g.Expect(p.Annotations).NotTo(HaveKey(datav1alpha1.ScaleInStateAnnotation))
		}
	}, long, 250*time.Millisecond).Should(Succeed())
}

// history is what a user watching the runtime and its pods saw, plus the
// emulated worker of each pod at the moment the pod got its deletion
// timestamp.
type history struct {
	*framework.History
	mu         sync.Mutex
	atDeletion map[string]emulator.WorkerSnapshot
}

func (f *fixture) watch() *history {
	f.t.Helper()
	ctx, cancel := context.WithCancel(f.ctx)
	f.t.Cleanup(cancel)
	h := &history{atDeletion: map[string]emulator.WorkerSnapshot{}}
	var err error
	h.History, err = framework.Record(ctx, k8s, f.ns, func(pod *corev1.Pod) {
		if pod.Status.PodIP == "" {
			return
		}
		if w, err := f.emu.Worker(ctx, pod.Status.PodIP, webPort); err == nil {
			h.mu.Lock()
			h.atDeletion[pod.Name] = w
			h.mu.Unlock()
		}
	})
	f.g.Expect(err).NotTo(HaveOccurred())
	return h
}

func (h *history) snapshot() (reasons []string, podStates map[string][]string) {
	return h.Reasons(), h.PodStates()
}

// waitPodState waits until the pod's scale-in state is state.
func (f *fixture) waitPodState(name, state string) {
	f.t.Helper()
	f.g.Eventually(func() string { return f.podState(name) }, long, 100*time.Millisecond).Should(Equal(state))
}
