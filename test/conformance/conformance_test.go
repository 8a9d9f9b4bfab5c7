package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// facts are what the real servers showed for a version (see
// hack/alluxio/README.md); both backends are held to them.
type facts struct {
	version string
	// hasDecommission: fsadmin decommissionWorker / enableWorker and the
	// workers' /api/v1/worker/operations (open-source 2.9.4 and later).
	hasDecommission bool
}

func factsFor(version string) facts {
	f := facts{version: version}
	var major, minor, patch int
	_, _ = fmt.Sscanf(version, "%d.%d.%d", &major, &minor, &patch)
	f.hasDecommission = major > 2 || (major == 2 && (minor > 9 || (minor == 9 && patch >= 4)))
	return f
}

// testCase runs against one backend and returns an observation, a
// normalised text that must be the same on every backend ("" when the
// case has nothing to compare).
type testCase struct {
	name string
	run  func(t *testing.T, b backend, f facts) string
}

// cases run in order on one cluster per backend: later cases may depend
// on what earlier ones did (worker 0 is decommissioned, worker 1 killed;
// the data moves start them again and leave worker 2 decommissioned).
var cases = []testCase{
	{"version", caseVersion},
	{"master info REST", caseMasterInfo},
	{"report capacity", caseReportCapacity},
	{"report capacity -lost with none", caseReportNoLost},
	{"worker activity", caseWorkerActivity},
	{"fsadmin unknown command", caseUnknownCommand},
	{"decommission unknown address", caseDecommissionUnknown},
	{"decommission and enable", caseDecommissionEnable},
	{"lost worker", caseLostWorker},
	{"persist and re-cache a leaving worker's files", caseDataMoves},
}

func TestConformance(t *testing.T) {
	for _, version := range versions {
		t.Run(version, func(t *testing.T) {
			f := factsFor(version)
			seen := map[string]map[string]string{} // case -> backend -> observation
			record := func(b backend, c testCase, obs string) {
				if seen[c.name] == nil {
					seen[c.name] = map[string]string{}
				}
				seen[c.name][b.name()] = obs
			}
			t.Run("real", func(t *testing.T) {
				b := startReal(t, version)
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) { record(b, c, c.run(t, b, f)) })
				}
			})
			if t.Failed() && len(seen) == 0 {
				t.Fatal("the real cluster did not start: nothing to compare the emulator with")
			}
			t.Run("emulator", func(t *testing.T) {
				var hosts []string
				for i := 0; i < workerCount; i++ {
					hosts = append(hosts, fmt.Sprintf("127.0.0.%d", 11+i))
				}
				b := startEmulator(t, version, hosts)
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) { record(b, c, c.run(t, b, f)) })
				}
			})
			t.Run("same answers", func(t *testing.T) {
				for _, c := range cases {
					real, okReal := seen[c.name]["real"]
					emu, okEmu := seen[c.name]["emulator"]
					if !okReal || !okEmu || real == emu {
						continue
					}
					t.Errorf("%s: real Alluxio %s and the emulator differ:\n--- real:\n%s\n--- emulator:\n%s", c.name, version, real, emu)
				}
			})
		})
	}
}

func caseVersion(t *testing.T, b backend, f facts) string {
	v, err := b.client().Version(context.Background())
	if err != nil || v != f.version {
		t.Errorf("Version() = %q, %v; want %q", v, err, f.version)
	}
	r := runCLI(t, b, "version")
	if r.code != 0 || strings.TrimSpace(r.stdout) != f.version {
		t.Errorf("alluxio version: %s", r)
	}
	return r.stdout
}

func caseMasterInfo(t *testing.T, b backend, f facts) string {
	info := observe(t, b)
	if len(info.Live) != workerCount || len(info.Lost) != 0 {
		t.Fatalf("live %v lost %v, want %d live", hostsOf(info.Live), hostsOf(info.Lost), workerCount)
	}
	for _, want := range b.workers() {
		w, ok := findWorker(info.Live, want.Host)
		if !ok {
			t.Errorf("worker %s not live", want.Host)
			continue
		}
		if w.Address.WebPort != want.WebPort || w.Address.RPCPort != want.RPCPort {
			t.Errorf("worker %s: ports %d/%d, want rpc %d web %d", want.Host, w.Address.RPCPort, w.Address.WebPort, want.RPCPort, want.WebPort)
		}
		if w.CapacityBytes != workerCapacity || w.UsedBytes != 0 {
			t.Errorf("worker %s: capacity %d used %d, want %d and 0", want.Host, w.CapacityBytes, w.UsedBytes, workerCapacity)
		}
	}
	raw := masterInfo(t, b)
	worker := raw["workers"].([]any)[0].(map[string]any)
	return fmt.Sprintf("top-level keys: %v\nworker keys: %v\naddress keys: %v\nlive state: %q\n",
		sortedKeys(raw), sortedKeys(worker), sortedKeys(worker["address"].(map[string]any)), info.Live[0].State)
}

