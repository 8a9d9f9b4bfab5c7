// Package emulator is an in-process stand-in for an Alluxio 2.x cluster,
// faithful enough that the scale-in controller's everyday tests can run
// against it instead of real Alluxio.
//
// It emulates what the controller touches, as Alluxio does it:
//
//   - the master's web API, GET /api/v1/master/info (live workers in
//     "workers", lost ones in "lostWorkers", decommissioned ones in
//     neither; field names as Alluxio's wire classes serialise them);
//   - each worker's web API on its own host:webPort, in particular
//     GET /api/v1/worker/operations, which answers 404 before 2.9.4;
//   - the `alluxio` CLI (RunCLI): `version`, `fsadmin report capacity`,
//     `fsadmin decommissionWorker` and `fsadmin enableWorker`, with
//     Alluxio's output text and exit codes. decommissionWorker takes the
//     worker off the live list at once, then blocks for RefreshInterval
//     (alluxio.user.worker.list.refresh.interval), then polls the worker's
//     operations endpoint over HTTP until it was idle for 20 polls in a
//     row (exit 0), or failed 5 polls in a row (exit 10). As in Alluxio's
//     source, --wait is parsed but not enforced (it is handed to
//     TimeoutRetry as a duration although it is a deadline), unless
//     Config.EnforceWait is set, which makes exit 3 reachable.
//
// Alongside, a control API under /emulator/v1/ (served by the master)
// lets other processes drive the cluster: the `alluxio` shim in
// cmd/alluxio POSTs its arguments to /emulator/v1/cli, and
// cmd/alluxio-emulator serves a whole cluster for end-to-end tests.
//
// # Go API
//
//	c := emulator.New(emulator.Config{RefreshInterval: 200 * time.Millisecond})
//	defer c.Close()
//	_ = c.StartMaster("127.0.0.1:0")             // c.MasterURL() is the real address
//	w, _ := c.AddWorker("127.0.1.5", 29999, 0)   // port 0: a free web port, see w.WebPort
//	c.StartOperations(w.Host, w.WebPort, 3)      // 3 operations in flight for OperationDuration
//	code := c.RunCLI(ctx, []string{"fsadmin", "decommissionWorker", "-a", w.Address()}, os.Stdout, os.Stderr)
//	snap, _ := c.Worker(w.Host, w.WebPort)       // State, DecommissionedAt, OperationsInFlight ...
//	c.RemoveWorker(w.Host, w.WebPort)            // the pod is gone: server stops, master marks it lost
//	violations := c.Violations()                 // ops sent to a removed worker, data lost with it
//
// # Workload and routing
//
// A Client stands for an Alluxio client: it keeps the master's live
// worker list and refreshes it only every RefreshInterval, so it can
// still send work to a worker decommissioned since its last refresh, as
// real clients do. Client.Op (or Cluster.ClientOp with the cluster's own
// client) routes one operation to a worker of its cached list, round
// robin, and records it. An operation routed to a worker that was already
// removed is a violation; so is removing a worker that held the only copy
// of a file not yet persisted (WriteFile, PersistAll).
//
// # Faults
//
// InjectFault makes the master answer 503 or refuse connections, slows
// every answer, or makes a CLI command fail with a given exit code a
// number of times. ClearFaults undoes them.
//
// # Deliberate simplifications
//
//   - Versions: test/conformance checks the emulator against real 2.9.3
//     and 2.9.6 (hack/alluxio/README.md). From 2.9.4 on (decommission
//     backported to 2.9.4): decommissionWorker, enableWorker, the worker
//     operations endpoint, states "ACTIVE"/"LOST"/"Decommissioned"/
//     "Disabled", numVCpu and "Total vCPUs", a State column in `report
//     capacity`, "workers" holds live workers only. Before (2.9.3): none
//     of these, states "In Service"/"Out of Service", and "workers" also
//     holds the lost workers. 2.10 is emulated like 2.9.6 (plus
//     secureRpcPort), unchecked: no 2.10 exists on Maven Central.
//   - enableWorker only lets a worker register again: a decommissioned
//     worker that kept running stays decommissioned until its process
//     restarts (AddWorker after RemoveWorker), as on real 2.9.6.
//   - decommissionWorker matches a worker by host, as Alluxio does; only
//     when several live workers share a host (never the case in a real
//     deployment, common in tests) the web port picks among them.
//   - A decommissioned worker whose process is removed stays
//     decommissioned (in neither workers nor lostWorkers), as on real
//     2.9.6.
//   - Capacity is one MEM tier per worker (Config.WorkerCapacityBytes).
//   - No block metadata REST (webui_blockinfo) and no metrics endpoint.
package emulator
