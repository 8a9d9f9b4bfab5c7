package operations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	. "github.com/onsi/gomega"
)

// Shapes of a real 2.9.0 worker's /metrics/json/ (hack/alluxio/README.md):
// fresh, the activity counters do not exist yet; after I/O they carry the
// worker's hostname; ActiveClients stays up after the clients left.
const (
	freshWorkerMetrics = `{"version":"4.0.0","gauges":{"Worker.RpcQueueLength":{"value":0},"Worker.RpcThreadActiveCount":{"value":0},
		"Worker.BlockReaderThreadActiveCount.127.0.0.231":{"value":0}},"counters":{"Worker.BlocksCached.127.0.0.231":{"count":0}},"meters":{},"timers":{}}`
	usedWorkerMetrics = `{"gauges":{"Worker.RpcQueueLength":{"value":0}},"counters":{
		"Worker.ActiveClients.127.0.0.231":{"count":2},"Worker.ActiveRpcReadCount.127.0.0.231":{"count":0},
		"Worker.ActiveRpcWriteCount.127.0.0.231":{"count":0},"Worker.BytesReadRemote.127.0.0.231":{"count":1.048576e+06},
		"Worker.BytesWrittenRemote.127.0.0.231":{"count":2.097152e+06}},
		"meters":{"Worker.BytesReadRemoteThroughput.127.0.0.231":{"count":5}}}`
	busyWorkerMetrics = `{"gauges":{"Worker.RpcQueueLength":{"value":3}},"counters":{"Worker.ActiveRpcReadCount.127.0.0.231":{"count":1},
		"Worker.BytesReadRemote.127.0.0.231":{"count":1.048576e+06},"Worker.BytesWrittenRemote.127.0.0.231":{"count":2.097152e+06}}}`
)

func metricsServer(t *testing.T, body *string) WorkerAddress {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != workerMetricsPath {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(*body))
	}))
	t.Cleanup(srv.Close)
	return addressOf(t, srv.Listener.Addr())
}

func TestWorkerMetricsReadsA290Worker(t *testing.T) {
	g := NewWithT(t)
	body := freshWorkerMetrics
	addr := metricsServer(t, &body)
	c := newTestClient(t, "", LocalExecutor{})

	fresh, err := c.WorkerMetrics(context.Background(), addr)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fresh).To(Equal(WorkerMetrics{}), "counters absent before the first I/O count as 0")

	body = usedWorkerMetrics
	used, err := c.WorkerMetrics(context.Background(), addr)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(used).To(Equal(WorkerMetrics{BytesRead: 1 << 20, BytesWritten: 2 << 20}))
	g.Expect(used.QuietSince(fresh)).To(BeFalse(), "bytes moved since the last read")
	g.Expect(used.QuietSince(used)).To(BeTrue(), "ActiveClients 2 is not activity: it never falls")

	body = busyWorkerMetrics
	busy, err := c.WorkerMetrics(context.Background(), addr)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(busy.ActiveRPCReads).To(Equal(int64(1)))
	g.Expect(busy.RPCQueueLength).To(Equal(int64(3)))
	g.Expect(busy.QuietSince(busy)).To(BeFalse())
}

func TestWorkerMetricsRefusesWhatIsNotAWorkersMetrics(t *testing.T) {
	for _, body := range []string{`{}`, `{"gauges":{}}`, `[]`} {
		t.Run(body, func(t *testing.T) {
			g := NewWithT(t)
			b := body
			_, err := newTestClient(t, "", LocalExecutor{}).WorkerMetrics(context.Background(), metricsServer(t, &b))
			g.Expect(err).To(MatchError(ErrBadResponse))
		})
	}
}
