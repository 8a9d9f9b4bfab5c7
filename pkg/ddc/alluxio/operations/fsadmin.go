package operations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Exit codes of `alluxio fsadmin decommissionWorker` (its ReturnCode
// enum), plus the shell's -1 for an uncaught exception or unknown command.
const (
	exitDecommissionFailed = 1
	exitLostMaster         = 2
	exitWorkersNotIdle     = 3
	exitLostSomeWorkers    = 10
	exitShellError         = 255
)

// Decommission asks the master to stop handing workers to clients, with
// `alluxio fsadmin decommissionWorker --addresses h:web,... --wait 0s`.
//
// That command sends the decommission at once, then blocks for the
// clients' worker-list refresh interval (2 min by default) and polls the
// workers until idle, whatever --wait says. A reconcile must not hang
// that long, so the command gets DecommissionAcceptWindow:
//   - if it exits within the window, its exit code decides (0, and 3
//     "not idle yet", are success: idleness is the caller's to check);
//   - if it is still running when the window ends, it is abandoned and
//     the request counts as accepted (nil). The caller must confirm by
//     Observe that the workers left the live list, and call again
//     (the command is idempotent) if they did not, e.g. because the JVM
//     had not even started when the window ended.
//
// Errors: ErrDecommissionFailed, ErrMasterUnreachable, ErrWorkersLost,
// ErrWorkerNotFound, *UnsupportedError (errors.Is ErrUnsupported),
// ErrInvalidAddress (before anything runs), or the executor's error.
func (c *Client) Decommission(ctx context.Context, workers []WorkerAddress) error {
	addresses, err := addressesArg(workers)
	if err != nil {
		return fmt.Errorf("decommission workers: %w", err)
	}
	argv := []string{"alluxio", "fsadmin", "decommissionWorker", "--addresses", addresses, "--wait", "0s"}

	window, cancel := context.WithTimeout(ctx, c.cfg.DecommissionAcceptWindow)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := c.cfg.Executor.Exec(window, c.cfg.Namespace, c.cfg.MasterPod, c.cfg.Container, argv)
		done <- err
	}()
	// The master's live list says when the request has landed: the
	// command is then abandoned at once instead of blocking a reconcile
	// for its refresh-interval wait.
	confirmed, finished, err := c.awaitDecommission(window, workers, done)
	if confirmed {
		cancel()
		if !finished {
			<-done
		}
		return nil
	}

	var cmdErr *CommandError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cmdErr):
		return c.decommissionExitError(ctx, addresses, cmdErr)
	case ctx.Err() != nil:
		return fmt.Errorf("decommission workers %s: %w", addresses, err)
	case window.Err() != nil:
		return nil // still running after the window: accepted, see above
	default:
		return fmt.Errorf("decommission workers %s: %w", addresses, err)
	}
}

// decommissionConfirmPoll is how often the master is asked, while the
// decommission command runs, whether the workers left its live list.
const decommissionConfirmPoll = 100 * time.Millisecond

// awaitDecommission waits for the first of: the master no longer lists
// any of workers as live (confirmed), or the command finishing (finished,
// with its error). When the window ends first, it waits for the command,
// which the window's end stops. Confirmation needs every worker live when
// the command starts: for one the master does not list (unknown, or
// already decommissioned) only the command's own answer tells.
func (c *Client) awaitDecommission(window context.Context, workers []WorkerAddress, done <-chan error) (confirmed, finished bool, err error) {
	if before, err := c.Observe(window); err != nil || !allLive(before, workers) {
		select {
		case err := <-done:
			return false, true, err
		case <-window.Done():
			return false, true, <-done
		}
	}
	tick := time.NewTicker(decommissionConfirmPoll)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return false, true, err
		case <-window.Done():
			return false, true, <-done
		case <-tick.C:
		}
		info, err := c.Observe(window)
		if err == nil && noneLive(info, workers) {
			return true, false, nil
		}
	}
}

func allLive(info *ClusterInfo, workers []WorkerAddress) bool {
	for _, w := range workers {
		if _, live := FindWorker(info.Live, w); !live {
			return false
		}
	}
	return true
}

