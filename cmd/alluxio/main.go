// Command alluxio is a stand-in for Alluxio's `alluxio` launcher that runs
// each command on an emulated cluster (pkg/ddc/alluxio/emulator).
//
// It POSTs its arguments to $ALLUXIO_EMULATOR_URL/emulator/v1/cli, prints
// the command's stdout and stderr, and exits with its exit code. Put it on
// the PATH of a fake kubelet (kwok) so that `kubectl exec ... -- alluxio
// fsadmin ...` exercises the controller's real exec path.
//
// If ALLUXIO_EMULATOR_URL is unset or the emulator cannot be reached, it
// says so and exits 2, the code Alluxio's decommissionWorker uses for a
// lost master connection.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const (
	envURL              = "ALLUXIO_EMULATOR_URL"
	exitLostMaster      = 2
	maxResponseBodySize = 64 << 20
)

// cliRequest and cliResponse mirror emulator.CLIRequest/CLIResponse; the
// shim stays free of the emulator's dependencies, and the emulator's
// end-to-end test pins the two together.
type cliRequest struct {
	Args []string `json:"args"`
}

type cliResponse struct {
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	ExitCode int    `json:"exitCode"`
}

func main() {
	// A kill ends the request, which the emulator sees as the end of the
	// command (a blocking decommissionWorker stops waiting).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Getenv(envURL), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, baseURL string, args []string, stdout, stderr io.Writer) int {
	if baseURL == "" {
		fmt.Fprintf(stderr, "alluxio (emulator shim): %s is not set; it must point at the emulated master, "+
			"e.g. http://127.0.0.1:19999\n", envURL)
		return exitLostMaster
	}
	if args == nil {
		args = []string{}
	}
	body, err := json.Marshal(cliRequest{Args: args})
	if err != nil {
		fmt.Fprintf(stderr, "alluxio (emulator shim): cannot encode the arguments: %v\n", err)
		return exitLostMaster
	}
	url := strings.TrimSuffix(baseURL, "/") + "/emulator/v1/cli"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(stderr, "alluxio (emulator shim): bad %s %q: %v\n", envURL, baseURL, err)
		return exitLostMaster
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "alluxio (emulator shim): cannot reach the emulated master at %s: %v\n", baseURL, err)
		return exitLostMaster
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		fmt.Fprintf(stderr, "alluxio (emulator shim): the emulated master at %s answered %s: %s\n",
			baseURL, resp.Status, strings.TrimSpace(string(msg)))
		return exitLostMaster
	}
	var out cliResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBodySize)).Decode(&out); err != nil {
		fmt.Fprintf(stderr, "alluxio (emulator shim): cannot read the emulator's answer: %v\n", err)
		return exitLostMaster
	}
	_, _ = io.WriteString(stdout, out.Stdout)
	_, _ = io.WriteString(stderr, out.Stderr)
	return out.ExitCode
}
