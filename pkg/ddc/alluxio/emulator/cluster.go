package emulator

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Cluster is one emulated Alluxio cluster: a master and its workers.
// All methods are safe for concurrent use.
type Cluster struct {
	cfg       Config
	startTime time.Time

	mu         sync.Mutex
	masterAddr string // as bound, host:port
	master     *http.Server
	masterDown bool // a Refuse fault stopped the master's server
	workers    []*worker
	nextID     int64
	// rejected holds the workers decommissioned with --disable: they may
	// not register again until enableWorker (keyed by host:webPort).
	rejected map[string]bool
	files    map[string]*file
	faults   []Fault
	events   []Event
	client   *Client
	closed   bool
}

// WorkerState is a worker's state as the master sees it.
type WorkerState string

// The states of a worker.
const (
	// WorkerLive: registered and handed to clients.
	WorkerLive WorkerState = "Live"
	// WorkerDecommissioned: running, but off the live list.
	WorkerDecommissioned WorkerState = "Decommissioned"
	// WorkerLost: its process is gone (RemoveWorker).
	WorkerLost WorkerState = "Lost"
)

// Worker identifies an emulated worker.
type Worker struct {
	ID      int64
	Host    string
	RPCPort int32
	WebPort int32
}

// Address is the worker's address as decommissionWorker takes it:
// host and web port.
func (w Worker) Address() string { return net.JoinHostPort(w.Host, strconv.Itoa(int(w.WebPort))) }

// URL is the base URL of the worker's web API.
func (w Worker) URL() string { return "http://" + w.Address() }

// worker is the cluster's state for one worker; guarded by Cluster.mu.
type worker struct {
	Worker
	state              WorkerState
	startTime          time.Time
	decommissionedAt   time.Time
	removedAt          time.Time
	usedAtDecommission int64
	opsInFlight        int
	busy               bool
	// refused: the process runs but the master refused its registration
	// (it was disabled); enableWorker lets it register.
	refused          bool
	routedAfterDecom int
	server           *http.Server
}

// WorkerSnapshot is what a test can observe of a worker.
type WorkerSnapshot struct {
	Worker
	State WorkerState
	// Disabled: decommissioned with --disable, so it may not register
	// again until enableWorker.
	Disabled         bool
	DecommissionedAt time.Time
	RemovedAt        time.Time
	// OperationsInFlight counts operations started and not finished;
	// Busy adds a never-ending one.
	OperationsInFlight int
	Busy               bool
	// CachedFiles are the paths with blocks on this worker.
	CachedFiles []string
	// UsedBytes is what the master reports; like Alluxio, it is frozen
	// at decommission.
	UsedBytes int64
	// RoutedAfterDecommission counts operations clients sent to this
	// worker while it was decommissioned (allowed until they refresh).
	RoutedAfterDecommission int
}

// New creates a cluster with no master server and no workers yet.
func New(cfg Config) *Cluster {
	c := &Cluster{
		cfg:       cfg.withDefaults(),
		startTime: time.Now(),
		nextID:    1,
		rejected:  map[string]bool{},
		files:     map[string]*file{},
	}
	c.client = c.NewClient()
	return c
}

// Version is the emulated Alluxio version.
func (c *Cluster) Version() string { return c.cfg.Version }

// StartMaster serves the master's web API and the emulator control API
// on addr, e.g. "127.0.0.1:19999" ("127.0.0.1:0" picks a free port).
func (c *Cluster) StartMaster(addr string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.master != nil {
		return fmt.Errorf("emulator master already serving on %s", c.masterAddr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator master cannot listen on %s: %w", addr, err)
	}
	c.masterAddr = ln.Addr().String()
	c.master = c.serve(ln, c.masterHandler())
	return nil
}

// MasterURL is the base URL of the master's web API, e.g. http://127.0.0.1:19999.
func (c *Cluster) MasterURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return "http://" + c.masterAddr
}

func (c *Cluster) serve(ln net.Listener, h http.Handler) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.cfg.Logger.Error(err, "emulated server stopped", "addr", ln.Addr().String())
		}
	}()
	return srv
}

// AddWorker starts a worker process: its web API listens on host:webPort
// (webPort 0 picks a free port; see the returned Worker) and it registers
// with the master. A worker that was removed comes back with its old id;
// if it was decommissioned with --disable, the master refuses it and it
// stays decommissioned.
func (c *Cluster) AddWorker(host string, rpcPort, webPort int32) (*Worker, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(int(webPort))))
	if err != nil {
		return nil, fmt.Errorf("emulated worker cannot listen on %s:%d: %w", host, webPort, err)
	}
	boundPort := int32(ln.Addr().(*net.TCPAddr).Port)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = ln.Close()
		return nil, errors.New("emulated cluster is closed")
	}
	w := c.findLocked(host, boundPort)
	switch {
	case w == nil:
		w = &worker{Worker: Worker{ID: c.nextID, Host: host, RPCPort: rpcPort, WebPort: boundPort}}
		c.nextID++
		c.workers = append(c.workers, w)
	case w.server != nil:
		_ = ln.Close()
		return nil, fmt.Errorf("emulated worker %s is already running", w.Address())
	}
	w.RPCPort = rpcPort
	w.startTime = time.Now()
	w.removedAt = time.Time{}
	w.opsInFlight, w.busy = 0, false
	detail := "registered"
	if c.rejected[w.Address()] {
		w.state = WorkerDecommissioned
		w.refused = true
		detail = "registration refused: worker is disabled"
	} else {
		w.state = WorkerLive
		w.refused = false
		w.decommissionedAt = time.Time{}
	}
	w.server = c.serve(ln, c.workerHandler(w.Worker))
	c.record(Event{Kind: EventWorkerAdded, Host: host, WebPort: boundPort, Detail: detail})
	out := w.Worker
	return &out, nil
}

