// Command alluxio-emulator serves an emulated Alluxio cluster
// (pkg/ddc/alluxio/emulator) until SIGINT or SIGTERM: the master's web API
// and the emulator's control API on -master-addr, and each worker's web
// API on its own address. Other processes add and remove workers, start
// operations and run CLI commands through the control API
// (/emulator/v1/...); the `alluxio` shim (cmd/alluxio) uses it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

func main() {
	var (
		cfg        emulator.Config
		masterAddr string
		workers    string
		verbose    bool
		watch      watchFlags
	)
	flag.StringVar(&masterAddr, "master-addr", "127.0.0.1:19999", "address of the master's web API and the control API (loopback)")
	flag.StringVar(&cfg.Version, "version", emulator.DefaultVersion, "Alluxio version to emulate (2.9.x lacks decommissionWorker)")
	flag.DurationVar(&cfg.RefreshInterval, "refresh-interval", emulator.DefaultRefreshInterval, "alluxio.user.worker.list.refresh.interval")
	flag.DurationVar(&cfg.OperationDuration, "op-duration", time.Second, "how long an operation stays in flight on a worker")
	flag.DurationVar(&cfg.IdlePollInterval, "idle-poll-interval", time.Second, "how often decommissionWorker polls a worker")
	flag.BoolVar(&cfg.EnforceWait, "enforce-wait", false, "make decommissionWorker honour --wait (Alluxio does not)")
	flag.StringVar(&workers, "workers", "", "workers to start with, host:rpcPort:webPort separated by commas")
	flag.BoolVar(&verbose, "v", false, "log every event")
	flag.StringVar(&watch.kubeconfig, "kubeconfig", "", "if set, watch worker pods in this cluster and run one emulated worker per Running worker pod, on its pod IP (see -watch-*)")
	flag.StringVar(&watch.namespace, "watch-namespace", "", "namespace of the worker pods to watch (default: all)")
	flag.StringVar(&watch.selector, "watch-selector", "data.fluid.io/component=worker", "label selector of the worker pods to watch")
	flag.IntVar(&watch.rpcPort, "worker-rpc-port", 29999, "rpc port of a watched pod's worker when its containers have no port named \"rpc\"")
	flag.IntVar(&watch.webPort, "worker-web-port", 30000, "web port of a watched pod's worker when its containers have no port named \"web\"")
	flag.Parse()

	if verbose {
		cfg.Logger = funcr.New(func(prefix, args string) { fmt.Fprintln(os.Stderr, prefix, args) }, funcr.Options{Verbosity: 1})
	}
	if err := serve(cfg, masterAddr, workers, watch, cfg.Logger); err != nil {
		fmt.Fprintln(os.Stderr, "alluxio-emulator:", err)
		os.Exit(1)
	}
}

func serve(cfg emulator.Config, masterAddr, workers string, watch watchFlags, log logr.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c := emulator.New(cfg)
	defer c.Close()
	if err := c.StartMaster(masterAddr); err != nil {
		return err
	}
	for _, spec := range strings.FieldsFunc(workers, func(r rune) bool { return r == ',' }) {
		host, rpc, web, err := parseWorkerSpec(spec)
		if err != nil {
			return err
		}
		if _, err := c.AddWorker(host, rpc, web); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "alluxio-emulator: Alluxio %s master at %s\n", c.Version(), c.MasterURL())
	if watch.kubeconfig != "" {
		if err := watch.run(ctx, c); err != nil {
			return err
		}
	}
	<-ctx.Done()
	if log.GetSink() != nil {
		log.Info("shutting down")
	}
	return nil
}

func parseWorkerSpec(spec string) (string, int32, int32, error) {
	parts := strings.Split(spec, ":")
	if len(parts) != 3 {
		return "", 0, 0, fmt.Errorf("worker %q is not host:rpcPort:webPort", spec)
	}
	rpc, err1 := strconv.ParseInt(parts[1], 10, 32)
	web, err2 := strconv.ParseInt(parts[2], 10, 32)
	if err1 != nil || err2 != nil {
		return "", 0, 0, fmt.Errorf("worker %q has a port that is not a number", spec)
	}
	return parts[0], int32(rpc), int32(web), nil
}
