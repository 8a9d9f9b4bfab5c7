package operations

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func hostnameFrom(field string) []corev1.EnvVar {
	return []corev1.EnvVar{{Name: WorkerHostnameEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: field}}}}
}

// A worker is named to the master by the host it registered with, and
// asked over REST where its web server answers. Under Fluid's
// ContainerNetwork these are the node's IP and the pod's IP.
func TestWorkerHosts(t *testing.T) {
	node, podIP := "192.168.1.11", "10.244.1.7"
	cases := []struct {
		name          string
		hostNetwork   bool
		hostIP, ip    string
		env           []corev1.EnvVar
		wantHost      string
		wantReach     string
		wantErrSubstr string
	}{
		{name: "Fluid, HostNetwork", hostNetwork: true, hostIP: node, ip: node, env: hostnameFrom("status.hostIP"), wantHost: node},
		{name: "Fluid, ContainerNetwork", hostIP: node, ip: podIP, env: hostnameFrom("status.hostIP"), wantHost: node, wantReach: podIP},
		{name: "own pods, container network", hostIP: node, ip: podIP, env: hostnameFrom("status.podIP"), wantHost: podIP},
		{name: "no hostname variable, container network", hostIP: node, ip: podIP, wantHost: podIP},
		{name: "no hostname variable, host network", hostNetwork: true, hostIP: node, ip: node, wantHost: node},
		{name: "a literal hostname", hostIP: node, ip: podIP, env: []corev1.EnvVar{{Name: WorkerHostnameEnv, Value: "worker-2.example"}}, wantHost: "worker-2.example", wantReach: podIP},
		{name: "a hostname from a ConfigMap", hostIP: node, ip: podIP,
			env:           []corev1.EnvVar{{Name: WorkerHostnameEnv, ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "h"}}}},
			wantErrSubstr: "ConfigMap cfg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "fluid", Name: "hbase-worker-2"},
				Spec:   corev1.PodSpec{HostNetwork: c.hostNetwork, Containers: []corev1.Container{{Name: "alluxio-worker", Env: c.env}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, HostIP: c.hostIP, PodIP: c.ip}}
			host, reach, err := WorkerHosts(pod, "alluxio-worker")
			if c.wantErrSubstr != "" {
				g.Expect(err).To(MatchError(And(ContainSubstring(c.wantErrSubstr), ContainSubstring(WorkerHostnameEnv))))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(host).To(Equal(c.wantHost))
			g.Expect(reach).To(Equal(c.wantReach))
		})
	}
}

// Two ContainerNetwork workers of one node register the same host and
// ports: each pod finds its own worker by its IP, and none finds its
// neighbour once its own is gone.
func TestFindWorkerTellsWorkersOfOneNodeApart(t *testing.T) {
	g := NewWithT(t)
	a := WorkerInfo{ID: 1, Address: WorkerAddress{Host: "192.168.1.11", ContainerHost: "10.244.1.7", RPCPort: 29999, WebPort: 30000}}
	b := WorkerInfo{ID: 2, Address: WorkerAddress{Host: "192.168.1.11", ContainerHost: "10.244.1.8", RPCPort: 29999, WebPort: 30000}}
	podB := WorkerAddress{Host: "192.168.1.11", ContainerHost: "10.244.1.8", RPCPort: 29999, WebPort: 30000}

	got, ok := FindWorker([]WorkerInfo{a, b}, podB)
	g.Expect(ok).To(BeTrue())
	g.Expect(got.ID).To(Equal(int64(2)))
	_, ok = FindWorker([]WorkerInfo{a}, podB)
	g.Expect(ok).To(BeFalse(), "worker b is gone; a is another pod of the same node")
}

// REST calls reach a worker at its container host.
func TestWorkerIsAskedAtItsContainerHost(t *testing.T) {
	g := NewWithT(t)
	srv := workerServer(t, 200, `{"operationCount":2,"rpcQueueLength":0}`)
	addr := WorkerAddress{Host: "127.0.0.3", ContainerHost: srv.Host, WebPort: srv.WebPort}
	act, err := newTestClient(t, "", LocalExecutor{}).WorkerActivity(context.Background(), addr)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(act.OperationCount).To(Equal(int64(2)))
}
