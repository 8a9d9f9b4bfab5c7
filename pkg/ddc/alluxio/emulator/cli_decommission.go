package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exit codes of decommissionWorker (DecommissionWorkerCommand.ReturnCode).
const (
	ExitOK                   = 0
	ExitDecommissionFailed   = 1
	ExitLostMasterConnection = 2
	ExitWorkersNotIdle       = 3
	ExitLostSomeWorkers      = 10
	// ExitShellError is Java's `return -1`: bad arguments, an address
	// that matches no live worker, an unknown fsadmin command.
	ExitShellError = exitShellError
)

const (
	msgOK = "All workers are successfully decommissioned and now idle. Safe to kill or " +
		"restart this batch of workers now."
	msgDecommissionFailed = "Failed to decommission all workers. " +
		"The admin should double check the worker addresses and the primary master status."
	refreshIntervalKey = "alluxio.user.worker.list.refresh.interval"
)

// pollClient reads workers' operations endpoints; no keep-alive, so a
// removed worker is seen as refusing connections at once.
var pollClient = &http.Client{
	Timeout:   5 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
}

// decommissionWorkerCmd follows DecommissionWorkerCommand.run: mark the
// workers decommissioned on the master, block for the clients' refresh
// interval, then poll each worker until idle 20 times in a row.
func (c *Cluster) decommissionWorkerCmd(ctx context.Context, opts parsedOptions, stdout, stderr io.Writer) int {
	wait := defaultWaitTime
	if v, ok := opts.values["wait"]; ok {
		d, err := parseTimeSize(v)
		if err != nil {
			fmt.Fprintln(stdout, err.Error())
			return exitShellError
		}
		wait = d
	}
	if err := c.callMaster(ctx); err != nil {
		if ctx.Err() != nil {
			return interrupted(stderr)
		}
		fmt.Fprintf(stderr, "Cannot get available worker list from master: %s\n", err)
		return ExitLostMasterConnection
	}
	available := c.liveWorkers()

	waiting, failed, code, done := c.sendDecommission(ctx, opts, available, stdout, stderr)
	if done {
		return code
	}
	fmt.Fprintf(stdout, "Sent decommission messages to the master, %d failed and %d succeeded\n", len(failed), len(waiting))
	fmt.Fprintf(stdout, "Failed ones: %s\n", javaList(addresses(failed)))
	if len(waiting) == 0 {
		fmt.Fprintln(stdout, msgDecommissionFailed)
		return ExitDecommissionFailed
	}

	if err := c.verifyFromMasterAndWait(ctx, waiting, stdout, stderr); err != nil {
		return interrupted(stderr)
	}

	start := time.Now()
	result, err := c.waitForIdle(ctx, waiting, start.Add(wait), stdout, stderr)
	if err != nil {
		return interrupted(stderr)
	}
	fmt.Fprintf(stdout, "Waited %d minutes for workers to be idle\n", int(time.Since(start).Minutes()))
	return result.report(stdout)
}

// sendDecommission sends one DecommissionWorker RPC per address. As in
// Alluxio, an address matching no live worker aborts the command (exit
// 255) after the addresses before it were already decommissioned.
func (c *Cluster) sendDecommission(ctx context.Context, opts parsedOptions, available []Worker,
	stdout, stderr io.Writer) (waiting, failed []Worker, code int, done bool) {
	addrs, err := parseWorkerAddresses(opts.values["addresses"])
	if err != nil {
		fmt.Fprintln(stdout, err.Error())
		return nil, nil, exitShellError, true
	}
	canRegisterAgain := !opts.has("disable")
	for _, a := range addrs {
		fmt.Fprintf(stdout, "Decommissioning worker %s\n", a.Address())
		target, ok := matchWorker(a, available)
		if !ok {
			fmt.Fprintf(stdout, "Worker %s is not known by the master. Please check the hostname or retry later. "+
				"Available workers are: %s\n", a.Host, tabbedAddresses(available))
			return nil, nil, exitShellError, true
		}
		if err := c.callMaster(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, nil, interrupted(stderr), true
			}
			fmt.Fprintf(stderr, "Failed to decommission worker %s\n%s\n", target.Address(), err)
			failed = append(failed, target)
			continue
		}
		c.mu.Lock()
		if w := c.findLocked(target.Host, target.WebPort); w != nil {
			c.decommissionLocked(w, canRegisterAgain)
		}
		c.mu.Unlock()
		fmt.Fprintf(stdout, "Set worker %s decommissioned on master\n", target.Address())
		if !containsWorker(waiting, target) {
			waiting = append(waiting, target)
		}
	}
	return waiting, failed, 0, false
}

