package emulator

import (
	"net/http"
)

// workerHandler serves one worker's web API.
func (c *Cluster) workerHandler(id Worker) http.Handler {
	mux := http.NewServeMux()
	if c.cfg.hasDecommission() {
		// Absent before 2.10: the mux then answers 404, as Alluxio 2.9 does.
		mux.HandleFunc("GET /api/v1/worker/operations", func(w http.ResponseWriter, _ *http.Request) {
			c.mu.Lock()
			ops := workerOperationsJSON{}
			if wk := c.findLocked(id.Host, id.WebPort); wk != nil {
				ops.OperationCount = int64(wk.operationCount())
			}
			c.mu.Unlock()
			writeJSON(w, http.StatusOK, ops)
		})
	}
	// webui_blockinfo exists on every 2.x worker (it backs the web UI).
	mux.HandleFunc("GET /api/v1/worker/webui_blockinfo", c.blockInfoHandler(id))
	return c.withFaults(mux, false)
}
