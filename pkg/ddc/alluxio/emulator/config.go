package emulator

import (
	"strings"
	"time"

	"github.com/go-logr/logr"
)

// Alluxio's defaults that the emulator reproduces.
const (
	// DefaultVersion is the Alluxio version emulated when Config.Version is empty.
	DefaultVersion = "2.10.0"
	// DefaultRefreshInterval is alluxio.user.worker.list.refresh.interval's default.
	DefaultRefreshInterval = 2 * time.Minute
	// DefaultWorkerWebPort is alluxio.worker.web.port's default; the
	// decommission CLI uses it when an address has no port.
	DefaultWorkerWebPort = 30000
	// DefaultWorkerCapacityBytes is the MEM tier size of each emulated worker.
	DefaultWorkerCapacityBytes = 1 << 30

	// quietPollsToBeIdle and failedPollsToBeLost are the thresholds of
	// DecommissionWorkerCommand.WorkerStatus.
	quietPollsToBeIdle  = 20
	failedPollsToBeLost = 5
	// defaultIdlePollInterval is the sleep of the CLI's TimeoutRetry.
	defaultIdlePollInterval = time.Second
	// defaultWaitTime is DecommissionWorkerCommand's DEFAULT_WAIT_TIME_MS.
	defaultWaitTime = 5 * time.Minute
	// emulatedRevision stands for the git revision Alluxio prints.
	emulatedRevision = "d5919d8d80ae7bfdd914ade30620d5ca14f3b67a"
)

// Config describes the emulated cluster. The zero value is a 2.10.0
// cluster with Alluxio's default timings.
type Config struct {
	// Version is the Alluxio version, "2.10.0" by default. Versions
	// before 2.10 lack decommissionWorker, enableWorker and the worker's
	// /api/v1/worker/operations endpoint (404).
	Version string
	// RefreshInterval is alluxio.user.worker.list.refresh.interval: how
	// often clients refresh their worker list, and how long
	// decommissionWorker blocks after marking workers decommissioned.
	RefreshInterval time.Duration
	// OperationDuration is how long an operation started on a worker
	// (StartOperations, Client.Op) stays in flight. Default 1s.
	OperationDuration time.Duration
	// IdlePollInterval is how often decommissionWorker polls a worker's
	// operations endpoint (1s in Alluxio). Tests use milliseconds.
	IdlePollInterval time.Duration
	// EnforceWait makes decommissionWorker stop polling after --wait and
	// exit 3 (workers not idle). Alluxio's own code does not enforce it.
	EnforceWait bool
	// WorkerCapacityBytes is each worker's MEM capacity.
	WorkerCapacityBytes int64
	// Logger receives a line per event. Optional.
	Logger logr.Logger
}

func (cfg Config) withDefaults() Config {
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if cfg.OperationDuration <= 0 {
		cfg.OperationDuration = time.Second
	}
	if cfg.IdlePollInterval <= 0 {
		cfg.IdlePollInterval = defaultIdlePollInterval
	}
	if cfg.WorkerCapacityBytes <= 0 {
		cfg.WorkerCapacityBytes = DefaultWorkerCapacityBytes
	}
	if cfg.Logger.GetSink() == nil {
		cfg.Logger = logr.Discard()
	}
	return cfg
}

// hasDecommission reports whether this version ships decommissionWorker,
// enableWorker and the worker operations endpoint (Alluxio PR #17310).
// The real jars on Maven Central show them in open-source 2.9.4 and
// later (2.9.4's alluxio-shell has DecommissionWorkerCommand; 2.9.3's
// does not), so "2.10+" was too strict.
func (cfg Config) hasDecommission() bool {
	major, minor, patch := versionNumbers(cfg.Version)
	return major > 2 || (major == 2 && (minor >= 10 || (minor == 9 && patch >= 4)))
}

// versionNumbers reads "2.10.0" or "2.10.0-SNAPSHOT" as (2, 10, 0); an
// unreadable version counts as the newest, so it has every feature.
func versionNumbers(version string) (major, minor, patch int) {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return 99, 0, 0
	}
	var ok bool
	if major, ok = leadingInt(parts[0]); !ok {
		return 99, 0, 0
	}
	minor, _ = leadingInt(parts[1])
	if len(parts) == 3 {
		patch, _ = leadingInt(parts[2])
	}
	return major, minor, patch
}

func leadingInt(s string) (int, bool) {
	n, digits := 0, 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		digits++
	}
	return n, digits > 0
}

// publishesVCPUs: workers report numVCpu and `report capacity` prints
// "Total vCPUs" (real 2.9.6 does, real 2.9.3 does not; tied to
// hasDecommission for want of the exact version).
func (cfg Config) publishesVCPUs() bool { return cfg.hasDecommission() }

// listsLostAmongWorkers: /api/v1/master/info's "workers" holds every
// worker, lost ones too (real 2.9.3); from 2.9.4 (real 2.9.6) it holds
// live workers only.
func (cfg Config) listsLostAmongWorkers() bool { return !cfg.hasDecommission() }

// hasSecureRPCPort: WorkerNetAddress carries secureRpcPort. Neither real
// 2.9.3 nor 2.9.6 sends it; kept for 2.10+ (not checked on a real 2.10).
func (cfg Config) hasSecureRPCPort() bool {
	major, minor, _ := versionNumbers(cfg.Version)
	return major > 2 || (major == 2 && minor >= 10)
}

// liveState, lostState ... are the worker state strings the master prints
// for this version.
func (cfg Config) liveState() string {
	if cfg.hasDecommission() {
		return "ACTIVE"
	}
	return "In Service"
}

func (cfg Config) lostState() string {
	if cfg.hasDecommission() {
		return "LOST"
	}
	return "Out of Service"
}