func noneLive(info *ClusterInfo, workers []WorkerAddress) bool {
	for _, w := range workers {
		if _, live := FindWorker(info.Live, w); live {
			return false
		}
	}
	return true
}

func (c *Client) decommissionExitError(ctx context.Context, addresses string, cmdErr *CommandError) error {
	if unsupported := c.unsupportedCommand(ctx, "fsadmin decommissionWorker", cmdErr); unsupported != nil {
		return fmt.Errorf("decommission workers %s: %w", addresses, unsupported)
	}
	switch cmdErr.ExitCode {
	case exitWorkersNotIdle:
		// Decommissioned, just not idle within --wait: exactly what we
		// asked for; the caller polls WorkerActivity.
		return nil
	case exitDecommissionFailed:
		return fmt.Errorf("decommission workers %s: %w: check the addresses and the primary master: %w", addresses, ErrDecommissionFailed, cmdErr)
	case exitLostMaster:
		return fmt.Errorf("decommission workers %s: %w (the CLI lost the primary master, e.g. a failover): retry: %w", addresses, ErrMasterUnreachable, cmdErr)
	case exitLostSomeWorkers:
		return fmt.Errorf("decommission workers %s: %w: check those workers before removing them: %w", addresses, ErrWorkersLost, cmdErr)
	case exitShellError:
		// The shell exits 255 for any uncaught exception: only its
		// message tells an unknown worker from any other failure.
		if mentionsUnknownWorker(cmdErr.Output()) {
			return fmt.Errorf("decommission workers %s: %w: the master lists no live worker with that host (use the host the worker registered with, see Observe): %w", addresses, ErrWorkerNotFound, cmdErr)
		}
		return fmt.Errorf("decommission workers %s: %w: %w", addresses, ErrDecommissionFailed, cmdErr)
	default:
		return fmt.Errorf("decommission workers %s: %w", addresses, cmdErr)
	}
}

// Enable takes workers off the master's decommissioned list with
// `alluxio fsadmin enableWorker --addresses h:web,...`; this is how a
// scale-in is cancelled. The command returns at once, so it runs under
// CommandTimeout and any failure, timeout included, is an error.
func (c *Client) Enable(ctx context.Context, workers []WorkerAddress) error {
	addresses, err := addressesArg(workers)
	if err != nil {
		return fmt.Errorf("enable workers: %w", err)
	}
	argv := []string{"alluxio", "fsadmin", "enableWorker", "--addresses", addresses}
	err = c.runCLI(ctx, c.cfg.CommandTimeout, argv)
	var cmdErr *CommandError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &cmdErr):
		return fmt.Errorf("enable workers %s: %w", addresses, err)
	}
	if unsupported := c.unsupportedCommand(ctx, "fsadmin enableWorker", cmdErr); unsupported != nil {
		return fmt.Errorf("enable workers %s: %w", addresses, unsupported)
	}
	if cmdErr.ExitCode == exitShellError && mentionsUnknownWorker(cmdErr.Output()) {
		return fmt.Errorf("enable workers %s: %w: %w", addresses, ErrWorkerNotFound, cmdErr)
	}
	return fmt.Errorf("enable workers %s: %w: %w", addresses, ErrEnableFailed, cmdErr)
}

// unsupportedCommand recognises the shell's answer to a command it does
// not have ("<cmd> is an unknown command." then the usage of every
// command, or "Usage: ..." when the options are not the ones we pass),
// and reports the master's version with it.
func (c *Client) unsupportedCommand(ctx context.Context, command string, cmdErr *CommandError) error {
	if !printsUnknownCommand(cmdErr.Output()) {
		return nil
	}
	version, _ := c.Version(ctx) // best effort: the message is still useful without it
	return &UnsupportedError{Version: version, Command: command, Output: cmdErr.Output()}
}

func mentionsUnknownWorker(output string) bool {
	out := strings.ToLower(output)
	return strings.Contains(out, "not known by the master") || strings.Contains(out, "no live worker")
}

func printsUnknownCommand(output string) bool {
	out := strings.ToLower(output)
	if strings.Contains(out, "unknown command") {
		return true
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "usage:") {
			return true
		}
	}
	return false
}
