package api

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/features"
)

const timeout = 30 * time.Second

// fluidManifest is an AlluxioRuntime as a Fluid user writes it,
// including fields this controller does not act on.
const fluidManifest = `
apiVersion: data.fluid.io/v1alpha1
kind: AlluxioRuntime
metadata:
  name: hbase
spec:
  replicas: 3
  alluxioVersion:
    image: registry.example/alluxio
    imageTag: "2.10.0"
    imagePullPolicy: IfNotPresent
  properties:
    alluxio.user.block.size.bytes.default: 256MB
    alluxio.user.worker.list.refresh.interval: 30s
  master:
    jvmOptions: ["-Xmx4G"]
    properties:
      alluxio.master.journal.type: UFS
  worker:
    networkMode: ContainerNetwork
    jvmOptions: ["-Xmx4G"]
    ports:
      rpc: 29000
      web: 29001
    properties:
      alluxio.worker.web.port: "31000"
    env:
      TZ: Asia/Shanghai
    nodeSelector:
      cache: "true"
    podMetadata:
      labels: {team: data}
  tieredstore:
    levels:
      - mediumtype: MEM
        path: /dev/shm
        quota: 2Gi
        high: "0.95"
        low: "0.7"
  fuse:
    args: ["fuse", "--fuse-opts=kernel_cache"]
  jobMaster:
    replicas: 1
`

func TestFluidManifestCreatesMasterAndWorkersWithFluidPorts(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	rt := &datav1alpha1.AlluxioRuntime{}
	g.Expect(yaml.UnmarshalStrict([]byte(fluidManifest), rt)).To(Succeed())
	rt.Namespace = ns
	g.Expect(k8s.Create(ctx, rt)).To(Succeed(), "a Fluid manifest must be accepted unchanged")

	master := &appsv1.StatefulSet{}
	g.Eventually(func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hbase-master"}, master)
	}, timeout).Should(Succeed())
	g.Expect(*master.Spec.Replicas).To(Equal(int32(1)))
	mc := master.Spec.Template.Spec.Containers[0]
	g.Expect(mc.Name).To(Equal("alluxio-master"))
	g.Expect(mc.Image).To(Equal("registry.example/alluxio:2.10.0"))
	g.Expect(master.Spec.Template.Spec.HostNetwork).To(BeTrue(), "an empty networkMode means HostNetwork, as in Fluid")
	g.Expect(portsOf(mc)).To(Equal(map[string]int32{"rpc": 19998, "web": 19999}))
	g.Expect(envOf(mc, "ALLUXIO_JAVA_OPTS")).To(ContainSubstring("-Dalluxio.master.journal.type=UFS"))
	g.Expect(envOf(mc, "ALLUXIO_MASTER_JAVA_OPTS")).To(Equal("-Xmx4G"))

	svc := &corev1.Service{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hbase-master"}, svc)).To(Succeed())
	g.Expect(svc.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))

	workers := &appsv1.StatefulSet{}
	g.Eventually(func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hbase-worker"}, workers)
	}, timeout).Should(Succeed())
	g.Expect(*workers.Spec.Replicas).To(Equal(int32(3)))
	g.Expect(workers.OwnerReferences).To(ContainElement(HaveField("Name", "hbase")))
	wc := workers.Spec.Template.Spec.Containers[0]
	g.Expect(wc.Name).To(Equal("alluxio-worker"))
	g.Expect(workers.Spec.Template.Spec.HostNetwork).To(BeFalse())
	// A property outranks worker.ports: web is 31000, rpc comes from ports.
	g.Expect(portsOf(wc)).To(Equal(map[string]int32{"rpc": 29000, "web": 31000}))
	opts := envOf(wc, "ALLUXIO_JAVA_OPTS")
	g.Expect(opts).To(ContainSubstring("-Dalluxio.worker.web.port=31000"))
	g.Expect(opts).To(ContainSubstring("-Dalluxio.worker.rpc.port=29000"))
	g.Expect(opts).To(ContainSubstring("-Dalluxio.user.block.size.bytes.default=256MB"))
	g.Expect(opts).To(ContainSubstring("-Dalluxio.worker.tieredstore.level0.alias=MEM"))
	g.Expect(opts).To(ContainSubstring("-Dalluxio.worker.tieredstore.level0.watermark.high.ratio=0.95"))
	g.Expect(envOf(wc, "TZ")).To(Equal("Asia/Shanghai"))
	g.Expect(workers.Spec.Template.Spec.NodeSelector).To(HaveKeyWithValue("cache", "true"))
	g.Expect(workers.Spec.Template.Labels).To(HaveKeyWithValue("team", "data"))

	// The runtime reports what it ignores, and its status is filled in.
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(rt), rt)).To(Succeed())
		g.Expect(rt.Status.WorkerWorkloadKind).To(Equal(datav1alpha1.StatefulSetWorkload))
		g.Expect(rt.Status.Selector).To(ContainSubstring("data.fluid.io/runtime=hbase"))
		g.Expect(rt.Status.DesiredWorkerNumberScheduled).To(Equal(int32(3)))
		g.Expect(rt.Status.WorkerPhase).To(Equal(datav1alpha1.RuntimePhaseNotReady))
	}, timeout).Should(Succeed())
	g.Eventually(func() []string { return warnings(ctx, ns) }, timeout).Should(ContainElement(And(
		ContainSubstring("UnsupportedField"), ContainSubstring("fuse"), ContainSubstring("jobMaster"))))
}

