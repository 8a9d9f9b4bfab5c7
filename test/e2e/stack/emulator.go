package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// EmulatorOptions configure an `alluxio-emulator` process in
// pod-watching mode.
type EmulatorOptions struct {
	Bin        string
	MasterAddr string // host:port of the master's web API and the control API
	Kubeconfig string
	Namespace  string // worker pods watched; "" for all
	LogPath    string
	// RefreshInterval is alluxio.user.worker.list.refresh.interval.
	RefreshInterval   time.Duration
	OperationDuration time.Duration
	IdlePollInterval  time.Duration
}

// Emulator is a running emulator process and a client of its control API.
type Emulator struct {
	*Process
	// URL is the master's base URL, http://MasterAddr.
	URL  string
	http *http.Client
}

// StartEmulator starts the emulator and returns once its control API
// answers.
func StartEmulator(ctx context.Context, o EmulatorOptions) (*Emulator, error) {
	args := []string{
		"-master-addr=" + o.MasterAddr,
		"-refresh-interval=" + o.RefreshInterval.String(),
		"-kubeconfig=" + o.Kubeconfig,
		"-watch-namespace=" + o.Namespace,
	}
	if o.OperationDuration > 0 {
		args = append(args, "-op-duration="+o.OperationDuration.String())
	}
	if o.IdlePollInterval > 0 {
		args = append(args, "-idle-poll-interval="+o.IdlePollInterval.String())
	}
	p, err := StartProcess("alluxio-emulator", o.Bin, args, nil, o.LogPath)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Process: p, URL: "http://" + o.MasterAddr, http: &http.Client{Timeout: 10 * time.Second}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := e.Workers(ctx); err == nil {
			return e, nil
		} else if done, _ := p.Exited(); done || time.Now().After(deadline) || ctx.Err() != nil {
			_ = p.Stop(5 * time.Second)
			return nil, fmt.Errorf("alluxio-emulator did not answer at %s: %v; log:\n%s", e.URL, err, p.Tail(2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *Emulator) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.URL+"/emulator/v1/"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return &StatusError{Code: resp.StatusCode, Msg: strings.TrimSpace(string(msg))}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// StatusError is a control API answer other than 2xx.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string { return fmt.Sprintf("emulator answered %d: %s", e.Code, e.Msg) }

// Workers lists every worker the emulator knows, removed ones too.
func (e *Emulator) Workers(ctx context.Context) ([]emulator.WorkerSnapshot, error) {
	var out []emulator.WorkerSnapshot
	return out, e.do(ctx, http.MethodGet, "workers", nil, &out)
}

// Worker is the worker at host:webPort.
func (e *Emulator) Worker(ctx context.Context, host string, webPort int32) (emulator.WorkerSnapshot, error) {
	var out emulator.WorkerSnapshot
	return out, e.do(ctx, http.MethodGet, fmt.Sprintf("workers/%s/%d", host, webPort), nil, &out)
}

// SetBusy gives the worker never-ending work (busy) or takes it away.
func (e *Emulator) SetBusy(ctx context.Context, host string, webPort int32, busy bool) error {
	return e.do(ctx, http.MethodPut, fmt.Sprintf("workers/%s/%d/busy", host, webPort), map[string]bool{"busy": busy}, nil)
}

// ClientOp routes one read or write of path through the emulator's
// Alluxio client (which refreshes its worker list every refresh
// interval) and returns the worker it went to.
func (e *Emulator) ClientOp(ctx context.Context, path string) (emulator.Worker, error) {
	var out emulator.Worker
	return out, e.do(ctx, http.MethodPost, "client/operations", map[string]string{"path": path}, &out)
}

// WriteFile caches a file on a worker.
func (e *Emulator) WriteFile(ctx context.Context, f emulator.FileRequest) error {
	return e.do(ctx, http.MethodPost, "files", f, nil)
}

// PersistAll persists every file to the under store.
func (e *Emulator) PersistAll(ctx context.Context) error {
	return e.do(ctx, http.MethodPost, "files/persist", nil, nil)
}

// Record is everything that happened in the emulated cluster.
func (e *Emulator) Record(ctx context.Context) ([]emulator.Event, error) {
	var out []emulator.Event
	return out, e.do(ctx, http.MethodGet, "record", nil, &out)
}

// Violations are the recorded events a graceful scale-in must never cause.
func (e *Emulator) Violations(ctx context.Context) ([]emulator.Event, error) {
	var out []emulator.Event
	return out, e.do(ctx, http.MethodGet, "violations", nil, &out)
}
