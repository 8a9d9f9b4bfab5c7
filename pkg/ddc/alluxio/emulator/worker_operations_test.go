package emulator

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func getOperations(w Worker) (int, workerOperationsJSON, error) {
	var ops workerOperationsJSON
	resp, err := http.Get(w.URL() + "/api/v1/worker/operations")
	if err != nil {
		return 0, ops, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusOK {
		err = json.NewDecoder(resp.Body).Decode(&ops)
	}
	return resp.StatusCode, ops, err
}

func TestWorkerOperationsEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name       string
		version    string
		operations int
		busy       bool
		wantStatus int
		wantCount  int64
	}{
		{name: "idle worker", version: "2.10.0", wantStatus: http.StatusOK, wantCount: 0},
		{name: "operations in flight", version: "2.10.0", operations: 3, wantStatus: http.StatusOK, wantCount: 3},
		{name: "busy worker", version: "2.10.0", busy: true, wantStatus: http.StatusOK, wantCount: 1},
		{name: "2.9.3 has no such endpoint", version: "2.9.3", wantStatus: http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := fastConfig(tc.version)
			cfg.OperationDuration = time.Hour
			c := newCluster(t, cfg)
			w := addWorker(t, c, "127.0.0.1")
			c.StartOperations(w.Host, w.WebPort, tc.operations)
			c.SetBusy(w.Host, w.WebPort, tc.busy)

			status, ops, err := getOperations(w)

			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(status).To(Equal(tc.wantStatus))
			g.Expect(ops).To(Equal(workerOperationsJSON{OperationCount: tc.wantCount}))
		})
	}
}

func TestOperationsFinishAfterOperationDuration(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.0.1")
	c.StartOperations(w.Host, w.WebPort, 2)

	g.Eventually(func() int64 { _, ops, _ := getOperations(w); return ops.OperationCount }, "10s", "5ms").
		Should(BeZero())
}

func TestRemovedWorkerRefusesConnections(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.0.1")

	c.RemoveWorker(w.Host, w.WebPort)

	_, _, err := getOperations(w)
	g.Expect(err).To(HaveOccurred())
	g.Expect(state(c, w)).To(Equal(WorkerLost))
}