// verifyFromMasterAndWait blocks for the refresh interval so every client
// drops the workers, then checks they are off the master's live list.
func (c *Cluster) verifyFromMasterAndWait(ctx context.Context, removed []Worker, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "Clients take %s=%s to be updated on the new worker list so this command "+
		"will block for the same amount of time to ensure the update propagates to clients "+
		"in the cluster.\n", refreshIntervalKey, alluxioDuration(c.cfg.RefreshInterval))
	if err := sleepCtx(ctx, c.cfg.RefreshInterval); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Verifying the decommission has taken effect by listing all available workers on the master")
	if err := c.callMaster(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(stderr, "Failed to refresh the available worker list from master: %s\n", err)
		fmt.Fprintln(stderr, "The command will skip this check and continue. If we observe the workers become idle, "+
			"that suggests the decommission is successful and no clients will be using this batch of workers, "+
			"and this error can be ignored.")
		return nil
	}
	live := c.liveWorkers()
	list := "[]"
	if len(live) > 0 {
		list = "\n" + javaList(addresses(live))
	}
	fmt.Fprintf(stdout, "Now on master the available workers are: %s\n", list)
	for _, w := range live {
		if containsWorker(removed, w) {
			fmt.Fprintf(stderr, "Worker %s is still showing available on the master. "+
				"Please check why the decommission did not work.\n", w.Address())
			fmt.Fprintln(stderr, "This command will still continue, but the admin should manually verify the state of this worker afterwards.")
		}
	}
	return nil
}

// idleWatch is the CLI's WorkerStatus for one worker.
type idleWatch struct {
	worker       Worker
	quiet, fails int
	last         workerOperationsJSON
}

type idleResult struct {
	waiting, finished, lost []*idleWatch
}

// waitForIdle polls every IdlePollInterval. Like Alluxio's TimeoutRetry
// (given a deadline where it expects a duration) it does not stop at the
// deadline unless Config.EnforceWait is set.
func (c *Cluster) waitForIdle(ctx context.Context, workers []Worker, deadline time.Time,
	stdout, stderr io.Writer) (idleResult, error) {
	var res idleResult
	for _, w := range workers {
		res.waiting = append(res.waiting, &idleWatch{worker: w})
	}
	helpPrinted := false
	for attempt := 0; len(res.waiting) > 0; attempt++ {
		if attempt > 0 {
			if c.cfg.EnforceWait && !time.Now().Before(deadline) {
				break
			}
			if err := sleepCtx(ctx, c.cfg.IdlePollInterval); err != nil {
				return res, err
			}
		}
		for _, s := range res.waiting {
			fmt.Fprintf(stdout, "Polling status from worker %s\n", s.worker.Address())
			ops, err := c.pollWorker(ctx, s.worker)
			switch {
			case ctx.Err() != nil:
				return res, ctx.Err()
			case err != nil:
				fmt.Fprintf(stderr, "Failed to poll progress from worker %s: %s\n", s.worker.Host, err)
				if !helpPrinted {
					printWorkerNoResponseReasons(stderr)
					helpPrinted = true
				}
				s.quiet, s.fails = 0, s.fails+1
			case ops.OperationCount == 0 && ops.RPCQueueLength == 0:
				s.last, s.quiet, s.fails = ops, s.quiet+1, 0
			default:
				fmt.Fprintf(stdout, "Worker ActiveOperations=%d, RpcQueueLength=%d\n", ops.OperationCount, ops.RPCQueueLength)
				s.last, s.quiet, s.fails = ops, 0, 0
			}
		}
		still := res.waiting[:0]
		for _, s := range res.waiting {
			switch {
			case s.quiet >= quietPollsToBeIdle:
				fmt.Fprintf(stdout, "There is no operation on worker %s:%d for %d times in a row. "+
					"Worker is considered safe to stop.\n", s.worker.Host, s.worker.WebPort, quietPollsToBeIdle)
				res.finished = append(res.finished, s)
			case s.fails >= failedPollsToBeLost:
				fmt.Fprintf(stdout, "Failed to poll status from worker %s:%d for %d times in a row. "+
					"Worker is considered inaccessible and not functioning. "+
					"If the worker is not functioning, it probably does not currently have ongoing "+
					"I/O and can be stopped. But the admin is advised to manually double check the "+
					"working before stopping it. \n", s.worker.Host, s.worker.WebPort, failedPollsToBeLost)
				res.lost = append(res.lost, s)
			default:
				still = append(still, s)
			}
		}
		res.waiting = still
	}
	return res, nil
}

