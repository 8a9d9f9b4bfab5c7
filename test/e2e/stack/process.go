// Package stack runs what sits on top of the local cluster
// (test/e2e/cluster) in the end-to-end suite and `make demo`: the
// controller binary as a separate process, the Alluxio emulator binary in
// pod-watching mode, and small clients of their APIs. Every process runs
// in its own process group and dies with the process that started it.
package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Process is one child process, its output in a log file.
type Process struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{}
	err     error
}

// StartProcess runs path with args, stdout and stderr to logPath
// (appended, so a restarted process keeps one log). env nil: this
// process's environment.
func StartProcess(name, path string, args, env []string, logPath string) (*Process, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "==== %s %s %v\n", time.Now().Format(time.RFC3339Nano), path, args)
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id (and process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Kill sends SIGKILL to the process group and waits for the process.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM to the process group, SIGKILL after timeout, and
// waits for the process. Safe to call more than once.
func (p *Process) Stop(timeout time.Duration) error {
	if done, _ := p.Exited(); done {
		return nil
	}
	if err := syscall.Kill(-p.Pid(), syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
	}
	p.Kill()
	return fmt.Errorf("%s did not stop within %s of SIGTERM; killed", p.Name, timeout)
}

// Tail returns the last n bytes of the process's log.
func (p *Process) Tail(n int) string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// Binaries are the project's binaries the stack runs.
type Binaries struct {
	Controller, Emulator, Shim string
}

// ShimDir is the directory of the `alluxio` shim, for cluster.Options.ExecPath.
func (b Binaries) ShimDir() string { return filepath.Dir(b.Shim) }

// BinariesIn names the binaries in dir (root/bin after `make build`).
func BinariesIn(dir string) Binaries {
	return Binaries{
		Controller: filepath.Join(dir, "alluxioruntime-controller"),
		Emulator:   filepath.Join(dir, "alluxio-emulator"),
		Shim:       filepath.Join(dir, "alluxio"),
	}
}

// Missing lists the binaries that do not exist.
func (b Binaries) Missing() []string {
	var out []string
	for _, p := range []string{b.Controller, b.Emulator, b.Shim} {
		if info, err := os.Stat(p); err != nil || info.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// Build builds the three binaries from the module at root into dir.
func Build(ctx context.Context, root, dir string) (Binaries, error) {
	b := BinariesIn(dir)
	for pkg, out := range map[string]string{
		"./cmd/alluxioruntime-controller": b.Controller,
		"./cmd/alluxio-emulator":          b.Emulator,
		"./cmd/alluxio":                   b.Shim,
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
		}
	}
	return b, nil
}
