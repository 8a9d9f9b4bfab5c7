package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// jvm starts JVMs for one pod: its conf/ and logs/ folders, the jars.
type jvm struct {
	java      string
	classpath string
	dir       string // the pod's folder
	heapMB    int
}

func (j jvm) confDir() string { return filepath.Join(j.dir, "conf") }
func (j jvm) logDir() string  { return filepath.Join(j.dir, "logs") }

// args are the JVM options every process of the pod gets (servers and
// CLI), then flags, then properties in key order.
func (j jvm) args(heapMB int, logName string, flags []string, props map[string]string) []string {
	a := []string{
		fmt.Sprintf("-Xmx%dm", heapMB), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.net.preferIPv4Stack=true",
		"-Dalluxio.home=" + j.dir,
		"-Dalluxio.conf.dir=" + j.confDir(),
		"-Dalluxio.logs.dir=" + j.logDir(),
		"-Dalluxio.logs.file=" + filepath.Join(j.logDir(), logName),
		"-Dlog4j.configuration=file:" + filepath.Join(j.confDir(), "log4j.properties"),
	}
	a = append(a, flags...)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a = append(a, "-D"+k+"="+props[k])
	}
	return a
}

// proc is a running server JVM.
type proc struct {
	container string
	cmd       *exec.Cmd
	done      chan struct{}
	err       error
}

// start runs class with p's flags and properties, its output in
// logs/<container>.out. The JVM is in its own process group and dies
// with this process (Pdeathsig).
func (j jvm) start(p Process, class string, extraArgs ...string) (*proc, error) {
	out, err := os.OpenFile(filepath.Join(j.logDir(), p.Container+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	heap := j.heapMB
	if p.HeapMB > 0 {
		heap = p.HeapMB
	}
	args := append(j.args(heap, p.Container+".log", p.JVMFlags, p.Properties), "-cp", j.classpath, class)
	cmd := exec.Command(j.java, append(args, extraArgs...)...)
	cmd.Dir = j.dir
	cmd.Env = os.Environ()
	for k, v := range p.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("starting %s: %w", p.Container, err)
	}
	pr := &proc{container: p.Container, cmd: cmd, done: make(chan struct{})}
	go func() {
		pr.err = cmd.Wait()
		_ = out.Close()
		close(pr.done)
	}()
	return pr, nil
}

// formatJournal runs Alluxio's journal format for the master, as a new
// master pod's journal-format step does, and waits for it.
func (j jvm) formatJournal(ctx context.Context, p Process) error {
	f := p
	f.Container = p.Container + "-format"
	pr, err := j.start(f, "alluxio.cli.Format", "master")
	if err != nil {
		return err
	}
	select {
	case <-pr.done:
	case <-ctx.Done():
		_ = pr.stop(syscall.SIGKILL, time.Second)
		return ctx.Err()
	}
	if pr.err != nil {
		return fmt.Errorf("formatting the journal: %v (see %s)", pr.err, filepath.Join(j.logDir(), f.Container+".out"))
	}
	return nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop signals the process group, SIGKILL after grace, and waits.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) error {
	if p.exited() {
		return nil
	}
	pgid := -p.pid()
	if err := syscall.Kill(pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	<-p.done
	return nil
}
