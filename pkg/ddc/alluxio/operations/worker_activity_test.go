package operations

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// workerServer serves /api/v1/worker/operations on 127.0.0.1 and returns
// the address to reach it.
func workerServer(t *testing.T, status int, body string) WorkerAddress {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != workerOperationsPath {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return addressOf(t, srv.Listener.Addr())
}

func addressOf(t *testing.T, addr net.Addr) WorkerAddress {
	t.Helper()
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return WorkerAddress{Host: host, WebPort: int32(p)}
}

func TestWorkerActivity(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		want     Activity
		wantIdle bool
	}{
		{"still draining: operations in flight", `{"operationCount": 3, "rpcQueueLength": 0}`, Activity{OperationCount: 3}, false},
		{"still draining: rpc queue", `{"operationCount": 0, "rpcQueueLength": 2}`, Activity{RPCQueueLength: 2}, false},
		{"drained", `{"operationCount": 0, "rpcQueueLength": 0}`, Activity{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			worker := workerServer(t, http.StatusOK, tt.body)
			c := newTestClient(t, "", &fakeExecutor{})

			got, err := c.WorkerActivity(context.Background(), worker)

			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
			g.Expect(got.Idle()).To(Equal(tt.wantIdle))
		})
	}
}

func TestWorkerActivityOnAlluxioBefore210IsUnsupported(t *testing.T) {
	g := NewWithT(t)
	worker := workerServer(t, http.StatusNotFound, "")
	c := newTestClient(t, "", &fakeExecutor{})

	_, err := c.WorkerActivity(context.Background(), worker)

	g.Expect(err).To(MatchError(ErrActivityUnsupported))
	g.Expect(err).To(MatchError(ErrUnsupported))
}

func TestWorkerActivityRejectsBadAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"missing rpcQueueLength must not read as idle", http.StatusOK, `{"operationCount": 0}`},
		{"empty object must not read as idle", http.StatusOK, `{}`},
		{"count is a string", http.StatusOK, `{"operationCount": "0", "rpcQueueLength": 0}`},
		{"malformed", http.StatusOK, `{"operationCount": 0,`},
		{"server error", http.StatusServiceUnavailable, `busy`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			worker := workerServer(t, tt.status, tt.body)
			c := newTestClient(t, "", &fakeExecutor{})

			_, err := c.WorkerActivity(context.Background(), worker)

			g.Expect(err).To(MatchError(ErrBadResponse))
		})
	}
}

func TestWorkerActivityOfAGoneWorkerIsUnreachable(t *testing.T) {
	g := NewWithT(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	gone := addressOf(t, l.Addr())
	g.Expect(l.Close()).To(Succeed())
	c := newTestClient(t, "", &fakeExecutor{})

	_, err = c.WorkerActivity(context.Background(), gone)

	g.Expect(err).To(MatchError(ErrWorkerUnreachable))
}

func TestWorkerActivityTimesOut(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	c := newTestClient(t, "", &fakeExecutor{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := c.WorkerActivity(ctx, addressOf(t, srv.Listener.Addr()))

	g.Expect(err).To(MatchError(ErrWorkerUnreachable))
	g.Expect(err.Error()).To(ContainSubstring("timed out"))
}

func TestWorkerActivityRefusesHostileHostWithoutDialing(t *testing.T) {
	g := NewWithT(t)
	c := newTestClient(t, "", &fakeExecutor{})

	_, err := c.WorkerActivity(context.Background(), WorkerAddress{Host: "127.0.0.1/evil?x=", WebPort: 30000})

	g.Expect(err).To(MatchError(ErrInvalidAddress))
}
