package emulator

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// masterHandler serves the master's web API and the control API.
func (c *Cluster) masterHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/master/info", c.serveMasterInfo)
	mux.HandleFunc("GET /api/v1/master/version", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.cfg.Version)
	})
	c.registerControlAPI(mux)
	return c.withFaults(mux, true)
}

// withFaults applies the delay of FaultSlowAnswers to Alluxio's own API
// (never to the control API), and on the master the 503 of FaultMasterDown.
func (c *Cluster) withFaults(next http.Handler, isMaster bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, controlPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		if err := sleepCtx(r.Context(), c.delay()); err != nil {
			return
		}
		if isMaster && c.hasFault(FaultMasterDown) {
			http.Error(w, "Service Unavailable: the emulated master is down", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (c *Cluster) serveMasterInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, c.masterInfo())
}

func (c *Cluster) masterInfo() masterInfoJSON {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	info := masterInfoJSON{
		Configuration: map[string]string{
			"alluxio.version": c.cfg.Version,
			"alluxio.user.worker.list.refresh.interval": alluxioDuration(c.cfg.RefreshInterval),
			"alluxio.worker.web.port":                   strconv.Itoa(DefaultWorkerWebPort),
		},
		LostWorkers: []workerInfoJSON{},
		Metrics:     map[string]int64{},
		MountPoints: map[string]mountJSON{"/": {UfsURI: "/underFSStorage", UfsType: "local"}},
		RPCAddress:  masterRPCAddress(c.masterAddr),
		StartTimeMs: c.startTime.UnixMilli(),
		UptimeMs:    now.Sub(c.startTime).Milliseconds(),
		Version:     c.cfg.Version,
		Revision:    emulatedRevision,
		Workers:     []workerInfoJSON{},
	}
	for _, wk := range c.workers {
		switch wk.state {
		case WorkerLive:
			j := c.workerInfoLocked(wk, now)
			info.Workers = append(info.Workers, j)
			info.Capacity.Total += j.CapacityBytes
			info.Capacity.Used += j.UsedBytes
		case WorkerLost:
			j := c.workerInfoLocked(wk, now)
			info.LostWorkers = append(info.LostWorkers, j)
			if c.cfg.listsLostAmongWorkers() {
				info.Workers = append(info.Workers, j)
			}
		}
	}
	info.TierCapacity = map[string]capacityJSON{"MEM": info.Capacity}
	return info
}

// workerInfoLocked is alluxio.wire.WorkerInfo for one worker.
func (c *Cluster) workerInfoLocked(w *worker, now time.Time) workerInfoJSON {
	used := c.usedBytesLocked(w)
	j := workerInfoJSON{
		Address: workerNetAddressJSON{
			Host: w.Host, RPCPort: w.RPCPort, DataPort: w.RPCPort, WebPort: w.WebPort,
			TieredIdentity: tieredIdentityJSON{Tiers: []localityTierJSON{{TierName: "node", Value: w.Host}}},
		},
		CapacityBytes:        c.cfg.WorkerCapacityBytes,
		CapacityBytesOnTiers: map[string]int64{"MEM": c.cfg.WorkerCapacityBytes},
		ID:                   w.ID,
		StartTimeMs:          w.startTime.UnixMilli(),
		State:                c.stateStringLocked(w),
		UsedBytes:            used,
		UsedBytesOnTiers:     map[string]int64{"MEM": used},
		Version:              c.cfg.Version,
		Revision:             emulatedRevision,
	}
	if w.state == WorkerLost {
		j.LastContactSec = int64(now.Sub(w.removedAt).Seconds())
	}
	j.BlockCount = int64(len(c.cachedFilesLocked(w)))
	if c.cfg.publishesVCPUs() {
		n := runtime.NumCPU()
		j.NumVCPU = &n
	}
	if c.cfg.hasSecureRPCPort() {
		j.Address.SecureRPCPort = new(int32)
	}
	return j
}

// stateStringLocked is the worker state as this Alluxio version prints it.
func (c *Cluster) stateStringLocked(w *worker) string {
	switch w.state {
	case WorkerLive:
		return c.cfg.liveState()
	case WorkerLost:
		return c.cfg.lostState()
	default:
		if c.rejected[w.Address()] {
			return "Disabled"
		}
		return "Decommissioned"
	}
}

// masterRPCAddress is how Alluxio prints its rpc address: host/ip:port.
func masterRPCAddress(webAddr string) string {
	host := webAddr
	if i := strings.LastIndex(webAddr, ":"); i >= 0 {
		host = webAddr[:i]
	}
	return host + "/" + host + ":19998"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
