// Package e2e proves the graceful scale-in end to end on a real local
// cluster (test/e2e/cluster: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok, the OpenKruise manager), with the controller
// running as in production: the built binary, its own process, the
// cluster's kubeconfig. It execs the Alluxio CLI in the master pod through
// kwok (which runs the `alluxio` shim) and calls each worker's REST API on
// its pod IP, where `alluxio-emulator -kubeconfig` runs one emulated worker
// per Running worker pod. Assertions are on what kubectl shows (runtime
// conditions, events, pods) and on the emulator's record of what Alluxio
// saw (/emulator/v1/record, /emulator/v1/violations).
//
// One cluster serves every scenario, one namespace each; scenarios run one
// after another (the `alluxio` shim reaches the current scenario's
// emulator through a router in this process). Run with `make e2e`
// (E2E=1 go test ./test/e2e/); plain `go test ./...` skips it.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
	"github.com/fluid-drain/fluid-drain/test/e2e/stack"
)

// Addresses of this suite's cluster, apart from envtest suites' (pod IPs
// 127.0.1.x) and the demo's.
const (
	podCIDR      = "127.0.2.0/24"
	nodeIPPrefix = "127.0.3."
)

var (
	root     string
	bins     stack.Binaries
	kc       *cluster.Cluster
	k8s      client.WithWatch
	masterIP string
	logDir   string
	router   = &cliRouter{}
	// helmBin is bin/helm; imageDigest the controller image's digest.
	helmBin, imageDigest string
	// controllerKubeconfig authenticates as the chart's service account.
	controllerKubeconfig string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() || os.Getenv("E2E") == "" {
		fmt.Println("SKIP e2e: set E2E=1 to run it (`make e2e` does; it needs `make cluster-binaries` and takes about 5 minutes)")
		return 0
	}
	var err error
	if root, err = cluster.RepoRoot(); err != nil {
		fmt.Println(err)
		return 1
	}
	if err := cluster.CheckBinaries(root, true); err != nil {
		fmt.Printf("SKIP e2e: %v\n(`make cluster-binaries` builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and the Kruise manager into bin/k8s; `make e2e` runs this suite)\n", err)
		return 0
	}
	if helmBin = filepath.Join(root, "bin", "helm"); !fileExists(helmBin) {
		fmt.Printf("SKIP e2e: %s is missing (`make helm` builds Helm from its Go module; the suite installs fluid-drain with its chart)\n", helmBin)
		return 0
	}
	if logDir, err = os.MkdirTemp("", "fluid-drain-e2e-"); err != nil {
		fmt.Println(err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	started := time.Now()
	// The controller, emulator and shim of this tree, built fresh (cached
	// builds take seconds).
	if bins, err = stack.Build(ctx, root, filepath.Join(logDir, "bin")); err != nil {
		fmt.Println(err)
		return 1
	}
	// The controller the suite runs is the one in its image.
	if bins.Controller, imageDigest, err = stack.ControllerFromImage(ctx, root, filepath.Join(logDir, "bin")); err != nil {
		fmt.Println(err)
		return 1
	}
	logf("built the controller image %s (the controller runs from it), the emulator and the shim (%s)", imageDigest, time.Since(started).Round(time.Second))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	srv := &http.Server{Handler: router}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	kc, err = cluster.Start(ctx, cluster.Options{
		Root:         root,
		LogDir:       filepath.Join(logDir, "cluster"),
		Nodes:        3,
		Kruise:       true,
		PodCIDR:      podCIDR,
		NodeIPPrefix: nodeIPPrefix,
		ExecPath:     []string{bins.ShimDir()},
		ExecEnv:      map[string]string{"ALLUXIO_EMULATOR_URL": "http://" + l.Addr().String()},
		Logf:         logf,
	})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	masterIP = kc.NodeIPs[kc.MasterNode]
	if k8s, err = client.NewWithWatch(kc.Config, client.Options{Scheme: stack.Scheme()}); err != nil {
		fmt.Println(err)
		_ = kc.Stop()
		return 1
	}
	if err := installChart(ctx); err != nil {
		fmt.Println(err)
		_ = kc.Stop()
		return 1
	}
	logf("installed fluid-drain with its chart (release %s in %s); the controller runs as its service account", chartRelease, chartNamespace)
	code := m.Run()
	if err := kc.Stop(); err != nil {
		fmt.Println("stopping the cluster:", err)
	}
	if code == 0 && os.Getenv("E2E_KEEP_LOGS") == "" {
		_ = os.RemoveAll(logDir)
	} else {
		fmt.Printf("e2e logs (controller, emulator, cluster components): %s\n", logDir)
	}
	logf("e2e suite done in %s", time.Since(started).Round(time.Second))
	return code
}

func logf(format string, args ...any) {
	fmt.Printf("%s e2e: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// cliRouter forwards the `alluxio` shim's requests (kwok runs it with one
// ALLUXIO_EMULATOR_URL for the whole cluster) to the emulator of the
// scenario that runs now. A shim killed mid-command (the controller
// killed) cancels the forwarded request too.
type cliRouter struct {
	target atomic.Pointer[url.URL]
}

func (r *cliRouter) set(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	r.target.Store(u)
}

func (r *cliRouter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	u := r.target.Load()
	if u == nil {
		http.Error(w, "no emulator for the current e2e scenario", http.StatusServiceUnavailable)
		return
	}
	httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, req)
}
