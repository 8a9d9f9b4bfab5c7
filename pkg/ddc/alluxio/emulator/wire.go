package emulator

// JSON shapes of Alluxio's web API, with the field names Jackson gives
// Alluxio's wire classes (alluxio.wire.AlluxioMasterInfo, WorkerInfo,
// WorkerNetAddress, Capacity, WorkerWebUIOperations).

type masterInfoJSON struct {
	Capacity      capacityJSON            `json:"capacity"`
	Configuration map[string]string       `json:"configuration"`
	LostWorkers   []workerInfoJSON        `json:"lostWorkers"`
	Metrics       map[string]int64        `json:"metrics"`
	MountPoints   map[string]mountJSON    `json:"mountPoints"`
	RPCAddress    string                  `json:"rpcAddress"`
	StartTimeMs   int64                   `json:"startTimeMs"`
	TierCapacity  map[string]capacityJSON `json:"tierCapacity"`
	UfsCapacity   capacityJSON            `json:"ufsCapacity"`
	UptimeMs      int64                   `json:"uptimeMs"`
	Revision      string                  `json:"revision"`
	Version       string                  `json:"version"`
	Workers       []workerInfoJSON        `json:"workers"`
}

type capacityJSON struct {
	Total int64 `json:"total"`
	Used  int64 `json:"used"`
}

type mountJSON struct {
	UfsURI      string `json:"ufsUri"`
	UfsType     string `json:"ufsType"`
	ReadOnly    bool   `json:"readOnly"`
	Shared      bool   `json:"shared"`
	UfsCapacity int64  `json:"ufsCapacityBytes"`
	UfsUsed     int64  `json:"ufsUsedBytes"`
}

type workerInfoJSON struct {
	Address              workerNetAddressJSON `json:"address"`
	CapacityBytes        int64                `json:"capacityBytes"`
	CapacityBytesOnTiers map[string]int64     `json:"capacityBytesOnTiers"`
	ID                   int64                `json:"id"`
	LastContactSec       int64                `json:"lastContactSec"`
	StartTimeMs          int64                `json:"startTimeMs"`
	State                string               `json:"state"`
	UsedBytes            int64                `json:"usedBytes"`
	UsedBytesOnTiers     map[string]int64     `json:"usedBytesOnTiers"`
	Version              string               `json:"version"`
	Revision             string               `json:"revision"`
	// BlockCount is sent by real 2.9.3 and 2.9.6 alike.
	BlockCount int64 `json:"blockCount"`
	// NumVCPU is sent by real 2.9.6, not by 2.9.3 (see publishesVCPUs).
	NumVCPU *int `json:"numVCpu,omitempty"`
}

type workerNetAddressJSON struct {
	Host             string             `json:"host"`
	ContainerHost    string             `json:"containerHost"`
	RPCPort          int32              `json:"rpcPort"`
	DataPort         int32              `json:"dataPort"`
	WebPort          int32              `json:"webPort"`
	SecureRPCPort    *int32             `json:"secureRpcPort,omitempty"` // see hasSecureRPCPort
	DomainSocketPath string             `json:"domainSocketPath"`
	TieredIdentity   tieredIdentityJSON `json:"tieredIdentity"`
}

type tieredIdentityJSON struct {
	Tiers []localityTierJSON `json:"tiers"`
}

type localityTierJSON struct {
	TierName string `json:"tierName"`
	Value    string `json:"value"`
}

type workerOperationsJSON struct {
	OperationCount int64 `json:"operationCount"`
	RPCQueueLength int64 `json:"rpcQueueLength"`
}
