package operations

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for Config's optional fields.
const (
	// DefaultMasterContainer is the container Fluid's chart runs the
	// Alluxio master in.
	DefaultMasterContainer = "alluxio-master"
	// DefaultCommandTimeout bounds quick CLI commands (enableWorker). The
	// Alluxio CLI is a JVM: it needs seconds just to start.
	DefaultCommandTimeout = 60 * time.Second
	// DefaultDecommissionAcceptWindow is how long Decommission lets the
	// CLI run before treating the request as accepted (see Decommission).
	DefaultDecommissionAcceptWindow = 10 * time.Second
	// DefaultPersistAcceptWindow is how long Persist lets `fs persist`
	// run before leaving the files to Alluxio (see Persist): long enough
	// for the JVM to start on a busy node and to persist small files.
	DefaultPersistAcceptWindow = 30 * time.Second
	// DefaultHTTPTimeout bounds each REST call to a master or worker.
	DefaultHTTPTimeout = 10 * time.Second
	// DefaultMaxResponseBytes bounds what is read of a REST answer. A
	// master's /api/v1/master/info carries its configuration and metrics,
	// tens of kilobytes; 8 MiB leaves room for huge clusters while a
	// misbehaving endpoint cannot exhaust the controller's memory.
	DefaultMaxResponseBytes = 8 << 20
)

// Config says how to reach one Alluxio cluster.
type Config struct {
	// Namespace and MasterPod locate the pod CLI commands run in
	// (Fluid: the runtime's namespace, "<runtime>-master-0").
	Namespace string
	MasterPod string
	// Container defaults to DefaultMasterContainer.
	Container string
	// MasterWebURL is the master's web endpoint, e.g. "http://10.1.2.3:19999".
	MasterWebURL string
	// Executor runs CLI commands; required.
	Executor Executor
	// HTTPClient defaults to NewHTTPClient(DefaultHTTPTimeout). A client
	// given here is used with NewHTTPClient's rules applied (no redirect
	// followed, no proxy from the environment).
	HTTPClient *http.Client
	// CommandTimeout defaults to DefaultCommandTimeout.
	CommandTimeout time.Duration
	// DecommissionAcceptWindow defaults to DefaultDecommissionAcceptWindow.
	DecommissionAcceptWindow time.Duration
	// PersistAcceptWindow defaults to DefaultPersistAcceptWindow.
	PersistAcceptWindow time.Duration
	// MaxResponseBytes defaults to DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client is the Interface implementation that talks to a real (or
// emulated) Alluxio: CLI commands through Config.Executor, REST over HTTP.
// It keeps no state between calls and is safe for concurrent use.
type Client struct {
	cfg       Config
	masterURL *url.URL
}

var _ Interface = (*Client)(nil)

// NewClient checks cfg, fills its defaults and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Executor == nil {
		return nil, fmt.Errorf("operations.Config.Executor is nil: use NewPodExecutor for a cluster or LocalExecutor for an emulator")
	}
	cfg.Executor = slottedExecutor{Executor: cfg.Executor, slots: masterCLISlots}
	masterURL, err := parseMasterWebURL(cfg.MasterWebURL)
	if err != nil {
		return nil, err
	}
	if cfg.Container == "" {
		cfg.Container = DefaultMasterContainer
	}
	cfg.HTTPClient = hardenHTTPClient(cfg.HTTPClient)
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = DefaultCommandTimeout
	}
	if cfg.DecommissionAcceptWindow <= 0 {
		cfg.DecommissionAcceptWindow = DefaultDecommissionAcceptWindow
	}
	if cfg.PersistAcceptWindow <= 0 {
		cfg.PersistAcceptWindow = DefaultPersistAcceptWindow
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return &Client{cfg: cfg, masterURL: masterURL}, nil
}

// parseMasterWebURL accepts "http(s)://host:port" and nothing more: the
// host passes the same checks as a worker's (validateHost), the port is
// 1-65535, and there is no user, path, query or fragment that could
// change where or what the controller asks.
func parseMasterWebURL(raw string) (*url.URL, error) {
	const fix = `use "http://<master pod IP>:<web port>", e.g. "http://10.1.2.3:19999"`
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("operations.Config.MasterWebURL %q is not an http(s) URL with a host: %s: %w", raw, fix, ErrInvalidAddress)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("operations.Config.MasterWebURL %q has a user, path, query or fragment: %s: %w", raw, fix, ErrInvalidAddress)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("operations.Config.MasterWebURL %q has no port in 1-65535: %s: %w", raw, fix, ErrInvalidAddress)
	}
	if err := validateHost("master", u.Hostname()); err != nil {
		return nil, fmt.Errorf("operations.Config.MasterWebURL %q: %w; %s", raw, err, fix)
	}
	return u, nil
}

// runCLI runs an `alluxio ...` command in the master pod within timeout
// (a child of ctx).
func (c *Client) runCLI(ctx context.Context, timeout time.Duration, argv []string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, _, err := c.cfg.Executor.Exec(ctx, c.cfg.Namespace, c.cfg.MasterPod, c.cfg.Container, argv)
	return err
}
