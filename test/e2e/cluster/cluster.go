package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options say what to run and where. The zero value is a cluster of a
// master node and three worker nodes, without OpenKruise, in a temporary
// directory.
type Options struct {
	// Root is the repository root: binaries come from Root/bin/k8s and
	// Root/bin goes first on kwok's PATH (for the `alluxio` shim).
	// Default: found by walking up from the working directory.
	Root string
	// Dir holds the cluster's state: kubeconfig, certificates, etcd's
	// data, logs. Empty: a temporary directory, removed by Stop. Given: it
	// must not exist, be empty, or hold an earlier cluster (which is wiped
	// at Start); it is kept after Stop.
	Dir string
	// LogDir receives one <component>.log per process. Default Dir/logs.
	LogDir string
	// Nodes is the number of worker nodes (default 3). There is always
	// one master node besides them.
	Nodes int
	// Kruise runs the OpenKruise manager, with its CRDs and webhooks, so
	// apps.kruise.io/v1beta1 StatefulSets work.
	Kruise bool
	// ExecEnv is the environment of commands run through exec (`kubectl
	// exec`), on top of kwok's own, e.g. ALLUXIO_EMULATOR_URL.
	ExecEnv map[string]string
	// ExecPath are directories put first on the PATH where exec'd
	// commands are looked up. Default: Root/bin.
	ExecPath []string
	// PodExecs lets a pod's exec carry its own environment: kwok also
	// reads namespaced Exec objects (kwok.x-k8s.io/v1alpha1, named after
	// the pod) from the API, its Exec CRD installed. Pods without one run
	// exec'd commands with ExecEnv, as without this option.
	PodExecs bool
	// CRDDirs are extra directories of CRD manifests to install and wait
	// for, e.g. Root/config/crd/bases.
	CRDDirs []string
	// PodCIDR hands out pod IPs; default DefaultPodCIDR. Pick another
	// loopback range to run two clusters whose pods serve on their IPs.
	PodCIDR string
	// NodeIPPrefix gives node i the InternalIP NodeIPPrefix+i: the master
	// node is i=1, worker node n is i=n+1. Default DefaultNodeIPPrefix.
	NodeIPPrefix string
	// Logf, if set, receives progress lines.
	Logf func(format string, args ...any)
}

// Defaults of Options.
const (
	DefaultNodes        = 3
	DefaultPodCIDR      = "127.0.1.0/24"
	DefaultNodeIPPrefix = "127.0.0."
)

// Node names and labels.
const (
	// MasterNodeName is the node whose InternalIP is NodeIPPrefix+"1".
	MasterNodeName = "fluid-drain-master"
	// WorkerNodePrefix names worker nodes: WorkerNodePrefix+"1", ...
	WorkerNodePrefix = "fluid-drain-worker-"
	// MasterNodeLabel ("true") marks the master node; select it for the
	// Alluxio master pod.
	MasterNodeLabel = "fluid-drain.io/master-node"
	// WorkerNodeLabel ("true") marks every worker node.
	WorkerNodeLabel = "fluid-drain.io/worker-node"
)

// Cluster is a running cluster. Everything in it runs until Stop.
type Cluster struct {
	// Dir is the state directory (Options.Dir or a temporary one).
	Dir string
	// LogDir holds one <component>.log per process.
	LogDir string
	// KubeconfigPath is an admin kubeconfig (group system:masters) with
	// inline credentials, for kubectl and for processes.
	KubeconfigPath string
	// Config and Clientset act as the same admin.
	Config    *rest.Config
	Clientset kubernetes.Interface
	// MasterNode and WorkerNodes are the node names; NodeIPs maps each to
	// its InternalIP.
	MasterNode  string
	WorkerNodes []string
	NodeIPs     map[string]string

	logf      func(string, ...any)
	tmpDir    bool
	lock      *os.File
	procs     []*process // in start order
	logFiles  []*os.File
	listeners []net.Listener
	cancel    context.CancelFunc
	bg        sync.WaitGroup

	failOnce sync.Once
	failed   chan struct{}
	failErr  error
	stopping chan struct{}

	stopOnce sync.Once
	stopErr  error
}

