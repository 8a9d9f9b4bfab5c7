package bench

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// execKey is how an exec is counted: one pods/exec request, as the
// controller's PodExecutor opens it (a websocket upgrade, or SPDY's POST).
const execKey = "POST pods/exec"

// countedExecutor stands in for operations.PodExecutor on a control plane
// whose fake kubelet cannot stream an exec: like PodExecutor it first
// reads the master pod from the API server (a real GET, counted by the
// manager's transport) and refuses a pod that is not Running; it then
// counts one pods/exec request and runs the command against the
// namespace's emulator through the `alluxio` shim, as the container would.
type countedExecutor struct {
	core  corev1client.CoreV1Interface
	inner operations.Executor
	calls *requestCounter
}

func newCountedExecutor(cfg *rest.Config, inner operations.Executor, calls *requestCounter) (*countedExecutor, error) {
	core, err := corev1client.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &countedExecutor{core: core, inner: inner, calls: calls}, nil
}

func (e *countedExecutor) Exec(ctx context.Context, namespace, pod, container string, argv []string) ([]byte, []byte, error) {
	p, err := e.core.Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("exec into pod %s/%s: read pod: %w", namespace, pod, err)
	}
	if p.Status.Phase != corev1.PodRunning {
		return nil, nil, fmt.Errorf("exec into pod %s/%s: %w (phase %q)", namespace, pod, operations.ErrPodNotRunning, p.Status.Phase)
	}
	e.calls.add(execKey)
	return e.inner.Exec(ctx, namespace, pod, container, argv)
}
