package operations

import (
	"context"
	"fmt"
	"strings"
)

// workerMetricsPath is the worker's Dropwizard metrics servlet, present in
// every 2.x worker, the only activity signal of those without
// workerOperationsPath (Alluxio 2.9.0–2.9.3).
const workerMetricsPath = "/metrics/json/"

// WorkerMetrics is the work a worker reports in its metrics: what is in
// flight now, and cumulative byte counts to compare between two reads.
// Read from real 2.9.0 workers (hack/alluxio/README.md): the counters are
// named with the worker's hostname appended and exist only after its
// first read or write (absent counts as 0). Worker.ActiveClients is not
// read: it does not fall when clients go.
type WorkerMetrics struct {
	ActiveRPCReads, ActiveRPCWrites int64
	RPCQueueLength                  int64
	// BytesRead, BytesWritten: Worker.BytesReadRemote and
	// Worker.BytesWrittenRemote since the worker started.
	BytesRead, BytesWritten int64
}

// QuietSince reports whether nothing ran between the read prev and m:
// no RPC in flight or queued now, and no byte read or written since prev
// (a worker restarted in between counts as not quiet).
func (m WorkerMetrics) QuietSince(prev WorkerMetrics) bool {
	return m.ActiveRPCReads == 0 && m.ActiveRPCWrites == 0 && m.RPCQueueLength == 0 &&
		m.BytesRead == prev.BytesRead && m.BytesWritten == prev.BytesWritten
}

// wireMetrics is the servlet's JSON: counters carry "count", gauges
// "value".
type wireMetrics struct {
	Gauges   map[string]struct{ Value *float64 } `json:"gauges"`
	Counters map[string]struct{ Count *float64 } `json:"counters"`
}

// WorkerMetrics reads the worker's activity from its metrics servlet.
// Errors: ErrWorkerUnreachable, ErrBadResponse, ErrInvalidAddress.
func (c *Client) WorkerMetrics(ctx context.Context, worker WorkerAddress) (WorkerMetrics, error) {
	base, err := webBaseURL(worker)
	if err != nil {
		return WorkerMetrics{}, err
	}
	url := base + workerMetricsPath
	var wire wireMetrics
	if err := getJSON(ctx, c.cfg.HTTPClient, url, c.cfg.MaxResponseBytes, ErrWorkerUnreachable, &wire); err != nil {
		return WorkerMetrics{}, fmt.Errorf("read metrics of worker %s: %w", worker.Host, err)
	}
	if wire.Gauges == nil {
		return WorkerMetrics{}, fmt.Errorf("read metrics of worker %s: GET %s has no \"gauges\": not an Alluxio worker's metrics servlet: %w", worker.Host, url, ErrBadResponse)
	}
	// Worker.RpcQueueLength is there from the worker's start: without it
	// the answer is not one to call a worker quiet on.
	queue, ok := sumMetric(wire.Gauges, "Worker.RpcQueueLength", func(v struct{ Value *float64 }) *float64 { return v.Value })
	if !ok {
		return WorkerMetrics{}, fmt.Errorf("read metrics of worker %s: GET %s lacks Worker.RpcQueueLength: %w", worker.Host, url, ErrBadResponse)
	}
	count := func(name string) int64 {
		n, _ := sumMetric(wire.Counters, name, func(v struct{ Count *float64 }) *float64 { return v.Count })
		return n
	}
	return WorkerMetrics{
		ActiveRPCReads: count("Worker.ActiveRpcReadCount"), ActiveRPCWrites: count("Worker.ActiveRpcWriteCount"),
		RPCQueueLength: queue,
		BytesRead:      count("Worker.BytesReadRemote"), BytesWritten: count("Worker.BytesWrittenRemote"),
	}, nil
}

// sumMetric adds up the metric name, bare or with a hostname appended
// ("Worker.ActiveClients.10.0.0.7"), and says whether any was there.
func sumMetric[V any](metrics map[string]V, name string, value func(V) *float64) (int64, bool) {
	var sum float64
	found := false
	for k, v := range metrics {
		if k != name && !strings.HasPrefix(k, name+".") {
			continue
		}
		if p := value(v); p != nil {
			sum += *p
			found = true
		}
	}
	return int64(sum), found
}
