package operations

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

var twoWorkers = []WorkerAddress{
	{Host: "10.0.0.7", RPCPort: 29999, WebPort: 30000},
	{Host: "worker-1.hbase.fluid.svc", RPCPort: 29999, WebPort: 31000},
}

func TestDecommissionRunsTheRealCommandWithWebPorts(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec)

	g.Expect(c.Decommission(context.Background(), twoWorkers)).To(Succeed())

	g.Expect(exec.Calls()).To(Equal([][]string{{
		"alluxio", "fsadmin", "decommissionWorker",
		"--addresses", "10.0.0.7:30000,worker-1.hbase.fluid.svc:31000",
		"--wait", "0s",
	}}))
}

func TestDecommissionMapsExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		code    int
		stdout  string
		wantErr error // nil: success
	}{
		{name: "0 decommissioned and idle", code: 0},
		{name: "3 decommissioned, not idle yet, is accepted", code: 3, stdout: "Some workers were still not idle"},
		{name: "1 decommission failed", code: 1, stdout: "Failed to decommission all workers.", wantErr: ErrDecommissionFailed},
		{name: "2 lost master connection", code: 2, stdout: "Cannot get available worker list from master", wantErr: ErrMasterUnreachable},
		{name: "10 some workers lost", code: 10, wantErr: ErrWorkersLost},
		{name: "255 worker not known by the master", code: 255,
			stdout: "Worker 10.0.0.9 is not known by the master. Please check the hostname or retry later.", wantErr: ErrWorkerNotFound},
		{name: "255 from any other uncaught exception is a failure, not an unknown worker", code: 255,
			stdout: "java.lang.RuntimeException: io.grpc.StatusRuntimeException: UNAVAILABLE", wantErr: ErrDecommissionFailed},
		{name: "255 unknown command on Alluxio 2.9", code: 255,
			stdout: "decommissionWorker is an unknown command.\n\nUsage: alluxio fsadmin [generic options]", wantErr: ErrUnsupported},
		{name: "255 usage when options differ", code: 255,
			stdout: "Usage: decommissionWorker --addresses <workerHosts>", wantErr: ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			code := tt.code
			exec := &fakeExecutor{run: exitWith(code, tt.stdout, "")}
			if code == 0 {
				exec.run = nil
			}
			c := newTestClient(t, "", exec)

			err := c.Decommission(context.Background(), twoWorkers[:1])

			if tt.wantErr == nil {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(tt.wantErr))
			g.Expect(err.Error()).To(ContainSubstring("10.0.0.7:30000"), "the error names the workers")
		})
	}
}

func TestDecommissionStillRunningAfterTheWindowIsAccepted(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: blockUntilCancelled}
	c := newTestClient(t, "", exec) // window 300ms

	start := time.Now()
	err := c.Decommission(context.Background(), twoWorkers)
	elapsed := time.Since(start)

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(elapsed).To(BeNumerically(">=", 250*time.Millisecond), "waits for the window")
	g.Expect(elapsed).To(BeNumerically("<", 3*time.Second), "never waits for the CLI's 2-minute refresh interval")
}

func TestDecommissionCancelledByTheCallerIsAnError(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: blockUntilCancelled}
	c := newTestClient(t, "", exec)
	c.cfg.DecommissionAcceptWindow = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	err := c.Decommission(ctx, twoWorkers)

	g.Expect(err).To(MatchError(context.DeadlineExceeded), "the caller's deadline is not an acceptance")
}

func TestDecommissionTransportFailureIsReturned(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: func(context.Context, []string) ([]byte, []byte, error) {
		return nil, nil, ErrPodNotFound
	}}
	c := newTestClient(t, "", exec)

	g.Expect(c.Decommission(context.Background(), twoWorkers)).To(MatchError(ErrPodNotFound))
}

func TestUnsupportedDecommissionNamesVersionAndFix(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, http.StatusOK, `{"version":"2.9.3","workers":[]}`)
	exec := &fakeExecutor{run: exitWith(255, "decommissionWorker is an unknown command.\n", "")}
	c := newTestClient(t, master.URL, exec)

	err := c.Decommission(context.Background(), twoWorkers)

	g.Expect(err).To(MatchError(ErrUnsupported))
	var unsupported *UnsupportedError
	g.Expect(errors.As(err, &unsupported)).To(BeTrue())
	g.Expect(unsupported.Version).To(Equal("2.9.3"))
	g.Expect(err.Error()).To(And(
		ContainSubstring("Alluxio 2.9.3"),
		ContainSubstring("decommissionWorker"),
		ContainSubstring("upgrade the AlluxioRuntime to Alluxio 2.9.4 or later"),
		ContainSubstring("GracefulScaleIn"),
	))
}

func TestEnableRunsEnableWorker(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec)

	g.Expect(c.Enable(context.Background(), twoWorkers[:1])).To(Succeed())

	g.Expect(exec.Calls()).To(Equal([][]string{{"alluxio", "fsadmin", "enableWorker", "--addresses", "10.0.0.7:30000"}}))
}

func TestEnableMapsFailures(t *testing.T) {
	tests := []struct {
		name    string
		code    int
		stdout  string
		wantErr error
	}{
		{name: "unknown command", code: 255, stdout: "enableWorker is an unknown command.", wantErr: ErrUnsupported},
		{name: "unknown worker", code: 255, stdout: "Worker 10.0.0.7 is not known by the master.", wantErr: ErrWorkerNotFound},
		{name: "other failure", code: 1, stdout: "boom", wantErr: ErrEnableFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c := newTestClient(t, "", &fakeExecutor{run: exitWith(tt.code, tt.stdout, "")})

			g.Expect(c.Enable(context.Background(), twoWorkers[:1])).To(MatchError(tt.wantErr))
		})
	}
}

func TestEnableTimesOutAfterCommandTimeout(t *testing.T) {
	g := NewWithT(t)
	c := newTestClient(t, "", &fakeExecutor{run: blockUntilCancelled})
	c.cfg.CommandTimeout = 100 * time.Millisecond

	g.Expect(c.Enable(context.Background(), twoWorkers[:1])).To(MatchError(context.DeadlineExceeded))
}
