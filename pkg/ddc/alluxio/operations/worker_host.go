package operations

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// WorkerHost returns the address at which the controller reaches a
// worker pod's ports: the node's IP under HostNetwork, the pod's IP
// otherwise. It fails while the pod has no such IP yet (not scheduled or
// not started): retry later rather than guess.
func WorkerHost(pod *corev1.Pod, hostNetwork bool) (string, error) {
	if pod == nil {
		return "", fmt.Errorf("worker host: no pod given")
	}
	if hostNetwork {
		if pod.Status.HostIP == "" {
			return "", fmt.Errorf("worker pod %s/%s has no host IP yet (phase %q): wait until it is scheduled and running", pod.Namespace, pod.Name, pod.Status.Phase)
		}
		return pod.Status.HostIP, nil
	}
	if pod.Status.PodIP == "" {
		return "", fmt.Errorf("worker pod %s/%s has no pod IP yet (phase %q): wait until it is running", pod.Namespace, pod.Name, pod.Status.Phase)
	}
	return pod.Status.PodIP, nil
}
