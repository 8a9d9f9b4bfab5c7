package scalein

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-base/featuregate"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/features"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

const (
	// refresh is the clients' worker list refresh interval, in the
	// emulator and the runtime's properties alike.
	refresh = 2 * time.Second
	long    = 90 * time.Second
)

// fixture is one test's namespace, emulated Alluxio and controller.
type fixture struct {
	t      *testing.T
	g      *WithT
	ctx    context.Context
	ns     string
	emu    *emulator.Cluster
	mgr    *framework.Manager
	logs   *framework.ErrorLog
	gates  featuregate.MutableFeatureGate
	rtName string
	// metricsAddr, when set, is where the controller serves /metrics.
	metricsAddr string
}

func newFixture(t *testing.T, gateOverrides map[string]bool, emuOpts ...func(*emulator.Config)) *fixture {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "scalein-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	cfg := emulator.Config{RefreshInterval: refresh, OperationDuration: 300 * time.Millisecond, IdlePollInterval: 50 * time.Millisecond}
	for _, o := range emuOpts {
		o(&cfg)
	}
	emu := emulator.New(cfg)
	emulators.Add(ns.Name, emu)
	t.Cleanup(func() {
		emulators.Remove(ns.Name)
		emu.Close()
	})
	f := &fixture{t: t, g: g, ctx: ctx, ns: ns.Name, emu: emu, logs: &framework.ErrorLog{DebugEnv: "SCALEIN_DEBUG_LOGS"}, rtName: "cache"}
	gates := features.MutableGates.DeepCopy()
	g.Expect(gates.SetFromMap(gateOverrides)).To(Succeed())
	f.gates = gates
	f.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("controller errors:\n%s", f.logs.Lines())
		}
	})
	return f
}

// start runs a controller manager; stop it with stopController.
func (f *fixture) start() {
	f.t.Helper()
	mgr, err := framework.StartManager(controllerConfig, framework.ManagerOptions{
		Gates:       f.gates,
		Connector:   alluxio.ClusterConnector{Executor: &emulators, HTTP: framework.HTTPClient()},
		Logger:      logr.New(f.logs),
		MetricsAddr: f.metricsAddr,
	})
	f.g.Expect(err).NotTo(HaveOccurred())
	f.mgr = mgr
	f.t.Cleanup(func() { _ = mgr.Stop() })
}

func (f *fixture) stopController() {
	f.t.Helper()
	f.g.Expect(f.mgr.Stop()).To(Succeed())
}

// createRuntime creates a runtime whose workers use container network
// (each pod its own 127.0.1.x address) with short drain timings.
func (f *fixture) createRuntime(replicas int32, mutate ...func(*datav1alpha1.AlluxioRuntime)) *datav1alpha1.AlluxioRuntime {
	f.t.Helper()
	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: f.rtName, Namespace: f.ns},
		Spec: datav1alpha1.AlluxioRuntimeSpec{
			Replicas:   replicas,
			Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": refresh.String()},
			Master:     datav1alpha1.AlluxioCompTemplateSpec{NetworkMode: datav1alpha1.ContainerNetworkMode},
			Worker:     datav1alpha1.AlluxioCompTemplateSpec{NetworkMode: datav1alpha1.ContainerNetworkMode},
			ScaleIn: datav1alpha1.ScaleInPolicy{
				PollInterval: &metav1.Duration{Duration: 500 * time.Millisecond},
				QuietPeriod:  &metav1.Duration{Duration: time.Second},
				DrainTimeout: &metav1.Duration{Duration: 2 * time.Minute},
			},
		},
	}
	for _, m := range mutate {
		m(rt)
	}
	f.g.Expect(k8s.Create(f.ctx, rt)).To(Succeed())
	return rt
}

// waitReady waits until n workers run and are registered with Alluxio.
func (f *fixture) waitReady(n int) {
	f.t.Helper()
	f.g.Eventually(func(g Gomega) {
		live := 0
		for _, w := range f.emu.Workers() {
			if w.State == emulator.WorkerLive {
				live++
			}
		}
		g.Expect(live).To(Equal(n))
		rt := f.runtime()
		g.Expect(rt.Status.WorkerNumberReady).To(Equal(int32(n)))
	}, long, 200*time.Millisecond).Should(Succeed())
}