func caseReportCapacity(t *testing.T, b backend, f facts) string {
	r := runCLI(t, b, "fsadmin", "report", "capacity")
	if r.code != 0 {
		t.Fatalf("report capacity: %s", r)
	}
	for _, w := range b.workers() {
		if !strings.Contains(r.stdout, w.Host) {
			t.Errorf("report capacity lacks worker %s:\n%s", w.Host, r.stdout)
		}
	}
	return normalizeReport(r.stdout)
}

func caseReportNoLost(t *testing.T, b backend, f facts) string {
	r := runCLI(t, b, "fsadmin", "report", "capacity", "-lost")
	if r.code != 0 {
		t.Errorf("report capacity -lost: %s", r)
	}
	return r.String()
}

func caseWorkerActivity(t *testing.T, b backend, f facts) string {
	var out []string
	for _, w := range b.workers() {
		a, err := b.client().WorkerActivity(context.Background(), w)
		switch {
		case f.hasDecommission && (err != nil || !a.Idle()):
			t.Errorf("worker %s activity = %+v, %v; want idle", w.Host, a, err)
		case !f.hasDecommission && !errors.Is(err, operations.ErrActivityUnsupported):
			t.Errorf("worker %s activity = %+v, %v; want ErrActivityUnsupported (404)", w.Host, a, err)
		}
		out = append(out, fmt.Sprintf("%+v %s", a, errKind(err)))
	}
	nobody := operations.WorkerAddress{Host: "127.0.0.1", WebPort: int32(closedPort(t))}
	_, err := b.client().WorkerActivity(context.Background(), nobody)
	if !errors.Is(err, operations.ErrWorkerUnreachable) {
		t.Errorf("activity of a closed port: %v, want ErrWorkerUnreachable", err)
	}
	return strings.Join(out, "\n")
}

func caseUnknownCommand(t *testing.T, b backend, f facts) string {
	r := runCLI(t, b, "fsadmin", "noSuchCommand")
	if r.code != 255 || !strings.Contains(r.stderr, "noSuchCommand is an unknown command.") {
		t.Errorf("fsadmin noSuchCommand: %s", r)
	}
	if got := strings.Contains(r.stdout, "decommissionWorker"); got != f.hasDecommission {
		t.Errorf("fsadmin usage lists decommissionWorker: %v, want %v\n%s", got, f.hasDecommission, r.stdout)
	}
	return r.String()
}

func caseDecommissionUnknown(t *testing.T, b backend, f facts) string {
	ctx := context.Background()
	nobody := operations.WorkerAddress{Host: "127.0.0.99", WebPort: 30000}
	err := b.client().Decommission(ctx, []operations.WorkerAddress{nobody})
	errEnable := b.client().Enable(ctx, []operations.WorkerAddress{nobody})
	r := runCLI(t, b, "fsadmin", "decommissionWorker", "--addresses", "127.0.0.99:30000", "--wait", "0s")
	if f.hasDecommission {
		if !errors.Is(err, operations.ErrWorkerNotFound) {
			t.Errorf("Decommission(unknown) = %v, want ErrWorkerNotFound", err)
		}
		if errEnable != nil {
			t.Errorf("Enable(unknown) = %v, want nil (Alluxio accepts any address)", errEnable)
		}
	} else {
		for name, e := range map[string]error{"Decommission": err, "Enable": errEnable} {
			var unsupported *operations.UnsupportedError
			if !errors.Is(e, operations.ErrUnsupported) || !errors.As(e, &unsupported) || unsupported.Version != f.version {
				t.Errorf("%s on %s = %v, want an UnsupportedError naming the version", name, f.version, e)
			}
		}
	}
	// The list of available workers carries ports that differ per backend.
	lines := strings.SplitN(r.stdout, "\n", 3)
	lines = lines[:min(2, len(lines))]
	for i, l := range lines {
		if j := strings.Index(l, "Available workers are:"); j >= 0 {
			lines[i] = l[:j] + "Available workers are: ..."
		}
	}
	return fmt.Sprintf("exit %d\n%s\nerrors: %s / %s", r.code, strings.Join(lines, "\n"), errKind(err), errKind(errEnable))
}

