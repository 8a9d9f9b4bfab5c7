package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// simAlluxio is an Alluxio cluster on simulated time: the master's view,
// each worker's work in flight and cached files, and the clients with
// their cached worker lists. The controller reaches it through
// operations.Interface, so what it models is what the controller can
// see; the invariants read its ground truth.
type simAlluxio struct {
	mu    sync.Mutex
	clock *clocktesting.FakeClock
	rng   *rand.Rand
	w     *simWorld

	// refresh is the clients' worker list refresh interval in force now
	// (the runtime's properties say it; a schedule may change it).
	refresh time.Duration
	opTime  time.Duration // how long a client operation stays in flight
	// decomTime is how long a decommission command takes; always well
	// below refresh, so only the controller's own wait covers the refresh.
	decomTime time.Duration

	masterStarted time.Time
	masterDown    bool
	// version is what the master reports (2.9.6 when empty).
	version string
	// persistBroken: persist requests are taken but nothing is persisted
	// (no job service).
	persistBroken bool
	// decomFail: the next decommission commands fail with this exit code;
	// decomFailApplied: the master applied them anyway.
	decomFail        int
	decomFailApplied bool
	decomFailTimes   int
	decomSlow        time.Duration
	// killDuringDecommission: the controller dies while its next
	// decommission command runs (the master already took it).
	killDuringDecommission bool

	// writeThrough: clients stop writing asynchronously persisted files
	// (once faults stop: a worker that keeps receiving them is held for
	// ever while it is still live).
	writeThrough bool

	workers map[string]*simWorker // by host
	clients []*simClient
	files   int
}

type simWorker struct {
	host             string
	rpcPort, webPort int32
	inc              *simIncarnation
	running          bool
	unreachableUntil time.Time
	registered       bool
	registerAt       time.Time // zero: registered, or not yet started
	decommissioned   bool
	decommissionedAt time.Time
	// unlisted: the refresh interval in force has passed since its
	// decommission at some point, so any client, whenever it last
	// refreshed, has dropped it from its list since.
	unlisted  bool
	ops       []time.Time // ends of operations in flight
	busyUntil time.Time   // a long job
	files     []*simFile
}

type simFile struct {
	path      string
	persistAt time.Time // when it reaches the under store
}

type simClient struct {
	hosts       []string
	refreshedAt time.Time
}

func newSimAlluxio(w *simWorld, clock *clocktesting.FakeClock, rng *rand.Rand, refresh, opTime, decomTime time.Duration) *simAlluxio {
	a := &simAlluxio{w: w, clock: clock, rng: rng, refresh: refresh, opTime: opTime, decomTime: decomTime,
		masterStarted: clock.Now(), workers: map[string]*simWorker{}}
	for range 3 {
		// Clients start at different points of their refresh cycle.
		a.clients = append(a.clients, &simClient{refreshedAt: clock.Now().Add(-time.Duration(rng.Int64N(int64(refresh))))})
	}
	return a
}

func (a *simAlluxio) now() time.Time { return a.clock.Now() }

// --- the kubelet starting and stopping worker processes ---

// start runs a worker process for a pod: its server answers at once, and
// it registers with the master a moment later.
func (a *simAlluxio) start(inc *simIncarnation, rpcPort, webPort int32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	wk := &simWorker{host: inc.ip, rpcPort: rpcPort, webPort: webPort, inc: inc, running: true}
	if delay := []time.Duration{0, 0, time.Second, 4 * time.Second}[a.rng.IntN(4)]; delay == 0 {
		wk.registered = true
	} else {
		wk.registerAt = a.now().Add(delay)
	}
	a.workers[inc.ip] = wk
}

// stop ends a worker's process with its pod; what it had in flight or
// only in its cache is lost.
func (a *simAlluxio) stop(host string) (ops int, unpersisted []string, wasLive bool, decommissionedAt time.Time, unlisted bool, listing []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	wk, ok := a.workers[host]
	if !ok || !wk.running {
		return 0, nil, false, time.Time{}, false, nil
	}
	now := a.now()
	wk.running = false
	ops = wk.inFlight(now)
	for _, f := range wk.files {
		if now.Before(f.persistAt) {
			unpersisted = append(unpersisted, f.path)
		}
	}
	unlisted = wk.unlisted || wk.decommissioned && now.Sub(wk.decommissionedAt) >= a.refresh
	return ops, unpersisted, wk.registered && !wk.decommissioned, wk.decommissionedAt, unlisted, a.stillListing(host)
}

