package operations

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
)

// PodExecutor runs commands in a pod's container through the API server's
// pods/exec subresource, as `kubectl exec` does: websocket first, SPDY
// when the server cannot upgrade to websockets. It needs RBAC verbs
// `get` on pods and both `get` (the websocket request is a GET) and
// `create` (SPDY's POST) on pods/exec, so that no request is refused.
type PodExecutor struct {
	config *rest.Config
	core   corev1client.CoreV1Interface
	// newStreamer is replaceable so tests can stand in for the kubelet.
	newStreamer func(config *rest.Config, execURL *url.URL) (remotecommand.Executor, error)
}

// NewPodExecutor builds a PodExecutor that talks to the API server
// described by config.
func NewPodExecutor(config *rest.Config) (*PodExecutor, error) {
	if config == nil {
		return nil, fmt.Errorf("pod executor needs a *rest.Config: pass the manager's GetConfig()")
	}
	core, err := corev1client.NewForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("build core/v1 client for pod exec: %w", err)
	}
	return &PodExecutor{config: config, core: core, newStreamer: newFallbackStreamer}, nil
}

// newFallbackStreamer mirrors kubectl exec: websocket (GET) first, SPDY
// (POST) when the upgrade fails or a proxy cannot carry websockets.
func newFallbackStreamer(config *rest.Config, execURL *url.URL) (remotecommand.Executor, error) {
	spdy, err := remotecommand.NewSPDYExecutor(config, http.MethodPost, execURL)
	if err != nil {
		return nil, fmt.Errorf("build SPDY exec stream: %w", err)
	}
	websocket, err := remotecommand.NewWebSocketExecutor(config, http.MethodGet, execURL.String())
	if err != nil {
		return nil, fmt.Errorf("build websocket exec stream: %w", err)
	}
	return remotecommand.NewFallbackExecutor(websocket, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

// Exec runs argv in namespace/pod's container and waits for it, or for
// ctx to end. The container ends the command by ctx's deadline too (see
// withRemoteDeadline): it needs coreutils' `timeout` on its PATH, as
// Alluxio's images have. See Executor for the error contract.
func (e *PodExecutor) Exec(ctx context.Context, namespace, pod, container string, argv []string) ([]byte, []byte, error) {
	if namespace == "" || pod == "" || container == "" || len(argv) == 0 {
		return nil, nil, fmt.Errorf("pod exec needs namespace, pod, container and a command; got %q/%q container %q command %q",
			namespace, pod, container, argv)
	}
	if err := e.checkPodCanExec(ctx, namespace, pod, container); err != nil {
		return nil, nil, err
	}

	execURL := e.core.RESTClient().Post().
		Namespace(namespace).Resource("pods").Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: container,
			Command:   withRemoteDeadline(ctx, time.Now(), argv),
			Stdout:    true,
			Stderr:    true,
		}, scheme.ParameterCodec).
		URL()
	streamer, err := e.newStreamer(e.config, execURL)
	if err != nil {
		return nil, nil, err
	}

	stdout, stderr := newOutputBuffer(), newOutputBuffer()
	streamErr := streamer.StreamWithContext(quietTransportLog(ctx), remotecommand.StreamOptions{Stdout: stdout, Stderr: stderr})
	return stdout.Bytes(), stderr.Bytes(), classifyExecError(ctx, fmt.Sprintf("pod %s/%s container %s", namespace, pod, container), argv, stdout.Bytes(), stderr.Bytes(), streamErr)
}

// checkPodCanExec turns the two usual reasons an exec cannot start into
// errors that say so, instead of an opaque upgrade failure.
func (e *PodExecutor) checkPodCanExec(ctx context.Context, namespace, pod, container string) error {
	p, err := e.core.Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("exec into pod %s/%s: %w: check that the Alluxio master is deployed (Fluid names it <runtime>-master-0)", namespace, pod, ErrPodNotFound)
	case err != nil:
		return fmt.Errorf("exec into pod %s/%s: read pod: %w", namespace, pod, err)
	}
	if p.Status.Phase != corev1.PodRunning {
		return fmt.Errorf("exec into pod %s/%s: %w (phase %q): retry once it is Running", namespace, pod, ErrPodNotRunning, p.Status.Phase)
	}
	for _, c := range p.Spec.Containers {
		if c.Name == container {
			return nil
		}
	}
	names := make([]string, 0, len(p.Spec.Containers))
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	return fmt.Errorf("exec into pod %s/%s: no container %q (containers: %v): set Config.Container to the Alluxio master's container", namespace, pod, container, names)
}

// classifyExecError applies the Executor contract to whatever a transport
// returned: an exit status becomes a *CommandError, an ended context is
// reported as such, anything else is a failure to run the command.
func classifyExecError(ctx context.Context, where string, argv []string, stdout, stderr []byte, err error) error {
	if err == nil {
		return nil
	}
	if code, ok := exitCodeOf(err); ok {
		return &CommandError{Argv: argv, ExitCode: code, Stdout: string(stdout), Stderr: string(stderr), Err: err}
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: command %q abandoned: %w", where, argv, ctxErr)
	}
	return fmt.Errorf("%s: run command %q: %w", where, argv, err)
}