// Start builds the certificates and kubeconfig, starts etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok and (with
// Options.Kruise) the OpenKruise manager, creates the nodes, and returns
// once nodes are Ready and Kruise's webhooks answer. Missing binaries
// give an error wrapping ErrBinariesMissing. On failure, everything
// started is stopped. ctx bounds the start-up only.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	if err := opts.complete(); err != nil {
		return nil, err
	}
	binDir := filepath.Join(opts.Root, BinDir)
	if err := checkBinaries(binDir, requiredBinaries(opts.Kruise)); err != nil {
		return nil, err
	}
	if err := checkVersions(ctx, binDir); err != nil {
		return nil, err
	}
	c := &Cluster{
		Dir:        opts.Dir,
		LogDir:     opts.LogDir,
		MasterNode: MasterNodeName,
		NodeIPs:    map[string]string{MasterNodeName: opts.NodeIPPrefix + "1"},
		logf:       opts.Logf,
		failed:     make(chan struct{}),
		stopping:   make(chan struct{}),
	}
	for i := 1; i <= opts.Nodes; i++ {
		name := fmt.Sprintf("%s%d", WorkerNodePrefix, i)
		c.WorkerNodes = append(c.WorkerNodes, name)
		c.NodeIPs[name] = fmt.Sprintf("%s%d", opts.NodeIPPrefix, i+1)
	}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "fluid-drain-cluster-"); err != nil {
			return nil, err
		}
		c.tmpDir = true
	} else {
		// A lock beside Dir keeps a second cluster from wiping the
		// directory of one that runs.
		if c.lock, err = lockFile(filepath.Clean(c.Dir) + ".lock"); err != nil {
			return nil, err
		}
		if err := prepareDir(c.Dir); err != nil {
			c.lock.Close()
			return nil, err
		}
	}
	if c.LogDir == "" {
		c.LogDir = filepath.Join(c.Dir, "logs")
	}
	var bgCtx context.Context
	bgCtx, c.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Stop())
		}
	}()
	if err := os.MkdirAll(c.LogDir, 0o755); err != nil {
		return nil, err
	}
	started := time.Now()

	var kwokDir, kruiseDir string
	if kwokDir, err = moduleDir(ctx, KwokModule); err != nil {
		return nil, err
	}
	if opts.Kruise {
		if kruiseDir, err = moduleDir(ctx, KruiseModule); err != nil {
			return nil, err
		}
	}
	nodeIPs := make([]string, 0, len(c.NodeIPs))
	for _, ip := range c.NodeIPs {
		nodeIPs = append(nodeIPs, ip)
	}
	sort.Strings(nodeIPs)
	certs, err := newPKI(filepath.Join(c.Dir, "pki"), nodeIPs)
	if err != nil {
		return nil, err
	}

	etcdURL, err := c.startEtcd(ctx, binDir)
	if err != nil {
		return nil, err
	}
	if err := c.startAPIServer(ctx, binDir, etcdURL, certs); err != nil {
		return nil, err
	}
	c.logf("kube-apiserver ready at %s (%s)", c.Config.Host, since(started))
	if err := c.startControllers(binDir, certs); err != nil {
		return nil, err
	}
	if err := c.startKwok(ctx, bgCtx, binDir, kwokDir, certs, opts); err != nil {
		return nil, err
	}
	c.logf("%d nodes Ready (%s)", len(c.NodeIPs), since(started))
	if opts.Kruise {
		if err := c.startKruise(ctx, binDir, kruiseDir); err != nil {
			return nil, err
		}
		c.logf("OpenKruise manager ready, webhooks answer (%s)", since(started))
	}
	for _, dir := range opts.CRDDirs {
		if err := c.installCRDs(ctx, dir); err != nil {
			return nil, err
		}
	}
	c.watch()
	c.logf("cluster ready in %s; KUBECONFIG=%s", since(started), c.KubeconfigPath)
	return c, nil
}

func (o *Options) complete() error {
	if o.Root == "" {
		root, err := RepoRoot()
		if err != nil {
			return err
		}
		o.Root = root
	}
	if o.Dir != "" {
		abs, err := filepath.Abs(o.Dir)
		if err != nil {
			return err
		}
		o.Dir = abs
	}
	if o.LogDir != "" {
		abs, err := filepath.Abs(o.LogDir)
		if err != nil {
			return err
		}
		o.LogDir = abs
	}
	if o.Nodes == 0 {
		o.Nodes = DefaultNodes
	}
	if o.Nodes < 0 || o.Nodes > 250 {
		return fmt.Errorf("cluster: Nodes = %d, want 1..250", o.Nodes)
	}
	if o.PodCIDR == "" {
		o.PodCIDR = DefaultPodCIDR
	}
	if _, ipnet, err := net.ParseCIDR(o.PodCIDR); err != nil || !ipnet.IP.IsLoopback() {
		return fmt.Errorf("cluster: PodCIDR %q is not a loopback range", o.PodCIDR)
	}
	if o.NodeIPPrefix == "" {
		o.NodeIPPrefix = DefaultNodeIPPrefix
	}
	if ip := net.ParseIP(o.NodeIPPrefix + "1"); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("cluster: NodeIPPrefix %q does not give loopback addresses", o.NodeIPPrefix)
	}
	if o.ExecPath == nil {
		o.ExecPath = []string{filepath.Join(o.Root, "bin")}
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return nil
}

