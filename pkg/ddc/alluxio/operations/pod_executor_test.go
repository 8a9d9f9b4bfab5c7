package operations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/klog/v2"
)

// fakeAPIServer answers GET /api/v1/namespaces/fluid/pods/<name> on
// 127.0.0.1 with the given pods; any other pod is NotFound, as the API
// server says it.
func fakeAPIServer(t *testing.T, pods ...*corev1.Pod) *rest.Config {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for _, p := range pods {
			if r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces/"+p.Namespace+"/pods/"+p.Name {
				_ = json.NewEncoder(w).Encode(p)
				return
			}
		}
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound,
			Message: fmt.Sprintf("pods %q not found", name),
		})
	}))
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL}
}

func masterPod(phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "fluid", Name: "hbase-master-0"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "alluxio-master"}, {Name: "alluxio-job-master"}}},
		Status:     corev1.PodStatus{Phase: phase},
	}
}

// fakeStream stands in for the kubelet's end of an exec stream.
type fakeStream struct {
	stdout, stderr string
	err            error
	blockUntilDone bool
	// transportHiccup is logged at Error through the context's logger,
	// as client-go's websocket heartbeat does when a ping races the close.
	transportHiccup string
}

func (f fakeStream) Stream(o remotecommand.StreamOptions) error {
	return f.StreamWithContext(context.Background(), o)
}

func (f fakeStream) StreamWithContext(ctx context.Context, o remotecommand.StreamOptions) error {
	if f.transportHiccup != "" {
		klog.FromContext(ctx).Error(errors.New("use of closed network connection"), f.transportHiccup)
	}
	_, _ = o.Stdout.Write([]byte(f.stdout))
	_, _ = o.Stderr.Write([]byte(f.stderr))
	if f.blockUntilDone {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.err
}

func newTestPodExecutor(t *testing.T, cfg *rest.Config, stream fakeStream, gotURL **url.URL) *PodExecutor {
	t.Helper()
	e, err := NewPodExecutor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.newStreamer = func(_ *rest.Config, u *url.URL) (remotecommand.Executor, error) {
		if gotURL != nil {
			*gotURL = u
		}
		return stream, nil
	}
	return e
}

var decommissionArgv = []string{"alluxio", "fsadmin", "decommissionWorker", "--addresses", "10.0.0.7:30000", "--wait", "0s"}

func TestPodExecutorExecsIntoTheMasterContainer(t *testing.T) {
	g := NewWithT(t)
	var gotURL *url.URL
	e := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)), fakeStream{stdout: "ok\n", stderr: "warn\n"}, &gotURL)

	stdout, stderr, err := e.Exec(context.Background(), "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(stdout)).To(Equal("ok\n"))
	g.Expect(string(stderr)).To(Equal("warn\n"))
	g.Expect(gotURL.Path).To(Equal("/api/v1/namespaces/fluid/pods/hbase-master-0/exec"))
	g.Expect(gotURL.Query()["command"]).To(Equal(append([]string{"timeout", "-k", "5", "901"}, decommissionArgv...)),
		"argv travels as a list, one parameter each, ended in the container by a deadline even without one of its own")
	g.Expect(gotURL.Query().Get("container")).To(Equal("alluxio-master"))
	g.Expect(gotURL.Query().Get("stdout")).To(Equal("true"))
	g.Expect(gotURL.Query().Get("stdin")).To(BeEmpty())
}

func TestPodExecutorMapsExitStatusesToCommandError(t *testing.T) {
	tests := []struct {
		name      string
		streamErr error
		wantCode  int
	}{
		{"real kubelet CodeExitError", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 3"), Code: 3}, 3},
		{"real kubelet, wrapped", fmt.Errorf("stream: %w", utilexec.CodeExitError{Err: errors.New("x"), Code: 10}), 10},
		{"kwok: message ends with exit status", errors.New("Internal error occurred: error executing command in container: exit status 2"), 2},
		{"kwok: exit status 255", errors.New("error executing remote command: exit status 255\n"), 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			e := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)),
				fakeStream{stdout: "Worker 10.0.0.7 is not known by the master.\n", err: tt.streamErr}, nil)

			_, _, err := e.Exec(context.Background(), "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)

			var cmdErr *CommandError
			g.Expect(errors.As(err, &cmdErr)).To(BeTrue(), "got %v", err)
			g.Expect(cmdErr.ExitCode).To(Equal(tt.wantCode))
			g.Expect(cmdErr.Argv).To(Equal(decommissionArgv))
			g.Expect(cmdErr.Stdout).To(ContainSubstring("not known by the master"))
		})
	}
}

