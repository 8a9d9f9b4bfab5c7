package emulator

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// StartOperations puts n operations in flight on the worker at
// host:webPort; each finishes after Config.OperationDuration. Nothing
// happens if the worker is not running.
func (c *Cluster) StartOperations(host string, webPort int32, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w := c.findLocked(host, webPort); w != nil && w.server != nil {
		for range n {
			c.startOperationLocked(w)
		}
	}
}

// startOperationLocked counts one operation in flight on w until
// OperationDuration passes. An operation of a process that died since
// (removedAt moved) is not counted down on its successor.
func (c *Cluster) startOperationLocked(w *worker) {
	w.opsInFlight++
	started := w.startTime
	time.AfterFunc(c.cfg.OperationDuration, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if w.startTime.Equal(started) && w.opsInFlight > 0 {
			w.opsInFlight--
		}
	})
}

// SetBusy gives the worker at host:webPort work that never ends (busy
// true) until it is set false: its operations endpoint never reads idle.
func (c *Cluster) SetBusy(host string, webPort int32, busy bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w := c.findLocked(host, webPort); w != nil && w.server != nil {
		w.busy = busy
	}
}

// operationCount is what the worker's operations endpoint reports.
func (w *worker) operationCount() int {
	n := w.opsInFlight
	if w.busy {
		n++
	}
	return n
}

// Client is an emulated Alluxio client: it caches the master's live
// worker list and refreshes it every RefreshInterval, so it may send work
// to a worker decommissioned since its last refresh, as real clients do.
type Client struct {
	c *Cluster

	mu          sync.Mutex
	workers     []Worker
	refreshedAt time.Time
	next        int
}

// ErrNoWorkers is returned by Client.Op when the client knows no worker.
var ErrNoWorkers = errors.New("no worker available: the client's worker list is empty")

// NewClient creates a client; it fetches the worker list on first use.
func (c *Cluster) NewClient() *Client { return &Client{c: c} }

// ClientOp routes an operation on path through the cluster's own client.
func (c *Cluster) ClientOp(path string) (Worker, error) { return c.client.Op(path) }

// Op sends one operation on path to a worker of the client's cached list
// (round robin) and puts it in flight there. It records where the
// operation went; sending it to a worker that was removed is a violation
// and fails, as the connection would be refused.
func (cl *Client) Op(path string) (Worker, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	now := time.Now()
	if cl.refreshedAt.IsZero() || now.Sub(cl.refreshedAt) >= cl.c.cfg.RefreshInterval {
		cl.workers = cl.c.liveWorkers()
		cl.refreshedAt = now
	}
	if len(cl.workers) == 0 {
		return Worker{}, ErrNoWorkers
	}
	target := cl.workers[cl.next%len(cl.workers)]
	cl.next++
	return target, cl.c.routeOperation(target, path, now)
}

// RefreshedAt is when the client last fetched the worker list.
func (cl *Client) RefreshedAt() time.Time {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.refreshedAt
}

func (c *Cluster) liveWorkers() []Worker {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Worker
	for _, w := range c.liveLocked() {
		out = append(out, w.Worker)
	}
	return out
}

// routeOperation records the operation at the time the client chose its
// worker, so the record can be compared with decommission times exactly.
func (c *Cluster) routeOperation(target Worker, path string, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.findLocked(target.Host, target.WebPort)
	if w == nil || w.server == nil {
		c.record(Event{Time: at, Kind: EventOperationToRemovedWorker, Host: target.Host, WebPort: target.WebPort,
			Path: path, Detail: "connection refused", Violation: true})
		return fmt.Errorf("operation on %s sent to removed worker %s: connection refused", path, target.Address())
	}
	detail := ""
	if w.state == WorkerDecommissioned {
		w.routedAfterDecom++
		detail = "after decommission"
	}
	c.startOperationLocked(w)
	c.record(Event{Time: at, Kind: EventOperationRouted, Host: w.Host, WebPort: w.WebPort, Path: path, Detail: detail})
	return nil
}
