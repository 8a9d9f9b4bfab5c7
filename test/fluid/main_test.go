// Package fluid runs Fluid v1.0.8 itself on the local cluster, with real
// Alluxio 2.9.6 behind its pods (test/fluid/stack), and measures what a
// plain Fluid scale-in does to a workload: the baseline graceful scale-in
// is measured against. Run with `make e2e-fluid` (E2E=1 go test
// ./test/fluid/); plain `go test ./...` skips it with a notice.
package fluid

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
	"github.com/fluid-drain/fluid-drain/test/fluid/workload"
)

var s *stack.Stack

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() || os.Getenv("E2E") == "" {
		fmt.Println("SKIP Fluid suite: set E2E=1 to run it (`make e2e-fluid` does; it needs `make cluster-binaries fluid-binaries`)")
		return 0
	}
	skip, err := workload.RequireTools("the Fluid suite")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if skip {
		return 0
	}
	if err := cluster.CheckBinaries("", false); err != nil {
		fmt.Printf("Fluid suite: %v\n", err)
		return 1
	}
	// Ctrl-C or SIGTERM: stop everything before going.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	logf := func(format string, args ...any) {
		fmt.Printf("%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	// Ten nodes: each runtime's workers run one per node (host network),
	// and Fluid places datasets exclusively by default (no node holds two
	// datasets' workers), so the 4-worker runtimes of the later scenarios
	// need nodes beside the 2 workers each earlier runtime keeps.
	s, err = stack.Start(startCtx, stack.Options{Logf: logf, Nodes: 10})
	if errors.Is(err, stack.ErrFluidMissing) {
		fmt.Printf("Fluid suite: %v\n", err)
		return 1
	}
	if err != nil {
		fmt.Printf("Fluid suite: starting the stack: %v\n", err)
		return 1
	}
	done := make(chan int, 1)
	go func() { done <- m.Run() }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		fmt.Println("Fluid suite: interrupted; stopping the stack")
		code = 1
	}
	if err := s.Stop(); err != nil {
		fmt.Printf("Fluid suite: stopping the stack: %v\n", err)
	}
	return code
}
