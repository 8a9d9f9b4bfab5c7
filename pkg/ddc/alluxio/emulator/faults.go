package emulator

import (
	"context"
	"fmt"
	"net"
	"time"
)

// FaultKind names a kind of injected failure.
type FaultKind string

// The faults the cluster can simulate.
const (
	// FaultMasterDown: the master's web API answers 503 and CLI commands
	// that need the master fail as if it were unreachable. With Refuse,
	// the master's server stops altogether (connection refused, and the
	// control API with it) until ClearFaults.
	FaultMasterDown FaultKind = "MasterDown"
	// FaultSlowAnswers: every master and worker web answer, and every CLI
	// call to the master, takes Delay longer.
	FaultSlowAnswers FaultKind = "SlowAnswers"
	// FaultCLIExitCode: the CLI command named Command (the word after
	// `fsadmin`, or `version`; empty for any) prints an error and exits
	// with ExitCode, Times times (0: until ClearFaults).
	FaultCLIExitCode FaultKind = "CLIExitCode"
)

// Fault is one injected failure.
type Fault struct {
	Kind     FaultKind     `json:"kind"`
	Refuse   bool          `json:"refuse,omitempty"`
	Delay    time.Duration `json:"delay,omitempty"`
	Command  string        `json:"command,omitempty"`
	ExitCode int           `json:"exitCode,omitempty"`
	Times    int           `json:"times,omitempty"`
}

// InjectFault adds a fault; it lasts until ClearFaults (or, for
// FaultCLIExitCode with Times > 0, until used up).
func (c *Cluster) InjectFault(f Fault) {
	c.mu.Lock()
	c.faults = append(c.faults, f)
	var stop interface{ Close() error }
	if f.Kind == FaultMasterDown && f.Refuse && c.master != nil {
		stop, c.master, c.masterDown = c.master, nil, true
	}
	c.mu.Unlock()
	if stop != nil {
		_ = stop.Close()
	}
}

// ClearFaults removes every fault; a master stopped by a Refuse fault
// serves again on its address.
func (c *Cluster) ClearFaults() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = nil
	if !c.masterDown || c.closed {
		return nil
	}
	ln, err := net.Listen("tcp", c.masterAddr)
	if err != nil {
		return fmt.Errorf("emulator master cannot listen again on %s: %w", c.masterAddr, err)
	}
	c.master, c.masterDown = c.serve(ln, c.masterHandler()), false
	return nil
}

func (c *Cluster) hasFault(kind FaultKind) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.faults {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// delay is the added latency of FaultSlowAnswers.
func (c *Cluster) delay() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d time.Duration
	for _, f := range c.faults {
		if f.Kind == FaultSlowAnswers {
			d += f.Delay
		}
	}
	return d
}

// takeCLIFault uses up one matching FaultCLIExitCode, if any.
func (c *Cluster) takeCLIFault(command string) (Fault, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.faults {
		if f.Kind != FaultCLIExitCode || (f.Command != "" && f.Command != command) {
			continue
		}
		if f.Times > 0 {
			c.faults[i].Times--
			if c.faults[i].Times == 0 {
				c.faults = append(c.faults[:i], c.faults[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}

// errMasterUnavailable is how CLI calls fail while the master is down,
// worded like Alluxio's UnavailableException.
var errMasterUnavailable = fmt.Errorf("Failed to connect to primary master: UNAVAILABLE: io exception")

// callMaster stands for one RPC from the CLI to the master: it pays the
// injected delay and fails while the master is down.
func (c *Cluster) callMaster(ctx context.Context) error {
	if err := sleepCtx(ctx, c.delay()); err != nil {
		return err
	}
	if c.hasFault(FaultMasterDown) {
		return errMasterUnavailable
	}
	return nil
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
