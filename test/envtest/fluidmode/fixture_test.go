package fluidmode

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/features"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// wait bounds every wait of this suite: a scale-in here takes seconds.
const wait = 20 * time.Second

// fluid is one test's namespace, its emulated Alluxio, a runtime whose
// sets Fluid's chart made, and the controller in mode fluid.
type fluid struct {
	t    *testing.T
	g    *WithT
	ctx  context.Context
	ns   string
	name string
	emu  *emulator.Cluster
	logs *framework.ErrorLog
}

// newFluid starts the controller as `alluxioruntime-controller
// --mode=fluid --poll-interval=500ms --quiet-period=1s` and a runtime of n
// workers made as Fluid's chart makes them; the clients' refresh interval
// is refresh, written as Alluxio reads it.
func newFluid(t *testing.T, n int32, refresh string) *fluid {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "fluidmode-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	emu := emulator.New(emulator.Config{RefreshInterval: time.Second, OperationDuration: 200 * time.Millisecond, IdlePollInterval: 50 * time.Millisecond})
	emulators.Add(ns.Name, emu)
	t.Cleanup(func() {
		emulators.Remove(ns.Name)
		emu.Close()
	})
	f := &fluid{t: t, g: g, ctx: ctx, ns: ns.Name, name: "spark", emu: emu, logs: &framework.ErrorLog{DebugEnv: "FLUIDMODE_DEBUG_LOGS"}}

	policy := alluxio.DefaultFluidPolicy()
	policy.PollInterval, policy.QuietPeriod = 500*time.Millisecond, time.Second
	mgr, err := framework.StartManager(controllerConfig, framework.ManagerOptions{
		Mode:        alluxio.FluidMode,
		FluidPolicy: &policy,
		Gates:       features.MutableGates.DeepCopy(),
		Connector:   alluxio.ClusterConnector{Executor: &emulators, HTTP: framework.HTTPClient()},
		Logger:      logr.New(f.logs),
	})
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = mgr.Stop() })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("controller errors:\n%s", f.logs.Lines())
		}
	})

	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: f.name},
		Spec: datav1alpha1.AlluxioRuntimeSpec{Replicas: n,
			Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": refresh}},
	}
	g.Expect(k8s.Create(ctx, rt)).To(Succeed())
	f.createSet(rt, "master", datav1alpha1.FluidMasterRole, 1, 19998, 19999)
	f.createSet(rt, "worker", datav1alpha1.FluidWorkerRole, n, 29999, 30000)
	f.waitLiveWorkers(int(n))
	f.waitGuarded(int(n))
	return f
}

// waitGuarded waits until the controller has put the n worker pods under
// the admission guard, as it has for a runtime that ran a while before
// its scale-in: a pod scaled in before it is labelled is not held.
func (f *fluid) waitGuarded(n int) {
	f.t.Helper()
	f.g.Eventually(func() int {
		guarded := 0
		for _, p := range f.fluidPods() {
			if p.Labels[datav1alpha1.FluidRoleLabel] == datav1alpha1.FluidWorkerRole && p.Labels[datav1alpha1.DrainGuardLabel] == datav1alpha1.DrainGuardValue {
				guarded++
			}
		}
		return guarded
	}, wait, 100*time.Millisecond).Should(Equal(n))
}

// createSet makes <runtime>-<component> as Fluid's chart does: labels
// app=alluxio, release=<runtime>, role=<role>, owned by the runtime.
func (f *fluid) createSet(rt *datav1alpha1.AlluxioRuntime, component, role string, replicas, rpc, web int32) {
	f.t.Helper()
	selector := map[string]string{"app": "alluxio", datav1alpha1.FluidReleaseLabel: rt.Name, datav1alpha1.FluidRoleLabel: role}
	setLabels := map[string]string{"heritage": "Helm", "chart": "alluxio-0.9.0"}
	for k, v := range selector {
		setLabels[k] = v
	}
	name := rt.Name + "-" + component
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: rt.Namespace, Name: name, Labels: setLabels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: datav1alpha1.GroupVersion.String(), Kind: "AlluxioRuntime",
				Name: rt.Name, UID: rt.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To(replicas),
			ServiceName:         name,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			Selector:            &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: selector},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "alluxio-" + component, Image: "alluxio/alluxio:2.9.6",
					Ports: []corev1.ContainerPort{{Name: "rpc", ContainerPort: rpc}, {Name: "web", ContainerPort: web}},
				}}},
			},
		},
	}
	f.g.Expect(k8s.Create(f.ctx, sts)).To(Succeed())
}

// fluidScalesTo does what Fluid does on `kubectl scale alluxioruntime`:
// the runtime's replicas, and its worker set's at once.
func (f *fluid) fluidScalesTo(n int32) {
	f.t.Helper()
	rt := f.runtime()
	rt.Spec.Replicas = n
	f.g.Expect(k8s.Update(f.ctx, rt)).To(Succeed())
	sts := &appsv1.StatefulSet{}
	f.g.Expect(k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.name + "-worker"}, sts)).To(Succeed())
	sts.Spec.Replicas = ptr.To(n)
	f.g.Expect(k8s.Update(f.ctx, sts)).To(Succeed())
}

func (f *fluid) runtime() *datav1alpha1.AlluxioRuntime {
	rt := &datav1alpha1.AlluxioRuntime{}
	f.g.Expect(k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: f.name}, rt)).To(Succeed())
	return rt
}

func (f *fluid) pod(name string) (*corev1.Pod, bool) {
	pod := &corev1.Pod{}
	if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: name}, pod); err != nil {
		return nil, false
	}
	return pod, true
}

// podState is a pod's scale-in state ("gone" once it left).
func (f *fluid) podState(name string) string {
	p, ok := f.pod(name)
	if !ok {
		return "gone"
	}
	return p.Annotations[datav1alpha1.ScaleInStateAnnotation]
}

func (f *fluid) fluidPods() []corev1.Pod {
	pods := &corev1.PodList{}
	f.g.Expect(k8s.List(f.ctx, pods, client.InNamespace(f.ns), client.MatchingLabels{datav1alpha1.FluidReleaseLabel: f.name})).To(Succeed())
	return pods.Items
}

func (f *fluid) condition() *metav1.Condition {
	return meta.FindStatusCondition(f.runtime().Status.Conditions, datav1alpha1.GracefulScaleInCondition)
}

// waitLiveWorkers waits until n workers are registered with Alluxio.
func (f *fluid) waitLiveWorkers(n int) {
	f.t.Helper()
	f.g.Eventually(func() int {
		live := 0
		for _, w := range f.emu.Workers() {
			if w.State == emulator.WorkerLive {
				live++
			}
		}
		return live
	}, wait, 100*time.Millisecond).Should(Equal(n))
}
