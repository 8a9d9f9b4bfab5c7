package stack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// ControllerOptions configure an `alluxioruntime-controller` process.
type ControllerOptions struct {
	Bin          string
	Kubeconfig   string
	FeatureGates string // e.g. "AdvancedStatefulSet=true"; "" for the defaults
	LogPath      string
	// ProbeAddr is --health-probe-bind-address; "" picks a free port.
	ProbeAddr string
	// MetricsAddr is --metrics-bind-address; "" disables metrics ("0").
	MetricsAddr string
	// Namespaces is --namespaces; nil: every namespace.
	Namespaces []string
	// Args are further flags, e.g. --mode=fluid.
	Args []string
}

// Controller is a running controller process.
type Controller struct {
	*Process
	Options ControllerOptions
}

// StartController starts the controller as in production (its own
// process, the cluster's kubeconfig) and returns once /readyz answers.
func StartController(ctx context.Context, o ControllerOptions) (*Controller, error) {
	if o.ProbeAddr == "" {
		port, err := FreePort("127.0.0.1")
		if err != nil {
			return nil, err
		}
		o.ProbeAddr = net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
	}
	metrics := o.MetricsAddr
	if metrics == "" {
		metrics = "0"
	}
	args := []string{
		"--kubeconfig=" + o.Kubeconfig,
		"--metrics-bind-address=" + metrics,
		"--health-probe-bind-address=" + o.ProbeAddr,
		"--leader-elect=false",
	}
	if o.FeatureGates != "" {
		args = append(args, "--feature-gates="+o.FeatureGates)
	}
	if len(o.Namespaces) > 0 {
		args = append(args, "--namespaces="+strings.Join(o.Namespaces, ","))
	}
	args = append(args, o.Args...)
	p, err := StartProcess("alluxioruntime-controller", o.Bin, args, nil, o.LogPath)
	if err != nil {
		return nil, err
	}
	c := &Controller{Process: p, Options: o}
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+o.ProbeAddr+"/readyz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		if done, _ := p.Exited(); done || time.Now().After(deadline) || ctx.Err() != nil {
			_ = p.Stop(5 * time.Second)
			return nil, fmt.Errorf("alluxioruntime-controller not ready at %s; log:\n%s", o.ProbeAddr, p.Tail(3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Restart starts a new controller process with the same options (the
// old one must have exited).
func (c *Controller) Restart(ctx context.Context) (*Controller, error) {
	return StartController(ctx, c.Options)
}

// FreePort returns a TCP port free on host at the time of the call.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