func caseDecommissionEnable(t *testing.T, b backend, f facts) string {
	ctx := context.Background()
	w := b.workers()[0]
	if !f.hasDecommission {
		err := b.client().Decommission(ctx, []operations.WorkerAddress{w})
		if !errors.Is(err, operations.ErrUnsupported) {
			t.Errorf("Decommission = %v, want ErrUnsupported", err)
		}
		if info := observe(t, b); len(info.Live) != workerCount {
			t.Errorf("live workers after an unsupported decommission: %v", hostsOf(info.Live))
		}
		return errKind(err)
	}
	var steps []string
	step := func(format string, args ...any) {
		steps = append(steps, fmt.Sprintf(format, args...))
		t.Logf(format, args...)
	}
	start := time.Now()
	if err := b.client().Decommission(ctx, []operations.WorkerAddress{w}); err != nil {
		t.Fatalf("Decommission: %v", err)
	}
	t.Logf("Decommission returned after %s", time.Since(start).Round(100*time.Millisecond))
	info := waitFor(t, b, 20*time.Second, func(info *operations.ClusterInfo) bool {
		_, live := findWorker(info.Live, w.Host)
		return !live
	})
	_, lost := findWorker(info.Lost, w.Host)
	step("decommissioned: live %v, in lostWorkers %v", false, lost)
	r := runCLI(t, b, "fsadmin", "report", "capacity", "-decommissioned")
	step("report capacity -decommissioned: exit %d, lists it as Decommissioned: %v", r.code,
		regexp.MustCompile(regexp.QuoteMeta(w.Host)+`\s+Decommissioned\s`).MatchString(r.stdout))
	a, err := b.client().WorkerActivity(ctx, w)
	step("activity while decommissioned: %+v %s", a, errKind(err))

	err = b.client().Enable(ctx, []operations.WorkerAddress{w})
	step("Enable: %s", errKind(err))
	time.Sleep(3 * time.Second)
	info = observe(t, b)
	_, live := findWorker(info.Live, w.Host)
	step("3s after Enable, still running: live %v", live)

	b.kill(t, 0)
	time.Sleep(3 * time.Second)
	info = observe(t, b)
	_, live = findWorker(info.Live, w.Host)
	_, lost = findWorker(info.Lost, w.Host)
	step("killed: live %v, lost %v", live, lost)

	b.restart(t, 0)
	start = time.Now()
	info = waitFor(t, b, 120*time.Second, func(info *operations.ClusterInfo) bool {
		_, live := findWorker(info.Live, w.Host)
		return live
	})
	t.Logf("restarted worker live after %s", time.Since(start).Round(100*time.Millisecond))
	got, _ := findWorker(info.Live, w.Host)
	step("restarted: live with state %q", got.State)
	return strings.Join(steps, "\n")
}

func caseLostWorker(t *testing.T, b backend, f facts) string {
	w := b.workers()[1]
	b.kill(t, 1)
	start := time.Now()
	info := waitFor(t, b, 60*time.Second, func(info *operations.ClusterInfo) bool {
		_, lost := findWorker(info.Lost, w.Host)
		return lost
	})
	t.Logf("%s: killed worker listed as lost after %s", b.name(), time.Since(start).Round(100*time.Millisecond))
	if _, live := findWorker(info.Live, w.Host); live {
		t.Errorf("lost worker %s is still live", w.Host)
	}
	lost, _ := findWorker(info.Lost, w.Host)
	_, err := b.client().WorkerActivity(context.Background(), w)
	if !errors.Is(err, operations.ErrWorkerUnreachable) {
		t.Errorf("activity of a killed worker: %v, want ErrWorkerUnreachable", err)
	}
	r := runCLI(t, b, "fsadmin", "report", "capacity", "-lost")
	if r.code != 0 || !strings.Contains(r.stdout, w.Host) {
		t.Errorf("report capacity -lost: %s", r)
	}
	return fmt.Sprintf("lost state %q, live %d, lost %d\n%s", lost.State, len(info.Live), len(info.Lost), normalizeReport(r.stdout))
}

// --- helpers --------------------------------------------------------------

// waitFor polls Observe until cond holds or timeout.
func waitFor(t *testing.T, b backend, timeout time.Duration, cond func(*operations.ClusterInfo) bool) *operations.ClusterInfo {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info := observe(t, b)
		if cond(info) {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s: live %v lost %v", timeout, hostsOf(info.Live), hostsOf(info.Lost))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func errKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{operations.ErrActivityUnsupported, "ErrActivityUnsupported"},
		{operations.ErrUnsupported, "ErrUnsupported"},
		{operations.ErrWorkerNotFound, "ErrWorkerNotFound"},
		{operations.ErrWorkerUnreachable, "ErrWorkerUnreachable"},
		{operations.ErrMasterUnreachable, "ErrMasterUnreachable"},
		{operations.ErrDecommissionFailed, "ErrDecommissionFailed"},
		{operations.ErrEnableFailed, "ErrEnableFailed"},
		{operations.ErrBadResponse, "ErrBadResponse"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

var revision = regexp.MustCompile(`\b[0-9a-f]{40}\b`)

// normalizeReport keeps a capacity report's layout but drops what differs
// between two runs: heartbeat ages, the git revision, and the order of
// workers with equal heartbeats.
func normalizeReport(text string) string {
	text = revision.ReplaceAllString(text, strings.Repeat("x", 40))
	lines := strings.Split(text, "\n")
	hb := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "Worker Name") {
			hb = i
			break
		}
	}
	if hb < 0 {
		return text
	}
	header := lines[hb]
	col := strings.Index(header, "Last Heartbeat")
	end := strings.Index(header, "Storage")
	var rows []string
	for i := hb + 1; i+1 < len(lines); i += 2 {
		first := lines[i]
		if col > 0 && end > col && len(first) >= end {
			age := strings.TrimSpace(first[col:end])
			if _, err := strconv.Atoi(age); err == nil {
				first = first[:col] + fmt.Sprintf("%-*s", end-col, "N") + first[end:]
			}
		}
		rows = append(rows, first+"\n"+lines[i+1])
	}
	sort.Strings(rows)
	return strings.Join(lines[:hb+1], "\n") + "\n" + strings.Join(rows, "\n") + "\n"
}