// report prints the outcome and returns the command's exit code.
func (r idleResult) report(stdout io.Writer) int {
	if len(r.waiting) == 0 && len(r.lost) == 0 {
		fmt.Fprintln(stdout, msgOK)
		return ExitOK
	}
	if len(r.waiting) > 0 {
		fmt.Fprintf(stdout, "%s workers still have not finished all their operations\n", javaList(watchAddresses(r.waiting)))
		fmt.Fprintln(stdout, "The admin should manually intervene and check those workers, before shutting them down.")
		for _, s := range r.waiting {
			fmt.Fprintf(stdout, "Worker %s has Worker.ActiveOperations=%d, Worker.RpcQueueLength=%d\n",
				s.worker.Address(), s.last.OperationCount, s.last.RPCQueueLength)
		}
		return ExitWorkersNotIdle
	}
	fmt.Fprintf(stdout, "%d workers finished all their operations successfully:\n%s\n",
		len(r.finished), javaList(watchAddresses(r.finished)))
	fmt.Fprintf(stdout, "%d workers became inaccessible and we assume there are no operations, "+
		"but we still recommend the admin to double check:\n%s\n", len(r.lost), javaList(watchAddresses(r.lost)))
	return ExitLostSomeWorkers
}

func printWorkerNoResponseReasons(stderr io.Writer) {
	fmt.Fprintln(stderr, "There are many reasons why the poll can fail, including but not limited to:")
	fmt.Fprintln(stderr, "1. Worker is running with a low version which does not contain this endpoint")
	fmt.Fprintln(stderr, "2. alluxio.worker.web.port is not configured correctly or is not accessible by firewall rules")
	fmt.Fprintln(stderr, "3. Some other transient network errors")
}

// pollWorker reads GET http://host:webPort/api/v1/worker/operations.
func (c *Cluster) pollWorker(ctx context.Context, w Worker) (workerOperationsJSON, error) {
	var ops workerOperationsJSON
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.URL()+"/api/v1/worker/operations", nil)
	if err != nil {
		return ops, err
	}
	resp, err := pollClient.Do(req)
	if err != nil {
		return ops, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return ops, fmt.Errorf("GET %s returned %s", req.URL, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&ops); err != nil {
		return ops, fmt.Errorf("cannot read the operations of worker %s: %w", w.Address(), err)
	}
	return ops, nil
}

