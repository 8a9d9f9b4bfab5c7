package operations

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

func TestResolveWorkerPorts(t *testing.T) {
	tests := []struct {
		name             string
		global, worker   map[string]string
		ports            map[string]int
		wantRPC, wantWeb int32
	}{
		{name: "defaults", wantRPC: 29999, wantWeb: 30000},
		{name: "ports map", ports: map[string]int{"rpc": 20001, "web": 20002}, wantRPC: 20001, wantWeb: 20002},
		{name: "global property outranks ports",
			global: map[string]string{"alluxio.worker.web.port": "31000"},
			ports:  map[string]int{"rpc": 20001, "web": 20002}, wantRPC: 20001, wantWeb: 31000},
		{name: "worker property outranks global",
			global:  map[string]string{"alluxio.worker.web.port": "31000", "alluxio.worker.rpc.port": "31001"},
			worker:  map[string]string{"alluxio.worker.web.port": "32000"},
			wantRPC: 31001, wantWeb: 32000},
		{name: "master properties do not move worker ports",
			global: map[string]string{"alluxio.master.web.port": "19000"}, wantRPC: 29999, wantWeb: 30000},
		{name: "only web set", ports: map[string]int{"web": 40000}, wantRPC: 29999, wantWeb: 40000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			rpc, web, err := ResolveWorkerPorts(tt.global, tt.worker, tt.ports)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect([]int32{rpc, web}).To(Equal([]int32{tt.wantRPC, tt.wantWeb}))
		})
	}
}

func TestResolveMasterPorts(t *testing.T) {
	tests := []struct {
		name             string
		global, master   map[string]string
		ports            map[string]int
		wantRPC, wantWeb int32
	}{
		{name: "defaults", wantRPC: 19998, wantWeb: 19999},
		{name: "ports map", ports: map[string]int{"rpc": 20998, "web": 20999}, wantRPC: 20998, wantWeb: 20999},
		{name: "master property outranks global and ports",
			global: map[string]string{"alluxio.master.web.port": "21999"},
			master: map[string]string{"alluxio.master.web.port": "22999"},
			ports:  map[string]int{"web": 20999}, wantRPC: 19998, wantWeb: 22999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			rpc, web, err := ResolveMasterPorts(tt.global, tt.master, tt.ports)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect([]int32{rpc, web}).To(Equal([]int32{tt.wantRPC, tt.wantWeb}))
		})
	}
}

func TestResolvePortsRefusesValuesAlluxioWouldNotStartWith(t *testing.T) {
	tests := []struct {
		name           string
		global, worker map[string]string
		ports          map[string]int
	}{
		{name: "not a number", worker: map[string]string{"alluxio.worker.web.port": "30000a"}},
		{name: "zero", global: map[string]string{"alluxio.worker.rpc.port": "0"}},
		{name: "too high", global: map[string]string{"alluxio.worker.web.port": "70000"}},
		{name: "ports map out of range", ports: map[string]int{"web": -5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, err := ResolveWorkerPorts(tt.global, tt.worker, tt.ports)
			g.Expect(err).To(HaveOccurred())
		})
	}
}

func TestContainerPortsReadsTheChartsNamedPorts(t *testing.T) {
	g := NewWithT(t)
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "alluxio-worker", Ports: []corev1.ContainerPort{{Name: "rpc", ContainerPort: 20001}, {Name: "web", ContainerPort: 20002}}},
		{Name: "alluxio-job-worker", Ports: []corev1.ContainerPort{{Name: "job-web", ContainerPort: 20003}}},
	}}}

	ports := ContainerPorts(pod, "alluxio-worker")
	rpc, web, err := ResolveWorkerPorts(nil, nil, ports)

	g.Expect(ports).To(Equal(map[string]int{"rpc": 20001, "web": 20002}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect([]int32{rpc, web}).To(Equal([]int32{20001, 20002}))
	g.Expect(ContainerPorts(pod, "missing")).To(BeEmpty())
	g.Expect(ContainerPorts(nil, "alluxio-worker")).To(BeEmpty())
}
