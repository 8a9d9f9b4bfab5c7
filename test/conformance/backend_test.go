package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/test/conformance/realalluxio"
)

// workerCount is the size of every cluster under test.
const workerCount = 3

// workerCapacity is each worker's MEM tier, the same on both backends.
const workerCapacity = 32 << 20

// backend is one Alluxio under test: real or emulated.
type backend interface {
	name() string
	version() string
	client() *operations.Client
	executor() operations.Executor
	masterURL() string
	workers() []operations.WorkerAddress
	// kill ends worker i's process at once, as a node failure does.
	kill(t *testing.T, i int)
	// restart starts worker i again, with the same host and ports.
	restart(t *testing.T, i int)
	// writeFile caches a file of size bytes on worker i, in one block;
	// persisted: also written to the under store.
	writeFile(t *testing.T, i int, path string, size int64, persisted bool)
}

func newClient(t *testing.T, masterURL string, exec operations.Executor) *operations.Client {
	t.Helper()
	c, err := operations.NewClient(operations.Config{
		MasterWebURL:             masterURL,
		Executor:                 exec,
		CommandTimeout:           60 * time.Second,
		DecommissionAcceptWindow: 8 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// --- real Alluxio ---------------------------------------------------------

type realBackend struct {
	c   *realalluxio.Cluster
	cli *operations.Client
}

func startReal(t *testing.T, version string) *realBackend {
	t.Helper()
	start := time.Now()
	c, err := realalluxio.Start(context.Background(), realalluxio.Config{
		Version: version,
		WorkDir: t.TempDir(),
		Workers: workerCount,
		// Alluxio persists files through its job service.
		JobService: factsFor(version).hasDecommission,
		Properties: map[string]string{
			"alluxio.worker.ramdisk.size":                  "32MB",
			"alluxio.worker.tieredstore.level0.dirs.quota": "32MB",
		},
		Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	t.Logf("real Alluxio %s: master and %d workers live after %s", version, workerCount, time.Since(start).Round(time.Second))
	return &realBackend{c: c, cli: newClient(t, c.MasterWebURL(), c.Executor())}
}

func (b *realBackend) name() string                  { return "real" }
func (b *realBackend) version() string               { return b.c.Version() }
func (b *realBackend) client() *operations.Client    { return b.cli }
func (b *realBackend) executor() operations.Executor { return b.c.Executor() }
func (b *realBackend) masterURL() string             { return b.c.MasterWebURL() }
func (b *realBackend) workers() []operations.WorkerAddress {
	var out []operations.WorkerAddress
	for _, w := range b.c.Workers() {
		out = append(out, w.Address())
	}
	return out
}
func (b *realBackend) kill(t *testing.T, i int) {
	if err := b.c.KillWorker(i); err != nil {
		t.Fatal(err)
	}
}
func (b *realBackend) restart(t *testing.T, i int) {
	if err := b.c.StartWorker(i); err != nil {
		t.Fatal(err)
	}
}

// --- emulator -------------------------------------------------------------

type emuBackend struct {
	c    *emulator.Cluster
	ws   []operations.WorkerAddress
	exec operations.LocalExecutor
	cli  *operations.Client
}

// startEmulator mirrors the real cluster: same version, hosts, refresh
// interval and capacity; its CLI runs through the cmd/alluxio shim.
func startEmulator(t *testing.T, version string, hosts []string) *emuBackend {
	t.Helper()
	c := emulator.New(emulator.Config{
		Version:             version,
		RefreshInterval:     time.Second,
		IdlePollInterval:    time.Second,
		WorkerCapacityBytes: workerCapacity,
	})
	t.Cleanup(c.Close)
	if err := c.StartMaster("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	b := &emuBackend{c: c}
	for _, h := range hosts {
		w, err := c.AddWorker(h, 29999, 0)
		if err != nil {
			t.Fatal(err)
		}
		b.ws = append(b.ws, operations.WorkerAddress{Host: w.Host, RPCPort: w.RPCPort, WebPort: w.WebPort})
	}
	b.exec = operations.LocalExecutor{Path: shimPath, Env: []string{"ALLUXIO_EMULATOR_URL=" + c.MasterURL()}}
	b.cli = newClient(t, c.MasterURL(), b.exec)
	return b
}

func (b *emuBackend) name() string                        { return "emulator" }
func (b *emuBackend) version() string                     { return b.c.Version() }
func (b *emuBackend) client() *operations.Client          { return b.cli }
func (b *emuBackend) executor() operations.Executor       { return b.exec }
func (b *emuBackend) masterURL() string                   { return b.c.MasterURL() }
func (b *emuBackend) workers() []operations.WorkerAddress { return b.ws }
func (b *emuBackend) kill(_ *testing.T, i int)            { b.c.RemoveWorker(b.ws[i].Host, b.ws[i].WebPort) }
func (b *emuBackend) restart(t *testing.T, i int) {
	if _, err := b.c.AddWorker(b.ws[i].Host, b.ws[i].RPCPort, b.ws[i].WebPort); err != nil {
		t.Fatal(err)
	}
}

// --- helpers --------------------------------------------------------------

type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs `alluxio args...` through the backend's executor.
func runCLI(t *testing.T, b backend, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	stdout, stderr, err := b.executor().Exec(ctx, "", "", "", append([]string{"alluxio"}, args...))
	r := cliResult{stdout: string(stdout), stderr: string(stderr)}
	var cmdErr *operations.CommandError
	switch {
	case err == nil:
	case errors.As(err, &cmdErr):
		r.code = cmdErr.ExitCode
		r.stdout, r.stderr = cmdErr.Stdout, cmdErr.Stderr
	default:
		t.Fatalf("alluxio %v on %s: %v", args, b.name(), err)
	}
	return r
}

// masterInfo reads /api/v1/master/info as generic JSON.
func masterInfo(t *testing.T, b backend) map[string]any {
	t.Helper()
	resp, err := http.Get(b.masterURL() + "/api/v1/master/info")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("master info is not JSON: %v", err)
	}
	return out
}

func observe(t *testing.T, b backend) *operations.ClusterInfo {
	t.Helper()
	info, err := b.client().Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func hostsOf(ws []operations.WorkerInfo) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Address.Host)
	}
	return out
}

func findWorker(ws []operations.WorkerInfo, host string) (operations.WorkerInfo, bool) {
	for _, w := range ws {
		if w.Address.Host == host {
			return w, true
		}
	}
	return operations.WorkerInfo{}, false
}
