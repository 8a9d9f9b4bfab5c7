// Package realalluxio runs a real Alluxio 2.x cluster on loopback for
// tests: one master and N workers, each its own JVM, from the jars that
// hack/alluxio/fetch.sh resolves from Maven Central into
// bin/alluxio-jars/<version>/.
//
// Each worker listens on its own loopback address (127.0.0.11, .12, ...),
// because Alluxio's decommissionWorker matches workers by host. Ports are
// picked free at start. The master uses a NOOP journal and a heap
// metastore, a local folder as its root UFS and asks for no update check
// (so nothing leaves loopback); each worker has one small MEM tier in a
// temporary folder.
//
// The CLI is a generated shell script, <WorkDir>/bin/alluxio, that maps
// `alluxio version|fsadmin|fs|getConf ...` onto the Java classes the real
// bin/alluxio runs, passing argv through untouched; operations'
// LocalExecutor runs it (see Cluster.Executor).
package realalluxio

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// DefaultVersion is the newest open-source Alluxio 2.x on Maven Central.
const DefaultVersion = "2.9.6"

// Config describes the cluster to start.
type Config struct {
	// Version of the jars, DefaultVersion when empty.
	Version string
	// JarsDir holds the jars; default <repo>/bin/alluxio-jars/<Version>.
	JarsDir string
	// WorkDir holds configuration, logs, UFS, tiers and the CLI script;
	// required (tests pass t.TempDir()).
	WorkDir string
	// Workers is the number of workers, 3 when 0.
	Workers int
	// FirstWorkerIP is the first worker's loopback address; the next
	// workers take the following ones. Default 127.0.0.11.
	FirstWorkerIP string
	// Properties are added to alluxio-site.properties (every process and
	// the CLI see them) and override the defaults below.
	Properties map[string]string
	// HeapMB is each server JVM's -Xmx, 256 when 0; the CLI gets 128.
	HeapMB int
	// StartTimeout bounds Start, 3 minutes when 0 (four JVMs on two
	// cores take 30-60 s).
	StartTimeout time.Duration
	// Logf, when set, receives progress lines (e.g. t.Logf).
	Logf func(format string, args ...any)
}

// DefaultProperties are the cluster-wide properties Start writes to
// alluxio-site.properties before Config.Properties. They keep the
// cluster small, local and quick to notice changes.
var DefaultProperties = map[string]string{
	"alluxio.master.journal.type":                       "NOOP",
	"alluxio.master.metastore":                          "HEAP",
	"alluxio.master.update.check.enabled":               "false",
	"alluxio.master.worker.timeout":                     "10s",
	"alluxio.master.lost.worker.detection.interval":     "1s",
	"alluxio.user.worker.list.refresh.interval":         "1s",
	"alluxio.worker.block.heartbeat.interval":           "1s",
	"alluxio.worker.ramdisk.size":                       "32MB",
	"alluxio.worker.tieredstore.levels":                 "1",
	"alluxio.worker.tieredstore.level0.alias":           "MEM",
	"alluxio.worker.tieredstore.level0.dirs.quota":      "32MB",
	"alluxio.worker.tieredstore.level0.dirs.mediumtype": "MEM",
}

// Worker is one worker process's address.
type Worker struct {
	Index   int
	Host    string
	RPCPort int32
	WebPort int32
}

// Address is the worker as the operations package names it.
func (w Worker) Address() operations.WorkerAddress {
	return operations.WorkerAddress{Host: w.Host, RPCPort: w.RPCPort, WebPort: w.WebPort}
}

// Cluster is a running real Alluxio cluster. Stop it when done.
type Cluster struct {
	cfg        Config
	javaBin    string
	classpath  string
	masterHost string
	masterRPC  int
	masterWeb  int
	workers    []Worker

	mu    sync.Mutex
	procs map[string]*process // "master", "worker0", ...
}

type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *os.File
}

// RepoRoot finds the module root (the directory with go.mod) above the
// current directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("realalluxio: no go.mod above the current directory")
		}
		dir = parent
	}
}

// JarsDir is where fetch.sh puts version's jars.
func JarsDir(repoRoot, version string) string {
	return filepath.Join(repoRoot, "bin", "alluxio-jars", version)
}

