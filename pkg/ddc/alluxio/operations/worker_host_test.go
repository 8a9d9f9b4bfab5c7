package operations

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestWorkerHost(t *testing.T) {
	running := corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "192.168.1.11", PodIP: "10.244.1.7"}
	tests := []struct {
		name        string
		status      corev1.PodStatus
		hostNetwork bool
		want        string
		wantErr     bool
	}{
		{name: "host network uses the node's IP", status: running, hostNetwork: true, want: "192.168.1.11"},
		{name: "container network uses the pod's IP", status: running, want: "10.244.1.7"},
		{name: "pending pod without IPs", status: corev1.PodStatus{Phase: corev1.PodPending}, wantErr: true},
		{name: "pending pod without IPs, host network", status: corev1.PodStatus{Phase: corev1.PodPending}, hostNetwork: true, wantErr: true},
		{name: "scheduled pod without pod IP", status: corev1.PodStatus{Phase: corev1.PodPending, HostIP: "192.168.1.11"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "fluid", Name: "hbase-worker-2"}, Status: tt.status}

			got, err := WorkerHost(pod, tt.hostNetwork)

			if tt.wantErr {
				g.Expect(err).To(MatchError(ContainSubstring("fluid/hbase-worker-2")))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
		})
	}
}

func TestWorkerHostWithoutPod(t *testing.T) {
	g := NewWithT(t)
	_, err := WorkerHost(nil, true)
	g.Expect(err).To(HaveOccurred())
}
