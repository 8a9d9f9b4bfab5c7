package operations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// alluxio29MasterInfo is shaped like Alluxio 2.9's answer (Jackson, field
// names from the getters), trimmed: one live worker, one lost.
const alluxio29MasterInfo = `{
  "capacity": {"total": 4294967296, "used": 1073741824},
  "configuration": {"alluxio.master.hostname": "192.168.1.5"},
  "lostWorkers": [{
    "address": {"containerHost": "", "dataPort": 29999, "domainSocketPath": "", "host": "192.168.1.12",
                "nettyDataPort": 29999, "rpcPort": 29999, "secureRpcPort": 0,
                "tieredIdentity": {"tiers": [{"tierName": "node", "value": "192.168.1.12"}]}, "webPort": 30000},
    "capacityBytes": 2147483648, "capacityBytesOnTiers": {"MEM": 2147483648}, "id": 9,
    "lastContactSec": 412, "startTimeMs": 1700000000000, "state": "Out of Service",
    "usedBytes": 0, "usedBytesOnTiers": {"MEM": 0}
  }],
  "metrics": {"Master.TotalPaths": 42},
  "mountPoints": {},
  "rpcAddress": "192.168.1.5:19998",
  "startTimeMs": 1700000000000,
  "tierCapacity": {"MEM": {"total": 4294967296, "used": 1073741824}},
  "ufsCapacity": {"total": 0, "used": 0},
  "uptimeMs": 123456,
  "version": "2.9.3",
  "workers": [{
    "address": {"containerHost": "10.244.1.7", "dataPort": 29999, "domainSocketPath": "", "host": "192.168.1.11",
                "nettyDataPort": 29999, "rpcPort": 29999, "secureRpcPort": 0,
                "tieredIdentity": {"tiers": [{"tierName": "node", "value": "192.168.1.11"}]}, "webPort": 30000},
    "blockCount": 17, "capacityBytes": 2147483648, "capacityBytesOnTiers": {"MEM": 2147483648}, "id": 3,
    "lastContactSec": 0, "startTimeMs": 1700000000000, "state": "In Service",
    "usedBytes": 1073741824, "usedBytesOnTiers": {"MEM": 1073741824}
  }]
}`

func TestObserveReadsLiveAndLostWorkers(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, http.StatusOK, alluxio29MasterInfo)
	c := newTestClient(t, master.URL, &fakeExecutor{})

	info, err := c.Observe(context.Background())

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Version).To(Equal("2.9.3"))
	g.Expect(info.StartedAt).To(Equal(time.UnixMilli(1700000000000).UTC()), "the master's start time tells a worker that never registered from one a restarted master has not heard from yet")
	g.Expect(info.Live).To(Equal([]WorkerInfo{{
		ID:             3,
		Address:        WorkerAddress{Host: "192.168.1.11", ContainerHost: "10.244.1.7", RPCPort: 29999, WebPort: 30000},
		State:          "In Service",
		LastContactSec: 0,
		CapacityBytes:  2147483648,
		UsedBytes:      1073741824,
		BlockCount:     17,
	}}))
	g.Expect(info.Lost).To(HaveLen(1))
	g.Expect(info.Lost[0].Address.Host).To(Equal("192.168.1.12"))
	g.Expect(info.Lost[0].LastContactSec).To(Equal(int64(412)))
}

func TestObserveWithoutWorkers(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, http.StatusOK, `{"version":"2.10.0","workers":[]}`)
	c := newTestClient(t, master.URL, &fakeExecutor{})

	info, err := c.Observe(context.Background())

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Live).To(BeEmpty())
	g.Expect(info.Lost).To(BeEmpty())
}

func TestObserveRejectsAnswersThatAreNotAlluxios(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantText string
	}{
		{"server error", http.StatusInternalServerError, "master is starting", "500"},
		{"not found", http.StatusNotFound, "no such page", "404"},
		{"malformed JSON", http.StatusOK, `{"workers": [`, "not valid JSON"},
		{"html page", http.StatusOK, `<html>hello</html>`, "not valid JSON"},
		{"id is a string", http.StatusOK, `{"workers":[{"id":"three"}]}`, `"workers.id"`},
		{"web port is a string", http.StatusOK, `{"workers":[{"address":{"host":"a","webPort":"30000"}}]}`, `"workers.address.webPort"`},
		{"workers is an object", http.StatusOK, `{"workers":{}}`, `"workers"`},
		{"no workers field", http.StatusOK, `{"version":"2.9.3"}`, `no "workers" field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			master := masterInfoServer(t, tt.status, tt.body)
			c := newTestClient(t, master.URL, &fakeExecutor{})

			_, err := c.Observe(context.Background())

			g.Expect(err).To(MatchError(ErrBadResponse))
			g.Expect(err.Error()).To(ContainSubstring(tt.wantText))
		})
	}
}

func TestObserveCutsOffAnEndlessBody(t *testing.T) {
	g := NewWithT(t)
	const hundredMB = 100 << 20
	var served atomic.Int64
	handlerDone := make(chan struct{})
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		defer close(handlerDone)
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(`{"workers":[` + strings.Repeat(" ", 64<<10))
		for served.Load() < hundredMB {
			n, err := w.Write(chunk)
			served.Add(int64(n))
			if err != nil {
				return
			}
			chunk = []byte(strings.Repeat(" ", 64<<10))
		}
	}))
	defer master.Close()
	c := newTestClient(t, master.URL, &fakeExecutor{})

	_, err := c.Observe(context.Background())

	g.Expect(err).To(MatchError(ErrBadResponse))
	g.Expect(err.Error()).To(ContainSubstring("larger than 8388608 bytes"))
	g.Eventually(handlerDone, 5*time.Second).Should(BeClosed())
	g.Expect(served.Load()).To(BeNumerically("<", hundredMB/2), "the client stopped reading long before the end")
}

func TestObserveTimesOut(t *testing.T) {
	g := NewWithT(t)
	master := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer master.Close()
	c := newTestClient(t, master.URL, &fakeExecutor{})
	c.cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}

	start := time.Now()
	_, err := c.Observe(context.Background())

	g.Expect(err).To(MatchError(ErrMasterUnreachable))
	g.Expect(err.Error()).To(ContainSubstring("timed out"))
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no executor", Config{MasterWebURL: "http://127.0.0.1:19999"}},
		{"no master URL", Config{Executor: &fakeExecutor{}}},
		{"master URL without scheme", Config{Executor: &fakeExecutor{}, MasterWebURL: "127.0.0.1:19999"}},
		{"master URL with another scheme", Config{Executor: &fakeExecutor{}, MasterWebURL: "ftp://127.0.0.1:19999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := NewClient(tt.cfg)
			g.Expect(err).To(HaveOccurred())
		})
	}
}

func TestNewClientFillsDefaults(t *testing.T) {
	g := NewWithT(t)
	c, err := NewClient(Config{Executor: &fakeExecutor{}, MasterWebURL: "http://127.0.0.1:19999/"})

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.cfg.Container).To(Equal("alluxio-master"))
	g.Expect(c.cfg.DecommissionAcceptWindow).To(Equal(10 * time.Second))
	g.Expect(c.cfg.HTTPClient.Timeout).To(BeNumerically(">", 0), "no REST call can hang forever")
	g.Expect(c.masterURL.String() + masterInfoPath).To(Equal("http://127.0.0.1:19999/api/v1/master/info"))
}