// EnsureJars runs hack/alluxio/fetch.sh for version and returns the jars'
// directory. fetch.sh returns at once when the jars there were resolved
// from the current hack/alluxio/pom.xml, and resolves them again when the
// pom changed; the first resolution downloads ~210 MB from Maven Central
// into ~/.m2 and takes about a minute.
func EnsureJars(ctx context.Context, version string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := JarsDir(root, version)
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "alluxio", "fetch.sh"), version)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("hack/alluxio/fetch.sh %s: %w\n%s", version, err, out)
	}
	return dir, nil
}

// Start starts the master and the workers and waits until every worker
// is on the master's live list. On error everything started is stopped.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.WorkDir == "" {
		return nil, errors.New("realalluxio: Config.WorkDir is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 3
	}
	if cfg.FirstWorkerIP == "" {
		cfg.FirstWorkerIP = "127.0.0.11"
	}
	if cfg.HeapMB <= 0 {
		cfg.HeapMB = 256
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 3 * time.Minute
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.JarsDir == "" {
		root, err := RepoRoot()
		if err != nil {
			return nil, err
		}
		cfg.JarsDir = JarsDir(root, cfg.Version)
	}
	javaBin, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("realalluxio: java not found: %w", err)
	}
	c := &Cluster{cfg: cfg, javaBin: javaBin, masterHost: "127.0.0.1", procs: map[string]*process{}}
	if err := c.prepare(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	if err := c.startMaster(); err != nil {
		c.Stop()
		return nil, err
	}
	for i := range c.workers {
		if err := c.StartWorker(i); err != nil {
			c.Stop()
			return nil, err
		}
	}
	if err := c.WaitLive(ctx, len(c.workers)); err != nil {
		c.Stop()
		return nil, fmt.Errorf("realalluxio: workers did not register: %w (logs in %s)", err, c.LogDir())
	}
	return c, nil
}