// enableWorkerCmd follows EnableWorkerCommand.run.
func (c *Cluster) enableWorkerCmd(ctx context.Context, opts parsedOptions, stdout, stderr io.Writer) int {
	addrs, err := parseWorkerAddresses(opts.values["addresses"])
	if err != nil {
		fmt.Fprintln(stdout, err.Error())
		return exitShellError
	}
	var failed []Worker
	for _, a := range addrs {
		fmt.Fprintf(stdout, "Re-enabling worker %s\n", a.Address())
		if err := c.callMaster(ctx); err != nil {
			if ctx.Err() != nil {
				return interrupted(stderr)
			}
			fmt.Fprintf(stderr, "Failed to re-enable worker %s\n%s\n", a.Address(), err)
			failed = append(failed, a)
			continue
		}
		c.mu.Lock()
		c.enableLocked(a.Host, a.WebPort)
		c.mu.Unlock()
		fmt.Fprintf(stdout, "Re-enabled worker %s on master\n", a.Address())
	}
	if len(failed) == 0 {
		fmt.Fprintln(stdout, "Successfully re-enabled all workers on the master. "+
			"The workers should be able to register to the master and then serve normally."+
			"Note there is a short gap defined by "+refreshIntervalKey+
			" before the clients become aware of this worker and start to use it.")
		return 0
	}
	fmt.Fprintf(stdout, "%d failed to be re-enabled on the master: %s\n", len(failed), javaList(addresses(failed)))
	fmt.Fprintln(stdout, "The admin needs to manually check and fix the problem. "+
		"Those workers are not able to register to the master and serve requests.")
	return 1
}

// parseWorkerAddresses reads "host[:webPort][,host2...]" as
// WorkerAddressUtils.parseWorkerAddresses: the port is the web port,
// 30000 when absent. Anything else in a host is just part of a host name
// that no worker has.
func parseWorkerAddresses(s string) ([]Worker, error) {
	if s == "" {
		return nil, fmt.Errorf("Worker addresses must be specified")
	}
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" { // Java's split drops trailing empties
		parts = parts[:len(parts)-1]
	}
	var out []Worker
	for _, part := range parts {
		if !strings.Contains(part, ":") {
			out = append(out, Worker{Host: part, WebPort: DefaultWorkerWebPort})
			continue
		}
		hostPort := strings.Split(part, ":")
		if len(hostPort) != 2 {
			return nil, fmt.Errorf("worker address %s cannot be recognized", part)
		}
		port, err := strconv.ParseInt(hostPort[1], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("For input string: \"%s\"", hostPort[1])
		}
		out = append(out, Worker{Host: hostPort[0], WebPort: int32(port)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("Worker addresses must be specified")
	}
	return out, nil
}

// matchWorker finds the live worker an address names. Alluxio compares
// hosts only; when several live workers share the host (only in tests)
// the web port decides.
func matchWorker(a Worker, live []Worker) (Worker, bool) {
	var sameHost []Worker
	for _, w := range live {
		if w.Host == a.Host {
			sameHost = append(sameHost, w)
		}
	}
	for _, w := range sameHost {
		if w.WebPort == a.WebPort {
			return w, true
		}
	}
	if len(sameHost) > 0 {
		return sameHost[0], true
	}
	return Worker{}, false
}

func containsWorker(ws []Worker, w Worker) bool {
	for _, x := range ws {
		if x.Host == w.Host && x.WebPort == w.WebPort {
			return true
		}
	}
	return false
}

func addresses(ws []Worker) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, net.JoinHostPort(w.Host, strconv.Itoa(int(w.WebPort))))
	}
	return out
}

func watchAddresses(ws []*idleWatch) []string {
	out := make([]string, 0, len(ws))
	for _, s := range ws {
		out = append(out, s.worker.Address())
	}
	return out
}

func tabbedAddresses(ws []Worker) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "\t%s:%d", w.Host, w.WebPort)
	}
	return b.String()
}

// javaList prints a list the way Java's List.toString does.
func javaList(items []string) string { return "[" + strings.Join(items, ", ") + "]" }
