package alluxio

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// fluidContainerNetworkWorker makes Fluid's worker pod i a
// ContainerNetwork one, as Fluid's chart runs it: on node nodeIP, pod IP
// host(i), registered with Alluxio as host nodeIP and container host
// host(i); its web server answers at the pod IP only.
func (e *engine) fluidContainerNetworkWorker(i int32, nodeIP string) {
	old := &corev1.Pod{}
	key := types.NamespacedName{Namespace: e.rt.Namespace, Name: fmt.Sprintf("%s-worker-%d", e.rt.Name, i)}
	e.g.Expect(e.c.Get(e.ctx, key, old)).To(Succeed())
	e.g.Expect(e.c.Delete(e.ctx, old)).To(Succeed())
	pod := &corev1.Pod{ObjectMeta: *old.ObjectMeta.DeepCopy(), Spec: *old.Spec.DeepCopy()}
	pod.ResourceVersion, pod.UID = "", ""
	pod.Spec.HostNetwork = false
	c := &pod.Spec.Containers[0]
	c.Env = append(c.Env,
		corev1.EnvVar{Name: operations.WorkerHostnameEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.hostIP"}}},
		corev1.EnvVar{Name: "ALLUXIO_WORKER_CONTAINER_HOSTNAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}})
	e.g.Expect(e.c.Create(e.ctx, pod)).To(Succeed())
	pod.Status = old.Status
	pod.Status.HostIP, pod.Status.PodIP = nodeIP, host(i)
	e.g.Expect(e.c.Status().Update(e.ctx, pod)).To(Succeed())
	e.master.set(func(m *fakeMaster) {
		delete(m.registered, host(i))
		m.registered[nodeIP] = fluidWorkerWebPort
		m.containerHosts[nodeIP] = host(i)
	})
}

// A ContainerNetwork worker (pod IP != node IP) is decommissioned by the
// host it registered with (the node's IP) and watched at its pod IP,
// where its web server answers: it leaves once idle, not before.
func TestContainerNetworkWorkerIsDecommissionedByItsRegisteredHost(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	node := "127.0.8.3"
	e.fluidContainerNetworkWorker(2, node)
	e.master.set(func(m *fakeMaster) { m.busy[node] = 2 })
	e.fluidScalesTo(2)

	e.reconcileFluidUntil(10, func() bool { return e.state(2) == "Draining" })
	e.g.Expect(e.master.decommissions).NotTo(BeEmpty())
	e.g.Expect(e.master.decommissions[0][0].Host).To(Equal(node), "named to the master by its registered host")
	for range 40 {
		e.clock.Step(poll)
		e.reconcileFluid()
	}
	e.g.Expect(e.state(2)).To(Equal("Draining"), "busy at its pod IP, so not drained")
	e.master.set(func(m *fakeMaster) { m.busy[node] = 0 })
	e.reconcileFluidUntil(int((refresh+quiet)/poll)+10, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.clock.Now().Sub(t0)).To(BeNumerically(">=", refresh), "waited for the clients' refresh")
}

// Two ContainerNetwork workers of one node register the same host and
// web port; decommissionWorker names a worker by those alone, so such a
// victim is not decommissioned (drainfsm holds it, reason
// SharedWorkerAddress).
func TestSharedWorkerAddressIsNoticed(t *testing.T) {
	g := NewWithT(t)
	at := func(container string) operations.WorkerInfo {
		return operations.WorkerInfo{Address: operations.WorkerAddress{Host: "192.168.1.11", ContainerHost: container, RPCPort: 29999, WebPort: 30000}}
	}
	victim := operations.WorkerAddress{Host: "192.168.1.11", ContainerHost: "10.244.1.8", RPCPort: 29999, WebPort: 30000}
	g.Expect(sharedAddress([]operations.WorkerInfo{at("10.244.1.8")}, victim)).To(BeEmpty())
	g.Expect(sharedAddress([]operations.WorkerInfo{at("10.244.1.7"), at("10.244.1.8")}, victim)).To(ContainSubstring("10.244.1.7"))
	hostNetwork := operations.WorkerAddress{Host: "192.168.1.11", RPCPort: 29999, WebPort: 30000}
	g.Expect(sharedAddress([]operations.WorkerInfo{{Address: hostNetwork}}, hostNetwork)).To(BeEmpty())
}