// scaleTo does what `kubectl scale alluxioruntime/<name> --replicas=n` does.
func (f *fixture) scaleTo(n int32) {
	f.t.Helper()
	scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: n}}
	rt := f.runtime()
	f.g.Expect(k8s.SubResource("scale").Update(f.ctx, rt, client.WithSubResourceBody(scale))).To(Succeed())
}

func (f *fixture) runtime() *datav1alpha1.AlluxioRuntime {
	rt := &datav1alpha1.AlluxioRuntime{}
	_ = k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.rtName}, rt)
	return rt
}

func (f *fixture) workerSetReplicas() int32 {
	sts := &appsv1.StatefulSet{}
	_ = k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.rtName + "-worker"}, sts)
	return ptr.Deref(sts.Spec.Replicas, -1)
}

func (f *fixture) workerPods() []corev1.Pod {
	pods := &corev1.PodList{}
	_ = k8s.List(f.ctx, pods, client.InNamespace(f.ns), client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent})
	return pods.Items
}

func (f *fixture) pod(name string) (*corev1.Pod, bool) {
	pod := &corev1.Pod{}
	if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: name}, pod); err != nil {
		return nil, false
	}
	return pod, true
}

func (f *fixture) scaledIn() *metav1.Condition {
	return meta.FindStatusCondition(f.runtime().Status.Conditions, datav1alpha1.WorkersScaledInCondition)
}

// waitScaled waits until the scale-in finished with reason Scaled and
// exactly n worker pods remain, none holding the finalizer.
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
			g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
			g.Expect(p.Annotations).NotTo(HaveKey(datav1alpha1.ScaleInStateAnnotation))
		}
	}, long, 250*time.Millisecond).Should(Succeed())
}

// history is what a user watching the runtime and its pods saw, plus the
// pods that started terminating while their emulated worker was busy.
type history struct {
	*framework.History
	mu          sync.Mutex
	deletedBusy []string
}

func (f *fixture) record() *history {
	f.t.Helper()
	ctx, cancel := context.WithCancel(f.ctx)
	f.t.Cleanup(cancel)
	h := &history{}
	var err error
	h.History, err = framework.Record(ctx, k8s, f.ns, func(pod *corev1.Pod) {
		if w, ok := f.emu.Worker(pod.Status.PodIP, 30000); ok && (w.Busy || w.OperationsInFlight > 0) {
			h.mu.Lock()
			h.deletedBusy = append(h.deletedBusy, fmt.Sprintf("%s (%d operations in flight, busy=%v)", pod.Name, w.OperationsInFlight, w.Busy))
			h.mu.Unlock()
		}
	})
	f.g.Expect(err).NotTo(HaveOccurred())
	return h
}

func (h *history) snapshot() (reasons []string, podStates map[string][]string, deletedBusy []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Reasons(), h.PodStates(), slices.Clone(h.deletedBusy)
}

// scaledInReason is the WorkersScaledIn reason, "" before there is one.
func (f *fixture) scaledInReason() string {
	if c := f.scaledIn(); c != nil {
		return c.Reason
	}
	return ""
}

// podState is a pod's scale-in state annotation ("" when none or gone).
func (f *fixture) podState(name string) string {
	p, ok := f.pod(name)
	if !ok {
		return ""
	}
	return p.Annotations[datav1alpha1.ScaleInStateAnnotation]
}

// waitPodState waits until the pod's scale-in state is state.
func (f *fixture) waitPodState(name, state string) {
	f.t.Helper()
	f.g.Eventually(func() string { return f.podState(name) }, long, 50*time.Millisecond).Should(Equal(state))
}

// conditionText is the WorkersScaledIn condition as "Reason: message".
func (f *fixture) conditionText() string {
	c := f.scaledIn()
	if c == nil {
		return ""
	}
	return c.Reason + ": " + c.Message
}
