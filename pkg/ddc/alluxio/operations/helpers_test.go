package operations

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a fake `alluxio` for
// LocalExecutor tests (the os/exec helper-process pattern).
const helperEnv = "OPERATIONS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch mode := os.Getenv(helperEnv); {
	case mode == "":
		os.Exit(m.Run())
	case mode == "print-args":
		for _, arg := range os.Args[1:] {
			fmt.Println(arg)
		}
		os.Exit(0)
	case strings.HasPrefix(mode, "exit-"):
		code, _ := strconv.Atoi(strings.TrimPrefix(mode, "exit-"))
		fmt.Println("some stdout")
		fmt.Fprintln(os.Stderr, "helper failed on purpose")
		os.Exit(code)
	case mode == "block":
		fmt.Println("started")
		time.Sleep(time.Minute)
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		os.Exit(99)
	}
}

// fakeExecutor records every command and answers with run.
type fakeExecutor struct {
	mu    sync.Mutex
	calls [][]string
	run   func(ctx context.Context, argv []string) ([]byte, []byte, error)
}

func (f *fakeExecutor) Exec(ctx context.Context, _, _, _ string, argv []string) ([]byte, []byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, append([]string(nil), argv...))
	f.mu.Unlock()
	if f.run == nil {
		return nil, nil, nil
	}
	return f.run(ctx, argv)
}

func (f *fakeExecutor) Calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.calls...)
}

// exitWith answers like a command that exited with code and printed out.
func exitWith(code int, stdout, stderr string) func(context.Context, []string) ([]byte, []byte, error) {
	return func(_ context.Context, argv []string) ([]byte, []byte, error) {
		return []byte(stdout), []byte(stderr), &CommandError{Argv: argv, ExitCode: code, Stdout: stdout, Stderr: stderr}
	}
}

// blockUntilCancelled behaves like the real decommissionWorker: it runs
// far longer than any accept window.
func blockUntilCancelled(ctx context.Context, argv []string) ([]byte, []byte, error) {
	<-ctx.Done()
	return []byte("Set worker decommissioned on master\n"), nil, fmt.Errorf("command %q abandoned: %w", argv, ctx.Err())
}

// masterInfoServer serves a fixed /api/v1/master/info body on 127.0.0.1.
func masterInfoServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != masterInfoPath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newTestClient(t *testing.T, masterURL string, exec Executor) *Client {
	t.Helper()
	if masterURL == "" {
		masterURL = "http://127.0.0.1:1"
	}
	c, err := NewClient(Config{
		Namespace:                "fluid",
		MasterPod:                "hbase-master-0",
		MasterWebURL:             masterURL,
		Executor:                 exec,
		HTTPClient:               &http.Client{Timeout: 2 * time.Second},
		DecommissionAcceptWindow: 300 * time.Millisecond,
		PersistAcceptWindow:      300 * time.Millisecond,
		CommandTimeout:           2 * time.Second,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}
