// Command kubectl-fluid_drain is the `kubectl fluid-drain` plugin: put it
// on PATH (kubectl maps the underscore to a dash) and run
//
//	kubectl fluid-drain status [runtime] [-n namespace | -A]
//	kubectl fluid-drain force <pod> [-n namespace] [--yes]
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/fluid-drain/fluid-drain/pkg/kubectlplugin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := kubectlplugin.NewCommand(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, time.Now)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}