// RemoveWorker kills the worker process at host:webPort: its server
// stops, its operations in flight are gone, and the master lists it as
// lost; a decommissioned worker stays decommissioned (in neither list),
// as on real Alluxio 2.9.6. Files whose only copy it held and that were
// not persisted are recorded as lost data.
func (c *Cluster) RemoveWorker(host string, webPort int32) {
	c.mu.Lock()
	w := c.findLocked(host, webPort)
	if w == nil || w.server == nil {
		c.mu.Unlock()
		return
	}
	srv := w.server
	w.server = nil
	wasDecommissioned := w.state == WorkerDecommissioned
	if !wasDecommissioned {
		w.state = WorkerLost
	}
	w.refused = false
	w.removedAt = time.Now()
	w.opsInFlight, w.busy = 0, false
	detail := "was live"
	if wasDecommissioned {
		detail = "was decommissioned"
	}
	c.record(Event{Kind: EventWorkerRemoved, Host: host, WebPort: webPort, Detail: detail})
	c.loseCachedDataLocked(w)
	c.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Worker returns what can be observed of the worker at host:webPort.
func (c *Cluster) Worker(host string, webPort int32) (WorkerSnapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.findLocked(host, webPort)
	if w == nil {
		return WorkerSnapshot{}, false
	}
	return c.snapshotLocked(w), true
}

// Workers returns every worker the cluster ever had, in order of addition.
func (c *Cluster) Workers() []WorkerSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]WorkerSnapshot, 0, len(c.workers))
	for _, w := range c.workers {
		out = append(out, c.snapshotLocked(w))
	}
	return out
}

func (c *Cluster) snapshotLocked(w *worker) WorkerSnapshot {
	return WorkerSnapshot{
		Worker:                  w.Worker,
		State:                   w.state,
		Disabled:                c.rejected[w.Address()],
		DecommissionedAt:        w.decommissionedAt,
		RemovedAt:               w.removedAt,
		OperationsInFlight:      w.opsInFlight,
		Busy:                    w.busy,
		CachedFiles:             c.cachedFilesLocked(w),
		UsedBytes:               c.usedBytesLocked(w),
		RoutedAfterDecommission: w.routedAfterDecom,
	}
}

// Close stops the master's and every worker's server.
func (c *Cluster) Close() {
	c.mu.Lock()
	c.closed = true
	servers := []*http.Server{c.master}
	c.master = nil
	for _, w := range c.workers {
		servers = append(servers, w.server)
		w.server = nil
	}
	c.mu.Unlock()
	for _, srv := range servers {
		if srv != nil {
			_ = srv.Close()
		}
	}
}

// findLocked returns the worker at exactly host:webPort.
func (c *Cluster) findLocked(host string, webPort int32) *worker {
	for _, w := range c.workers {
		if w.Host == host && w.WebPort == webPort {
			return w
		}
	}
	return nil
}

// liveLocked returns the workers on the master's live list.
func (c *Cluster) liveLocked() []*worker {
	var out []*worker
	for _, w := range c.workers {
		if w.state == WorkerLive {
			out = append(out, w)
		}
	}
	return out
}

// decommissionLocked is the master's DecommissionWorker RPC.
func (c *Cluster) decommissionLocked(w *worker, canRegisterAgain bool) {
	if w.state == WorkerLive {
		w.usedAtDecommission = c.usedBytesLocked(w)
		w.state = WorkerDecommissioned
		w.decommissionedAt = time.Now()
	}
	if !canRegisterAgain {
		c.rejected[w.Address()] = true
	}
	detail := "can register again"
	if !canRegisterAgain {
		detail = "disabled"
	}
	c.record(Event{Time: w.decommissionedAt, Kind: EventWorkerDecommissioned, Host: w.Host, WebPort: w.WebPort, Detail: detail})
}

// enableLocked is the master's RemoveDisabledWorker RPC: the worker may
// register again. Only a worker whose registration was refused (it was
// disabled, then restarted) registers at once. A decommissioned worker
// that kept running stays decommissioned until its process restarts: so
// real Alluxio 2.9.6 behaves (test/conformance).
func (c *Cluster) enableLocked(host string, webPort int32) {
	delete(c.rejected, net.JoinHostPort(host, strconv.Itoa(int(webPort))))
	detail := "not running"
	if w := c.findLocked(host, webPort); w != nil && w.server != nil {
		detail = "running: stays decommissioned until it restarts"
		if w.state == WorkerDecommissioned && w.refused {
			w.state = WorkerLive
			w.refused = false
			w.decommissionedAt = time.Time{}
			detail = "re-registered"
		}
	}
	c.record(Event{Kind: EventWorkerEnabled, Host: host, WebPort: webPort, Detail: detail})
}