func TestPodExecutorRefusesPodsItCannotExecInto(t *testing.T) {
	tests := []struct {
		name      string
		pods      []*corev1.Pod
		container string
		wantErr   error
		wantText  string
	}{
		{name: "pod not found", wantErr: ErrPodNotFound, wantText: "fluid/hbase-master-0", container: "alluxio-master"},
		{name: "pod pending", pods: []*corev1.Pod{masterPod(corev1.PodPending)}, container: "alluxio-master", wantErr: ErrPodNotRunning, wantText: "Pending"},
		{name: "no such container", pods: []*corev1.Pod{masterPod(corev1.PodRunning)}, container: "master", wantText: "alluxio-master"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			streamed := false
			e, err := NewPodExecutor(fakeAPIServer(t, tt.pods...))
			g.Expect(err).NotTo(HaveOccurred())
			e.newStreamer = func(*rest.Config, *url.URL) (remotecommand.Executor, error) {
				streamed = true
				return fakeStream{}, nil
			}

			_, _, err = e.Exec(context.Background(), "fluid", "hbase-master-0", tt.container, decommissionArgv)

			g.Expect(err).To(HaveOccurred())
			if tt.wantErr != nil {
				g.Expect(err).To(MatchError(tt.wantErr))
			}
			g.Expect(err.Error()).To(ContainSubstring(tt.wantText))
			g.Expect(streamed).To(BeFalse(), "no exec is attempted")
		})
	}
}

func TestPodExecutorAbandonsTheCommandWhenTheContextEnds(t *testing.T) {
	g := NewWithT(t)
	e := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)),
		fakeStream{stdout: "Set worker 10.0.0.7:30000 decommissioned on master\n", blockUntilDone: true}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()

	stdout, _, err := e.Exec(ctx, "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)

	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	var cmdErr *CommandError
	g.Expect(errors.As(err, &cmdErr)).To(BeFalse(), "an abandoned command has no exit status")
	g.Expect(string(stdout)).To(ContainSubstring("decommissioned on master"), "output until then is kept")
}

func TestPodExecutorTransportFailureIsNotACommandError(t *testing.T) {
	g := NewWithT(t)
	e := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)),
		fakeStream{err: errors.New("unable to upgrade connection: container not found")}, nil)

	_, _, err := e.Exec(context.Background(), "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)

	var cmdErr *CommandError
	g.Expect(errors.As(err, &cmdErr)).To(BeFalse())
	g.Expect(err.Error()).To(ContainSubstring("unable to upgrade connection"))
}

func TestExitCodeOfIgnoresErrorsWithoutAnExit(t *testing.T) {
	for _, err := range []error{
		nil,
		errors.New("connection refused"),
		context.DeadlineExceeded,
		errors.New("exit status is unknown"),
	} {
		_, ok := exitCodeOf(err)
		NewWithT(t).Expect(ok).To(BeFalse(), "%v", err)
	}
}

// countingSink counts the lines logged at each level.
type countingSink struct {
	errors, infos *int
}

func (s countingSink) Init(logr.RuntimeInfo)          {}
func (s countingSink) Enabled(int) bool               { return true }
func (s countingSink) Info(int, string, ...any)       { *s.infos++ }
func (s countingSink) Error(error, string, ...any)    { *s.errors++ }
func (s countingSink) WithValues(...any) logr.LogSink { return s }
func (s countingSink) WithName(string) logr.LogSink   { return s }

// The exec's outcome goes back to the caller; the stream's transport
// hiccups must not reach the controller's log as Error lines (a drain
// wait execs every poll, and Error means a human must look).
func TestPodExecutorLogsTransportHiccupsBelowError(t *testing.T) {
	g := NewWithT(t)
	var errs, infos int
	ctx := logr.NewContext(context.Background(), logr.New(countingSink{errors: &errs, infos: &infos}))
	e := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)), fakeStream{stdout: "ok\n", transportHiccup: "Websocket Ping failed"}, nil)

	stdout, _, err := e.Exec(ctx, "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(stdout)).To(Equal("ok\n"))
	g.Expect(errs).To(BeZero(), "transport hiccup logged at Error")
	g.Expect(infos).To(BeNumerically(">=", 1), "kept, as detail")
}

// The container is told the command's deadline: once the controller
// gives up on a command, the container ends it (pods/exec does not).
func TestPodExecutorTellsTheContainerTheCommandsDeadline(t *testing.T) {
	g := NewWithT(t)
	var gotURL *url.URL
	e := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)), fakeStream{stdout: "ok\n"}, &gotURL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, _, err := e.Exec(ctx, "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)

	g.Expect(err).NotTo(HaveOccurred())
	cmd := gotURL.Query()["command"]
	g.Expect(cmd[:3]).To(Equal([]string{"timeout", "-k", "5"}))
	secs, err := strconv.Atoi(cmd[3])
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(secs).To(And(BeNumerically(">=", 10), BeNumerically("<=", 11)), "the context's 10s and a second of slack")
	g.Expect(cmd[4:]).To(Equal(decommissionArgv))
}
