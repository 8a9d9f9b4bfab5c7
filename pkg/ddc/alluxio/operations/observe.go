package operations

import (
	"context"
	"fmt"
	"time"
)

// masterInfoPath is AlluxioMasterRestServiceHandler's GET_INFO endpoint.
const masterInfoPath = "/api/v1/master/info"

// wireMasterInfo is the part of alluxio.wire.AlluxioMasterInfo we read.
// Jackson names fields after the getters: getWorkers -> "workers",
// getLostWorkers -> "lostWorkers", getVersion -> "version".
type wireMasterInfo struct {
	Version string `json:"version"`
	// StartTimeMs is when this master process started (getStartTimeMs).
	StartTimeMs int64 `json:"startTimeMs"`
	// A pointer tells a master with no workers ([]) from an answer that
	// is not an Alluxio master's at all (no field).
	Workers     *[]wireWorkerInfo `json:"workers"`
	LostWorkers []wireWorkerInfo  `json:"lostWorkers"` // absent before Alluxio 2.x: none lost
}

// wireWorkerInfo is alluxio.wire.WorkerInfo.
type wireWorkerInfo struct {
	ID             int64             `json:"id"`
	Address        wireWorkerAddress `json:"address"`
	LastContactSec int64             `json:"lastContactSec"`
	State          string            `json:"state"`
	CapacityBytes  int64             `json:"capacityBytes"`
	UsedBytes      int64             `json:"usedBytes"`
	BlockCount     int64             `json:"blockCount"` // sent by 2.9.3 and 2.9.6; 0 when absent
}

// wireWorkerAddress is alluxio.wire.WorkerNetAddress.
type wireWorkerAddress struct {
	Host          string `json:"host"`
	ContainerHost string `json:"containerHost"`
	RPCPort       int32  `json:"rpcPort"`
	WebPort       int32  `json:"webPort"`
}

// Observe reads the master's view of the cluster from its REST endpoint,
// which is cheaper and steadier than parsing `fsadmin report` text.
func (c *Client) Observe(ctx context.Context) (*ClusterInfo, error) {
	info, err := c.masterInfo(ctx)
	if err != nil {
		return nil, err
	}
	started := time.Time{}
	if info.StartTimeMs > 0 {
		started = time.UnixMilli(info.StartTimeMs).UTC()
	}
	return &ClusterInfo{
		Version:   info.Version,
		StartedAt: started,
		Live:      toWorkerInfos(withoutLost(*info.Workers, info.LostWorkers)),
		Lost:      toWorkerInfos(info.LostWorkers),
	}, nil
}

func (c *Client) masterInfo(ctx context.Context) (*wireMasterInfo, error) {
	url := c.masterURL.String() + masterInfoPath
	var info wireMasterInfo
	if err := getJSON(ctx, c.cfg.HTTPClient, url, c.cfg.MaxResponseBytes, ErrMasterUnreachable, &info); err != nil {
		return nil, fmt.Errorf("observe alluxio master: %w", err)
	}
	if info.Workers == nil {
		return nil, fmt.Errorf("observe alluxio master: GET %s has no \"workers\" field: check that MasterWebURL points at the master's web port (default 19999): %w", url, ErrBadResponse)
	}
	return &info, nil
}

// withoutLost drops lost workers from "workers": Alluxio 2.9.3 lists
// every worker there, lost ones too (also in "lostWorkers", state
// "Out of Service"); 2.9.6 lists live ones only.
func withoutLost(workers, lost []wireWorkerInfo) []wireWorkerInfo {
	if len(lost) == 0 {
		return workers
	}
	lostIDs := make(map[int64]bool, len(lost))
	for _, w := range lost {
		lostIDs[w.ID] = true
	}
	out := make([]wireWorkerInfo, 0, len(workers))
	for _, w := range workers {
		if !lostIDs[w.ID] {
			out = append(out, w)
		}
	}
	return out
}

func toWorkerInfos(wire []wireWorkerInfo) []WorkerInfo {
	if len(wire) == 0 {
		return nil
	}
	out := make([]WorkerInfo, 0, len(wire))
	for _, w := range wire {
		out = append(out, WorkerInfo{
			ID: w.ID,
			Address: WorkerAddress{
				Host:          w.Address.Host,
				ContainerHost: w.Address.ContainerHost,
				RPCPort:       w.Address.RPCPort,
				WebPort:       w.Address.WebPort,
			},
			State:          w.State,
			LastContactSec: w.LastContactSec,
			CapacityBytes:  w.CapacityBytes,
			UsedBytes:      w.UsedBytes,
			BlockCount:     w.BlockCount,
		})
	}
	return out
}
