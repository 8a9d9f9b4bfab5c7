package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fastConfig shrinks Alluxio's timings so a full decommission takes
// well under a second.
func fastConfig(version string) Config {
	return Config{
		Version:           version,
		RefreshInterval:   50 * time.Millisecond,
		OperationDuration: 20 * time.Millisecond,
		IdlePollInterval:  time.Millisecond,
	}
}

// newCluster starts a master on a free loopback port.
func newCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c := New(cfg)
	t.Cleanup(c.Close)
	if err := c.StartMaster("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return c
}

// addWorker starts a worker on host with a free web port.
func addWorker(t *testing.T, c *Cluster, host string) Worker {
	t.Helper()
	w, err := c.AddWorker(host, 29999, 0)
	if err != nil {
		t.Fatal(err)
	}
	return *w
}

type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func runCLI(c *Cluster, args ...string) cliResult {
	return runCLIContext(context.Background(), c, args...)
}

func runCLIContext(ctx context.Context, c *Cluster, args ...string) cliResult {
	var out, errOut bytes.Buffer
	code := c.RunCLI(ctx, args, &out, &errOut)
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

func decommission(c *Cluster, extra ...string) cliResult {
	return runCLI(c, append([]string{"fsadmin", "decommissionWorker"}, extra...)...)
}

// masterInfo reads /api/v1/master/info as a client that knows nothing of
// the emulator's types would.
func masterInfo(t *testing.T, c *Cluster) map[string]any {
	t.Helper()
	resp, err := http.Get(c.MasterURL() + "/api/v1/master/info")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("master info answered %s", resp.Status)
	}
	var info map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	return info
}

// hosts lists the address.host of each worker in a master info list.
func hosts(list any) []string {
	out := []string{}
	for _, w := range list.([]any) {
		out = append(out, w.(map[string]any)["address"].(map[string]any)["host"].(string))
	}
	return out
}

// waitFor polls cond until it holds or the generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func state(c *Cluster, w Worker) WorkerState {
	s, _ := c.Worker(w.Host, w.WebPort)
	return s.State
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }
