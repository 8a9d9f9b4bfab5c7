package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	e2estack "github.com/fluid-drain/fluid-drain/test/e2e/stack"
)

// FluidDrainRelease and FluidDrainNamespace are where InstallFluidDrain
// installs fluid-drain's chart.
const (
	FluidDrainRelease   = "fluid-drain"
	FluidDrainNamespace = "fluid-drain-system"
)

// DrainPolicy is fluid-drain's policy for Fluid's runtimes, as chart
// values and the controller's flags: quick enough to watch.
var DrainPolicy = map[string]string{"quietPeriod": "5s", "pollInterval": "2s", "drainTimeout": "5m"}

// GuardHeartbeatTimeout is the admission guard's heartbeat timeout the
// chart is installed with: longer than the suite's 15 s controller
// outage, short enough to watch the guard lapse.
const GuardHeartbeatTimeout = "30s"

// InstallFluidDrain installs fluid-drain the way a Fluid user does: its
// chart in mode fluid (the admission guard, its RBAC and service account,
// no CRD, Fluid's is in use), then runs the controller extracted from the
// image, as the chart's service account. The cluster's kubelets are fake,
// so the chart's Deployment is pinned to no node and the process stands
// in for its pod. The controller's log is LogDir/fluid-drain.log.
func (s *Stack) InstallFluidDrain(ctx context.Context) (*e2estack.Controller, error) {
	root := filepath.Join(s.Dir, "fluid-drain")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	bin, digest, err := e2estack.ControllerFromImage(ctx, s.opts.Root, root)
	if err != nil {
		return nil, err
	}
	sets := []string{"mode=fluid", "image.repository=fluid-drain/alluxioruntime-controller", "image.digest=" + digest,
		`nodeSelector.fluid-drain\.io/node=none`}
	sets = append(sets, "admissionPolicy.heartbeatTimeout="+GuardHeartbeatTimeout)
	args := []string{"--mode=fluid", "--zap-log-level=info", "--guard-heartbeat-timeout=" + GuardHeartbeatTimeout}
	for _, k := range []string{"quietPeriod", "pollInterval", "drainTimeout"} {
		sets = append(sets, "scaleIn."+k+"="+DrainPolicy[k])
	}
	args = append(args, "--quiet-period="+DrainPolicy["quietPeriod"], "--poll-interval="+DrainPolicy["pollInterval"], "--drain-timeout="+DrainPolicy["drainTimeout"])
	if err := e2estack.HelmInstall(ctx, filepath.Join(s.opts.Root, "bin", "helm"), s.Cluster.KubeconfigPath, FluidDrainRelease,
		filepath.Join(s.opts.Root, "charts", "fluid-drain"), FluidDrainNamespace, sets...); err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(root, "controller.kubeconfig")
	if err := e2estack.ServiceAccountKubeconfig(ctx, s.Cluster.Config, FluidDrainNamespace, FluidDrainRelease+"-controller-manager", kubeconfig); err != nil {
		return nil, err
	}
	return e2estack.StartController(ctx, e2estack.ControllerOptions{
		Bin: bin, Kubeconfig: kubeconfig, LogPath: filepath.Join(s.LogDir, "fluid-drain.log"), Args: args,
	})
}

// UninstallFluidDrain runs `helm uninstall` of fluid-drain's release.
// The controller process, standing in for the Deployment's pod, is the
// caller's to stop.
func (s *Stack) UninstallFluidDrain(ctx context.Context) error {
	return e2estack.HelmUninstall(ctx, filepath.Join(s.opts.Root, "bin", "helm"), s.Cluster.KubeconfigPath, FluidDrainRelease, FluidDrainNamespace)
}

// WaitGuarded waits until fluid-drain has put every worker pod of r
// under its admission guard (label data.fluid.io/drain-guard=true): a
// pod scaled in before that is not held.
func (s *Stack) WaitGuarded(ctx context.Context, r Runtime, timeout time.Duration) error {
	var last string
	err := s.Poll(ctx, timeout, func() bool {
		pods, err := s.Cluster.Clientset.CoreV1().Pods(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "role=alluxio-worker,release=" + r.Name})
		if err != nil || len(pods.Items) == 0 {
			return false
		}
		for _, p := range pods.Items {
			if p.Labels["data.fluid.io/drain-guard"] != "true" {
				last = p.Name
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("worker %s of %s/%s not under fluid-drain's guard: %w", last, r.Namespace, r.Name, err)
	}
	return nil
}