func (c *Cluster) prepare() error {
	jars, err := filepath.Glob(filepath.Join(c.cfg.JarsDir, "*.jar"))
	if err != nil || len(jars) == 0 {
		return fmt.Errorf("realalluxio: no jars in %s: run hack/alluxio/fetch.sh %s", c.cfg.JarsDir, c.cfg.Version)
	}
	sort.Strings(jars)
	c.classpath = strings.Join(jars, string(os.PathListSeparator))

	for _, d := range []string{"conf", "logs", "ufs", "bin"} {
		if err := os.MkdirAll(filepath.Join(c.cfg.WorkDir, d), 0o755); err != nil {
			return err
		}
	}
	if c.masterRPC, err = freePort(c.masterHost); err != nil {
		return err
	}
	if c.masterWeb, err = freePort(c.masterHost); err != nil {
		return err
	}
	first := net.ParseIP(c.cfg.FirstWorkerIP).To4()
	if first == nil || !first.IsLoopback() {
		return fmt.Errorf("realalluxio: FirstWorkerIP %q is not an IPv4 loopback address", c.cfg.FirstWorkerIP)
	}
	for i := 0; i < c.cfg.Workers; i++ {
		ip := net.IPv4(first[0], first[1], first[2], first[3]+byte(i)).String()
		rpc, err := freePort(ip)
		if err != nil {
			return err
		}
		web, err := freePort(ip)
		if err != nil {
			return err
		}
		c.workers = append(c.workers, Worker{Index: i, Host: ip, RPCPort: int32(rpc), WebPort: int32(web)})
	}

	props := map[string]string{}
	for k, v := range DefaultProperties {
		props[k] = v
	}
	props["alluxio.master.hostname"] = c.masterHost
	props["alluxio.master.rpc.port"] = strconv.Itoa(c.masterRPC)
	props["alluxio.master.web.port"] = strconv.Itoa(c.masterWeb)
	props["alluxio.master.mount.table.root.ufs"] = filepath.Join(c.cfg.WorkDir, "ufs")
	props["alluxio.master.journal.folder"] = filepath.Join(c.cfg.WorkDir, "journal")
	for k, v := range c.cfg.Properties {
		props[k] = v
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var site strings.Builder
	site.WriteString("# generated by test/conformance/realalluxio\n")
	for _, k := range keys {
		fmt.Fprintf(&site, "%s=%s\n", k, props[k])
	}
	if err := os.WriteFile(filepath.Join(c.confDir(), "alluxio-site.properties"), []byte(site.String()), 0o644); err != nil {
		return err
	}
	const log4j = `log4j.rootLogger=INFO, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File=${alluxio.logs.file}
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n
`
	if err := os.WriteFile(filepath.Join(c.confDir(), "log4j.properties"), []byte(log4j), 0o644); err != nil {
		return err
	}
	return c.writeCLI()
}

func (c *Cluster) confDir() string { return filepath.Join(c.cfg.WorkDir, "conf") }

// LogDir holds one log per process (master.log, worker0.log, user.log
// for the CLI) and each JVM's stdout/stderr (*.out).
func (c *Cluster) LogDir() string { return filepath.Join(c.cfg.WorkDir, "logs") }

// commonJVMArgs are the flags of every JVM, servers and CLI alike.
func (c *Cluster) commonJVMArgs(heapMB int, logName string) []string {
	return []string{
		fmt.Sprintf("-Xmx%dm", heapMB), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.net.preferIPv4Stack=true",
		"-Dalluxio.home=" + c.cfg.WorkDir,
		"-Dalluxio.conf.dir=" + c.confDir(),
		"-Dalluxio.logs.dir=" + c.LogDir(),
		"-Dalluxio.logs.file=" + filepath.Join(c.LogDir(), logName),
		"-Dlog4j.configuration=file:" + filepath.Join(c.confDir(), "log4j.properties"),
	}
}

// writeCLI generates <WorkDir>/bin/alluxio, the launcher's command words
// mapped onto Alluxio's classes as bin/alluxio does. Arguments go to Java
// as they are ("$@"): nothing is evaluated.
func (c *Cluster) writeCLI() error {
	var q []string
	for _, a := range append([]string{c.javaBin}, c.commonJVMArgs(128, "user.log")...) {
		q = append(q, shellQuote(a))
	}
	script := `#!/bin/sh
# Generated by test/conformance/realalluxio: runs the real Alluxio ` + c.cfg.Version + ` CLI
# against the test cluster, like bin/alluxio COMMAND [ARGS].
CP=` + shellQuote(c.classpath) + `
run() { class="$1"; shift; exec ` + strings.Join(q, " ") + ` -cp "$CP" "$class" "$@"; }
cmd="$1"
[ $# -gt 0 ] && shift
case "$cmd" in
  version) run alluxio.cli.Version "$@" ;;
  fsadmin) run alluxio.cli.fsadmin.FileSystemAdminShell "$@" ;;
  fs)      run alluxio.cli.fs.FileSystemShell "$@" ;;
  getConf) run alluxio.cli.GetConf "$@" ;;
  "")      echo "Usage: alluxio COMMAND [GENERIC_COMMAND_OPTIONS] [COMMAND_ARGS]"; exit 1 ;;
  *)       echo "Unsupported command $cmd" >&2
           echo "Usage: alluxio COMMAND [GENERIC_COMMAND_OPTIONS] [COMMAND_ARGS]"; exit 1 ;;
esac
`
	return os.WriteFile(c.CLIPath(), []byte(script), 0o755)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// CLIPath is the generated `alluxio` script.
func (c *Cluster) CLIPath() string { return filepath.Join(c.cfg.WorkDir, "bin", "alluxio") }

// Executor runs `alluxio ...` argv through the generated script.
func (c *Cluster) Executor() operations.LocalExecutor {
	return operations.LocalExecutor{Path: c.CLIPath(), Dir: c.cfg.WorkDir}
}

// Version is the version of the jars.
func (c *Cluster) Version() string { return c.cfg.Version }

// MasterWebURL is the master's web endpoint.
func (c *Cluster) MasterWebURL() string {
	return "http://" + net.JoinHostPort(c.masterHost, strconv.Itoa(c.masterWeb))
}

// Workers lists the workers, running or not, in start order.
func (c *Cluster) Workers() []Worker { return append([]Worker(nil), c.workers...) }

func (c *Cluster) startMaster() error {
	args := c.commonJVMArgs(c.cfg.HeapMB, "master.log")
	args = append(args,
		"-Dalluxio.master.bind.host="+c.masterHost,
		"-Dalluxio.master.web.bind.host="+c.masterHost,
		"-cp", c.classpath, "alluxio.master.AlluxioMaster")
	return c.spawn("master", args)
}

// StartWorker starts (or restarts) worker i with its fixed host and ports.
func (c *Cluster) StartWorker(i int) error {
	w := c.workers[i]
	mem := filepath.Join(c.cfg.WorkDir, fmt.Sprintf("worker%d-mem", i))
	if err := os.MkdirAll(mem, 0o755); err != nil {
		return err
	}
	name := fmt.Sprintf("worker%d", i)
	args := c.commonJVMArgs(c.cfg.HeapMB, name+".log")
	args = append(args,
		"-Dalluxio.worker.hostname="+w.Host,
		"-Dalluxio.worker.bind.host="+w.Host,
		"-Dalluxio.worker.web.hostname="+w.Host,
		"-Dalluxio.worker.web.bind.host="+w.Host,
		"-Dalluxio.worker.rpc.port="+strconv.Itoa(int(w.RPCPort)),
		"-Dalluxio.worker.web.port="+strconv.Itoa(int(w.WebPort)),
		"-Dalluxio.worker.tieredstore.level0.dirs.path="+mem,
		"-cp", c.classpath, "alluxio.worker.AlluxioWorker")
	return c.spawn(name, args)
}

func (c *Cluster) spawn(name string, args []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[name]; p != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("realalluxio: %s is already running", name)
		}
	}
	logFile, err := os.OpenFile(filepath.Join(c.LogDir(), name+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.javaBin, args...)
	cmd.Dir = c.cfg.WorkDir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group, and killed with this process should it die
	// without calling Stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("realalluxio: start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{}), log: logFile}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	c.procs[name] = p
	c.cfg.Logf("realalluxio: started %s (pid %d)", name, cmd.Process.Pid)
	return nil
}

// KillWorker kills worker i with SIGKILL, as a node failure would, and
// waits for the process to be gone.
func (c *Cluster) KillWorker(i int) error {
	return c.stop(fmt.Sprintf("worker%d", i), syscall.SIGKILL, 10*time.Second)
}

// StopWorker stops worker i with SIGTERM (as Kubernetes deletes a pod),
// then SIGKILL after grace.
func (c *Cluster) StopWorker(i int, grace time.Duration) error {
	return c.stop(fmt.Sprintf("worker%d", i), syscall.SIGTERM, grace)
}

func (c *Cluster) stop(name string, sig syscall.Signal, grace time.Duration) error {
	c.mu.Lock()
	p := c.procs[name]
	c.mu.Unlock()
	if p == nil {
		return fmt.Errorf("realalluxio: no process %s", name)
	}
	pid := p.cmd.Process.Pid
	_ = syscall.Kill(-pid, sig) // the process group: the JVM is its only member
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("realalluxio: %s (pid %d) did not exit", name, pid)
	}
}

