// Package operations is the only place that knows how Alluxio is reached.
//
// The scale-in state machine sees Alluxio through Interface: it asks what
// the master knows (Observe), tells it to stop routing work to workers
// (Decommission) or to take them back (Enable), and asks a worker how
// busy it is (WorkerActivity). How that happens (exec of the Alluxio CLI
// in the master pod, HTTP to the master's and workers' web ports) stays
// behind this interface, in the spirit of crossplane-runtime's
// ExternalClient.
package operations

import (
	"context"
	"time"
)

// WorkerAddress names a worker the way Alluxio's master does: the host
// it registered with (pod IP, or node IP under HostNetwork) and its ports.
// Decommission addresses use the web port, never the rpc port.
type WorkerAddress struct {
	Host string
	// ContainerHost is the pod IP a worker reports besides Host when it
	// runs in container network (Fluid's chart sets Host from the node's
	// IP, ALLUXIO_WORKER_HOSTNAME=status.hostIP, in both network modes).
	// Filled by Observe when Alluxio sends it, and by WorkerHosts for a
	// worker whose web server answers at another address than Host: REST
	// calls to the worker go there; CLI commands always name Host.
	ContainerHost string
	RPCPort       int32
	WebPort       int32
}

// WorkerInfo is one worker as the master reports it.
type WorkerInfo struct {
	ID             int64
	Address        WorkerAddress
	State          string // as Alluxio prints it: "In Service", "ACTIVE", "Decommissioned", ...
	LastContactSec int64
	CapacityBytes  int64
	UsedBytes      int64 // not updated after decommission: never a drain test
	BlockCount     int64
}

// ClusterInfo is the master's view of the cluster.
type ClusterInfo struct {
	// Version is Alluxio's version string, e.g. "2.9.3" or "2.10.0".
	Version string
	// StartedAt is when the master process started (zero when it does
	// not say). A worker whose pod started after it and that the master
	// does not list never registered; one whose pod is older may have
	// registered with an earlier master and not yet with this one.
	StartedAt time.Time
	// Live workers are the ones the master still hands to clients.
	Live []WorkerInfo
	// Lost workers stopped heart-beating.
	Lost []WorkerInfo
}

// Activity is a worker's own account of its work in flight, from
// GET /api/v1/worker/operations.
type Activity struct {
	OperationCount int64
	RPCQueueLength int64
}

// Idle reports whether the worker has nothing in flight.
func (a Activity) Idle() bool { return a.OperationCount == 0 && a.RPCQueueLength == 0 }

// Interface is how the controller talks to one Alluxio cluster.
type Interface interface {
	// Observe returns the master's view of the cluster.
	Observe(ctx context.Context) (*ClusterInfo, error)
	// Decommission asks the master to stop handing these workers to
	// clients. It returns once the master accepted the request; it never
	// waits for the workers to become idle.
	Decommission(ctx context.Context, workers []WorkerAddress) error
	// Enable takes decommissioned workers back into service.
	Enable(ctx context.Context, workers []WorkerAddress) error
	// WorkerActivity asks one worker for its operations in flight.
	WorkerActivity(ctx context.Context, worker WorkerAddress) (Activity, error)
	// UnpersistedData counts the files cached on one worker that are not
	// yet in the under store: removing the worker would lose them.
	UnpersistedData(ctx context.Context, worker WorkerAddress) (Unpersisted, error)
	// DataMover persists and re-caches a leaving worker's data.
	DataMover
}

// FindWorker finds the worker registered at addr: same container host
// when addr has one, else same host (or container host), and the same
// rpc or web port.
func FindWorker(workers []WorkerInfo, addr WorkerAddress) (WorkerInfo, bool) {
	if addr.Host == "" {
		return WorkerInfo{}, false
	}
	samePort := func(w WorkerInfo) bool { return w.Address.RPCPort == addr.RPCPort || w.Address.WebPort == addr.WebPort }
	if addr.ContainerHost != "" {
		// Workers of one node share Host under container network: the
		// pod's own IP tells them apart.
		for _, w := range workers {
			if w.Address.ContainerHost == addr.ContainerHost && samePort(w) {
				return w, true
			}
		}
	}
	for _, w := range workers {
		if addr.ContainerHost != "" && w.Address.ContainerHost != "" {
			continue // another pod of the same node
		}
		if (w.Address.Host == addr.Host || w.Address.ContainerHost == addr.Host) && samePort(w) {
			return w, true
		}
	}
	return WorkerInfo{}, false
}