// markerFile marks a directory as a cluster's, so Start may wipe it.
const markerFile = ".fluid-drain-cluster"

func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
			return fmt.Errorf("cluster: %s is neither empty nor an earlier cluster's directory; not wiping it", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, markerFile), []byte("state of a local cluster (test/e2e/cluster); wiped at its next start\n"), 0o644)
}

// lockFile takes an exclusive flock on path, held until the file is
// closed (or this process ends).
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("cluster: another cluster runs in %s (%s is locked): %w", strings.TrimSuffix(path, ".lock"), path, err)
	}
	return f, nil
}

// run starts a component, its output going to LogDir/name.log, and
// checks that it survives its first half second (a bad flag shows here).
func (c *Cluster) run(name, path string, args, env []string) (*process, error) {
	f, err := logFile(c.LogDir, name)
	if err != nil {
		return nil, err
	}
	c.logFiles = append(c.logFiles, f)
	p, err := startProcess(name, path, args, env, f)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	c.logf("started %s (pid %d)", name, p.Pid())
	select {
	case <-p.done:
		return nil, fmt.Errorf("%s exited at start (%v); see %s", name, p.err, f.Name())
	case <-time.After(500 * time.Millisecond):
	}
	return p, nil
}

// watch notices a component that exits while the cluster runs.
func (c *Cluster) watch() {
	for _, p := range c.procs {
		c.bg.Add(1)
		go func() {
			defer c.bg.Done()
			select {
			case <-p.done:
				c.fail(fmt.Errorf("%s exited (%v); see %s", p.name, p.err, filepath.Join(c.LogDir, p.name+".log")))
			case <-c.stopping:
			}
		}()
	}
}

func (c *Cluster) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
	})
}

// Failed is closed when a component exits on its own while the cluster
// runs; Err then says which.
func (c *Cluster) Failed() <-chan struct{} { return c.failed }

// Err is nil while every component runs.
func (c *Cluster) Err() error {
	select {
	case <-c.failed:
		return c.failErr
	default:
		return nil
	}
}

// Pids maps each component to its process id. Each is also the id of the
// component's process group (which holds, e.g., commands kwok runs for
// exec).
func (c *Cluster) Pids() map[string]int {
	m := map[string]int{}
	for _, p := range c.procs {
		m[p.name] = p.Pid()
	}
	return m
}

// Stop stops every component, newest first, waiting for each process to
// exit, and removes Dir if Start made it. Safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		close(c.stopping)
		if c.cancel != nil {
			c.cancel()
		}
		var errs []error
		for _, l := range c.listeners {
			_ = l.Close()
		}
		for i := len(c.procs) - 1; i >= 0; i-- {
			errs = append(errs, c.procs[i].stop(15*time.Second))
		}
		c.bg.Wait()
		for _, f := range c.logFiles {
			errs = append(errs, f.Close())
		}
		if c.tmpDir {
			errs = append(errs, os.RemoveAll(c.Dir))
		}
		if c.lock != nil {
			errs = append(errs, c.lock.Close())
		}
		c.stopErr = errors.Join(errs...)
		if len(c.procs) > 0 {
			c.logf("cluster stopped")
		}
	})
	return c.stopErr
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

// freePort returns a TCP port free on 127.0.0.1 at the time of the call.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", fmt.Sprint(port)) }

// envWith returns the environment of this process with kv set.
func envWith(kv map[string]string) []string {
	env := os.Environ()
	out := env[:0:0]
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		if _, ok := kv[k]; !ok {
			out = append(out, e)
		}
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+kv[k])
	}
	return out
}

// Run starts one more process beside the cluster's components (e.g. a
// controller under test), its output in LogDir/name.log, in its own
// process group and killed with this process. It is watched like a
// component (Failed, Err) and stopped by Stop before the components.
// Not safe to call concurrently with Stop.
func (c *Cluster) Run(name, path string, args, env []string) (int, error) {
	p, err := c.run(name, path, args, env)
	if err != nil {
		return 0, err
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		select {
		case <-p.done:
			c.fail(fmt.Errorf("%s exited (%v); see %s", p.name, p.err, filepath.Join(c.LogDir, p.name+".log")))
		case <-c.stopping:
		}
	}()
	return p.Pid(), nil
}
