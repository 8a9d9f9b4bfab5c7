package emulator

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// buildShim compiles cmd/alluxio into a temporary directory.
func buildShim(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is needed to build the alluxio shim")
	}
	bin := filepath.Join(t.TempDir(), "alluxio")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/fluid-drain/fluid-drain/cmd/alluxio")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the alluxio shim: %v\n%s", err, out)
	}
	return bin
}

func shimCommand(bin, url string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ALLUXIO_EMULATOR_URL="+url)
	if url == "" {
		cmd.Env = append(os.Environ(), "ALLUXIO_EMULATOR_URL=")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

func runShim(bin, url string, args ...string) cliResult {
	cmd, stdout, stderr := shimCommand(bin, url, args...)
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return cliResult{code: -1, stderr: err.Error()}
		}
		code = exit.ExitCode()
	}
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// closedPortURL is a loopback URL nothing listens on.
func closedPortURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	_ = ln.Close()
	return url
}

func TestShimRunsCommandsOnTheEmulatorWithTheirOutputAndExitCodes(t *testing.T) {
	bin := buildShim(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.0.1")

	for _, tc := range []struct {
		name     string
		url      string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "version", url: c.MasterURL(), args: []string{"version"}, wantOut: "2.10.0\n"},
		{name: "report", url: c.MasterURL(), args: []string{"fsadmin", "report", "capacity"}, wantOut: "Capacity information for all workers: "},
		{name: "unknown fsadmin command", url: c.MasterURL(), args: []string{"fsadmin", "nope"}, wantCode: ExitShellError, wantOut: "Usage: alluxio fsadmin", wantErr: "nope is an unknown command."},
		{name: "hostile address", url: c.MasterURL(), args: []string{"fsadmin", "decommissionWorker", "-a", "x;$(reboot)"}, wantCode: ExitShellError, wantOut: "is not known by the master"},
		{name: "decommission", url: c.MasterURL(), args: []string{"fsadmin", "decommissionWorker", "-a", w.Address()}, wantOut: msgOK},
		{name: "no emulator configured", url: "", args: []string{"version"}, wantCode: ExitLostMasterConnection, wantErr: "ALLUXIO_EMULATOR_URL is not set"},
		{name: "emulator unreachable", url: closedPortURL(t), args: []string{"version"}, wantCode: ExitLostMasterConnection, wantErr: "cannot reach the emulated master"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)

			r := runShim(bin, tc.url, tc.args...)

			g.Expect(r.code).To(Equal(tc.wantCode), r.String())
			g.Expect(r.stdout).To(ContainSubstring(tc.wantOut))
			g.Expect(r.stderr).To(ContainSubstring(tc.wantErr))
		})
	}
}

func TestKillingTheShimEndsTheBlockingDecommission(t *testing.T) {
	g := NewWithT(t)
	bin := buildShim(t)
	cfg := fastConfig("")
	cfg.RefreshInterval = time.Hour
	c := newCluster(t, cfg)
	w := addWorker(t, c, "127.0.0.1")
	cmd, _, _ := shimCommand(bin, c.MasterURL(), "fsadmin", "decommissionWorker", "-a", w.Address())
	g.Expect(cmd.Start()).To(Succeed())
	waitFor(t, "the worker to be decommissioned", func() bool { return state(c, w) == WorkerDecommissioned })

	g.Expect(cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
	_ = cmd.Wait()

	g.Eventually(func() []string {
		var done []string
		for _, e := range c.Record() {
			if e.Kind == EventCLI && strings.Contains(e.Detail, "decommissionWorker") {
				done = append(done, e.Detail)
			}
		}
		return done
	}, "10s", "10ms").Should(ConsistOf(HaveSuffix("exit 130")))
	g.Expect(state(c, w)).To(Equal(WorkerDecommissioned))
}