func (wk *simWorker) inFlight(now time.Time) int {
	n := 0
	for _, end := range wk.ops {
		if now.Before(end) {
			n++
		}
	}
	if now.Before(wk.busyUntil) {
		n++
	}
	return n
}

// --- faults ---

// restartMaster: the new master forgets every decommission and lists no
// worker until each registers again, some soon, some much later.
func (a *simAlluxio) restartMaster() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.masterStarted = now
	for _, host := range a.hosts() {
		wk := a.workers[host]
		wk.decommissioned, wk.decommissionedAt, wk.unlisted = false, time.Time{}, false
		if !wk.running {
			continue
		}
		wk.registered = false
		delay := []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 3 * time.Minute}[a.rng.IntN(4)]
		wk.registerAt = now.Add(delay + time.Duration(a.rng.Int64N(int64(delay))))
	}
}

func (a *simAlluxio) set(f func(a *simAlluxio)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a)
}

func (a *simAlluxio) hosts() []string {
	out := make([]string, 0, len(a.workers))
	for h := range a.workers {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// --- the passing of time: registrations, and the clients at work ---

// tick registers workers whose time has come, and lets each client
// refresh its worker list when due, run operations and write files.
func (a *simAlluxio) tick() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for _, host := range a.hosts() {
		wk := a.workers[host]
		if wk.running && !wk.registered && !wk.registerAt.IsZero() && !now.Before(wk.registerAt) {
			wk.registered, wk.registerAt = true, time.Time{}
		}
		wk.unlisted = wk.unlisted || wk.decommissioned && now.Sub(wk.decommissionedAt) >= a.refresh
	}
	for ci, c := range a.clients {
		if now.Sub(c.refreshedAt) >= a.refresh && !a.masterDown {
			c.hosts, c.refreshedAt = a.liveHosts(), now
		}
		if len(c.hosts) == 0 || a.rng.IntN(2) == 0 {
			continue
		}
		host := c.hosts[a.rng.IntN(len(c.hosts))]
		wk := a.workers[host]
		if wk == nil || !wk.running {
			a.w.routedToGone(host, ci)
			continue
		}
		wk.ops = append(slices.DeleteFunc(wk.ops, func(end time.Time) bool { return !now.Before(end) }), now.Add(a.opTime))
		if a.rng.IntN(4) == 0 {
			a.files++
			// Half are written through to the under store, half are
			// persisted asynchronously, some of them much later.
			persist := now
			if a.rng.IntN(2) == 0 && !a.writeThrough {
				persist = now.Add([]time.Duration{5 * time.Second, 40 * time.Second, 3 * time.Minute}[a.rng.IntN(3)])
			}
			wk.files = append(wk.files, &simFile{path: fmt.Sprintf("/data/f%d", a.files), persistAt: persist})
		}
	}
}

// liveHosts are the workers the master hands to clients.
func (a *simAlluxio) liveHosts() []string {
	var out []string
	for _, host := range a.hosts() {
		if wk := a.workers[host]; wk.running && wk.registered && !wk.decommissioned {
			out = append(out, host)
		}
	}
	return out
}

// --- operations.Interface, as the controller sees it ---

type simConnector struct{ a *simAlluxio }

func (c simConnector) Connect(context.Context, *datav1alpha1.AlluxioRuntime, *corev1.Pod) (operations.Interface, error) {
	if c.a.w.killed() {
		return nil, errKilled
	}
	return c.a, nil
}

var errMasterDown = fmt.Errorf("connection refused: %w", operations.ErrMasterUnreachable)

// find is the worker a command or a request at addr reaches: the CLI and
// the worker's REST endpoints address host:webPort.
func (a *simAlluxio) find(addr operations.WorkerAddress) *simWorker {
	wk := a.workers[addr.Host]
	if wk == nil || wk.webPort != addr.WebPort {
		return nil
	}
	return wk
}

func (a *simAlluxio) Observe(context.Context) (*operations.ClusterInfo, error) {
	if a.w.killed() {
		return nil, errKilled
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.masterDown {
		return nil, errMasterDown
	}
	info := &operations.ClusterInfo{Version: "2.9.6", StartedAt: a.masterStarted}
	if a.version != "" {
		info.Version = a.version
	}
	for _, host := range a.hosts() {
		wk := a.workers[host]
		wi := operations.WorkerInfo{Address: operations.WorkerAddress{Host: host, RPCPort: wk.rpcPort, WebPort: wk.webPort}}
		switch {
		case !wk.registered:
		case !wk.running:
			info.Lost = append(info.Lost, wi)
		case !wk.decommissioned:
			wi.CapacityBytes, wi.UsedBytes = simWorkerCapacity, wk.usedBytes()
			info.Live = append(info.Live, wi)
		}
	}
	return info, nil
}

// Decommission takes decomTime (more when slowed) of simulated time; the
// master marks the workers when the command starts.
func (a *simAlluxio) Decommission(_ context.Context, addrs []operations.WorkerAddress) error {
	if a.w.killed() {
		return errKilled
	}
	a.mu.Lock()
	if a.masterDown {
		a.mu.Unlock()
		return errMasterDown
	}
	fail, applied := a.decomFail, true
	if fail != 0 {
		applied = a.decomFailApplied
		if a.decomFailTimes--; a.decomFailTimes <= 0 {
			a.decomFail = 0
		}
	}
	now := a.now()
	for _, addr := range addrs {
		wk := a.find(addr)
		if wk == nil || !wk.registered || !applied {
			continue
		}
		a.w.decommissioned(wk)
		if !wk.decommissioned {
			wk.decommissioned, wk.decommissionedAt, wk.unlisted = true, now, false
		}
	}
	took := a.decomTime + a.decomSlow
	kill := a.killDuringDecommission
	a.killDuringDecommission = false
	a.mu.Unlock()
	a.clock.Step(took)
	if kill {
		a.w.kill("while decommissionWorker ran")
		return errKilled
	}
	if fail != 0 {
		return &operations.CommandError{Argv: []string{"alluxio", "fsadmin", "decommissionWorker"}, ExitCode: fail, Stderr: "injected"}
	}
	return nil
}

// Enable takes workers back. Like Alluxio, a running worker that was
// decommissioned stays out of service until its process restarts.
func (a *simAlluxio) Enable(_ context.Context, addrs []operations.WorkerAddress) error {
	if a.w.killed() {
		return errKilled
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.masterDown {
		return errMasterDown
	}
	for _, addr := range addrs {
		wk := a.workers[addr.Host]
		if wk != nil && !wk.running {
			a.w.failf("enableWorker on %s after its pod left", addr.Host)
		}
	}
	return nil
}

func (a *simAlluxio) reach(addr operations.WorkerAddress) (*simWorker, error) {
	wk := a.find(addr)
	if wk == nil || !wk.running || a.now().Before(wk.unreachableUntil) {
		return nil, fmt.Errorf("dial %s:%d: connection refused: %w", addr.Host, addr.WebPort, operations.ErrWorkerUnreachable)
	}
	return wk, nil
}

func (a *simAlluxio) WorkerActivity(_ context.Context, addr operations.WorkerAddress) (operations.Activity, error) {
	if a.w.killed() {
		return operations.Activity{}, errKilled
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	wk, err := a.reach(addr)
	if err != nil {
		return operations.Activity{}, err
	}
	return operations.Activity{OperationCount: int64(wk.inFlight(a.now()))}, nil
}

// UnpersistedData counts from the worker's own listing, as the real
// client does.
func (a *simAlluxio) UnpersistedData(ctx context.Context, addr operations.WorkerAddress) (operations.Unpersisted, error) {
	cached, err := a.CachedFiles(ctx, addr)
	if err != nil {
		return operations.Unpersisted{}, err
	}
	u := operations.Unpersisted{}
	for _, f := range cached.Files {
		if !f.Persisted {
			u.Files++
			u.Bytes += f.Bytes
			if len(u.Examples) < 3 {
				u.Examples = append(u.Examples, f.Path)
			}
		}
	}
	return u, nil
}

var _ operations.Interface = (*simAlluxio)(nil)