func TestScaleSubresourceChangesTheWorkerSet(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Name: "scaled", Namespace: ns}, Spec: datav1alpha1.AlluxioRuntimeSpec{Replicas: 2}}
	g.Expect(k8s.Create(ctx, rt)).To(Succeed())
	workers := &appsv1.StatefulSet{}
	key := client.ObjectKey{Namespace: ns, Name: "scaled-worker"}
	g.Eventually(func() error { return k8s.Get(ctx, key, workers) }, timeout).Should(Succeed())

	for _, n := range []int32{4, 1} {
		// What `kubectl scale alluxioruntime/scaled --replicas=n` does.
		scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: n}}
		g.Expect(k8s.SubResource("scale").Update(ctx, rt, client.WithSubResourceBody(scale))).To(Succeed())
		// No worker pods exist here (no kubelet), so nothing needs draining.
		g.Eventually(func() int32 {
			_ = k8s.Get(ctx, key, workers)
			return ptr.Deref(workers.Spec.Replicas, -1)
		}, timeout).Should(Equal(n))
		got := &autoscalingv1.Scale{}
		g.Eventually(func() int32 {
			_ = k8s.SubResource("scale").Get(ctx, rt, got)
			return got.Status.Replicas
		}, timeout).Should(Equal(n), "the scale subresource reports the worker set's replicas")
		g.Expect(got.Status.Selector).To(ContainSubstring("data.fluid.io/component=worker"))
	}
}

func TestAdvancedStatefulSetGateRunsWorkersOnKruiseAndIsKeptForLife(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	g.Expect(gates.SetFromMap(map[string]bool{string(features.AdvancedStatefulSet): true})).To(Succeed())
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Name: "kruised", Namespace: ns}, Spec: datav1alpha1.AlluxioRuntimeSpec{Replicas: 3}}
	g.Expect(k8s.Create(ctx, rt)).To(Succeed())
	asts := &kruisev1beta1.StatefulSet{}
	key := client.ObjectKey{Namespace: ns, Name: "kruised-worker"}
	g.Eventually(func() error { return k8s.Get(ctx, key, asts) }, timeout).Should(Succeed())
	g.Expect(*asts.Spec.Replicas).To(Equal(int32(3)))
	g.Eventually(func() datav1alpha1.WorkloadKind {
		_ = k8s.Get(ctx, client.ObjectKeyFromObject(rt), rt)
		return rt.Status.WorkerWorkloadKind
	}, timeout).Should(Equal(datav1alpha1.AdvancedStatefulSetWorkload))

	// Flipping the gate off must not orphan the workers: the runtime keeps
	// its Kruise workers and no native set appears.
	g.Expect(gates.SetFromMap(map[string]bool{string(features.AdvancedStatefulSet): false})).To(Succeed())
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(rt), rt)).To(Succeed())
	rt.Spec.Replicas = 4
	g.Expect(k8s.Update(ctx, rt)).To(Succeed())
	g.Eventually(func() int32 {
		_ = k8s.Get(ctx, key, asts)
		return *asts.Spec.Replicas
	}, timeout).Should(Equal(int32(4)))
	g.Consistently(func() bool {
		err := k8s.Get(ctx, key, &appsv1.StatefulSet{})
		return err == nil
	}, 2*time.Second).Should(BeFalse(), "no native StatefulSet may be created for a Kruise runtime")
}

func portsOf(c corev1.Container) map[string]int32 {
	out := map[string]int32{}
	for _, p := range c.Ports {
		out[p.Name] = p.ContainerPort
	}
	return out
}

func envOf(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// warnings are the Warning events in ns, as "reason: note".
func warnings(ctx context.Context, ns string) []string {
	list := &corev1.EventList{}
	if err := k8s.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil
	}
	var out []string
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning {
			out = append(out, strings.Join([]string{e.Reason, e.Message}, ": "))
		}
	}
	return out
}