// Stop stops every process it started: workers, then the master. Safe
// to call more than once.
func (c *Cluster) Stop() {
	c.mu.Lock()
	names := make([]string, 0, len(c.procs))
	for name := range c.procs {
		names = append(names, name)
	}
	c.mu.Unlock()
	sort.Slice(names, func(i, j int) bool { return names[i] != "master" && names[j] == "master" })
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.stop(name, syscall.SIGTERM, 5*time.Second); err != nil {
				c.cfg.Logf("%v", err)
			}
		}()
	}
	wg.Wait()
}

// GetMasterInfo reads the master's /api/v1/master/info as raw JSON.
func (c *Cluster) GetMasterInfo(ctx context.Context) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.MasterWebURL()+"/api/v1/master/info", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/master/info: %s", resp.Status)
	}
	var out map[string]any
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// WaitLive waits until the master lists n live workers.
func (c *Cluster) WaitLive(ctx context.Context, n int) error {
	var last string
	for {
		info, err := c.GetMasterInfo(ctx)
		if err == nil {
			workers, _ := info["workers"].([]any)
			if len(workers) == n {
				return nil
			}
			last = fmt.Sprintf("%d live workers, want %d", len(workers), n)
		} else {
			last = err.Error()
		}
		if err := c.checkAlive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: last: %s", ctx.Err(), last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// checkAlive fails when the master exited: waiting longer is pointless.
func (c *Cluster) checkAlive() error {
	c.mu.Lock()
	p := c.procs["master"]
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return fmt.Errorf("alluxio master exited: %v (see %s)", p.err, filepath.Join(c.LogDir(), "master.log"))
	default:
		return nil
	}
}

// freePort finds a TCP port free on host. Another process could take it
// before the JVM binds it; the odds on loopback are small.
func freePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("realalluxio: no free port on %s: %w", host, err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
