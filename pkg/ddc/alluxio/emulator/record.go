package emulator

import (
	"fmt"
	"time"
)

// EventKind names what happened in the cluster.
type EventKind string

// The kinds of events the cluster records.
const (
	// EventWorkerAdded: a worker process started and registered (or, if
	// disabled, was refused registration).
	EventWorkerAdded EventKind = "WorkerAdded"
	// EventWorkerDecommissioned: the master took the worker off its live list.
	EventWorkerDecommissioned EventKind = "WorkerDecommissioned"
	// EventWorkerEnabled: enableWorker took the worker off the reject list.
	EventWorkerEnabled EventKind = "WorkerEnabled"
	// EventWorkerRemoved: the worker process died (RemoveWorker).
	EventWorkerRemoved EventKind = "WorkerRemoved"
	// EventOperationRouted: a client sent an operation to the worker.
	// Detail says "after decommission" when the worker was decommissioned.
	EventOperationRouted EventKind = "OperationRouted"
	// EventOperationToRemovedWorker: a client sent an operation to a
	// worker that was already removed. A violation.
	EventOperationToRemovedWorker EventKind = "OperationToRemovedWorker"
	// EventFileWritten: a file's blocks were cached on the worker.
	EventFileWritten EventKind = "FileWritten"
	// EventFilesPersisted: every file was persisted to the under store.
	EventFilesPersisted EventKind = "FilesPersisted"
	// EventFilePersisted: `fs persist` wrote a file to the under store.
	EventFilePersisted EventKind = "FilePersisted"
	// EventFileLoaded: `fs load` cached a file's blocks on a live worker
	// again (Host), read from the under store.
	EventFileLoaded EventKind = "FileLoaded"
	// EventDataLost: a removed worker held the only copy of a file that
	// was not persisted. A violation.
	EventDataLost EventKind = "DataLost"
	// EventCLI: an `alluxio` command finished; Detail holds its arguments
	// and exit code.
	EventCLI EventKind = "CLI"
)

// Event is one entry of the cluster's record.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    EventKind `json:"kind"`
	Host    string    `json:"host,omitempty"`
	WebPort int32     `json:"webPort,omitempty"`
	Path    string    `json:"path,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	// Violation marks events a graceful scale-in must never cause.
	Violation bool `json:"violation,omitempty"`
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %s", e.Time.Format(time.RFC3339Nano), e.Kind)
	if e.Host != "" {
		s += fmt.Sprintf(" %s:%d", e.Host, e.WebPort)
	}
	if e.Path != "" {
		s += " " + e.Path
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// record appends an event; the caller holds c.mu.
func (c *Cluster) record(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	c.events = append(c.events, e)
	c.cfg.Logger.V(1).Info("emulator event", "event", e.String(), "violation", e.Violation)
}

// Record returns everything that happened so far, in the order it was
// recorded. An operation's Time is when its client chose the worker, and
// a decommission's Time is when the master marked the worker: compare
// those two exactly.
func (c *Cluster) Record() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// Violations returns the recorded events a graceful scale-in must never
// cause: operations sent to removed workers and data lost with them.
func (c *Cluster) Violations() []Event {
	var out []Event
	for _, e := range c.Record() {
		if e.Violation {
			out = append(out, e)
		}
	}
	return out
}
