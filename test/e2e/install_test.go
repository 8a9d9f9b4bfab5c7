package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/e2e/stack"
)

// The suite installs fluid-drain as a user does, with its chart.
const (
	chartRelease   = "fluid-drain"
	chartNamespace = "fluid-drain-system"
	// chartSA is the chart's service account for release chartRelease.
	chartSA = chartRelease + "-controller-manager"
	// noNode keeps the chart's Deployment pod Pending: the cluster's
	// kubelets are fake and run no image, so the controller runs as a
	// process here, with the Deployment's service account.
	noNode = `nodeSelector.fluid-drain\.io/node=none`
)

// chartValues are the --set pairs every install of the suite uses: mode
// standalone (no Fluid here; the chart's default is mode fluid), the image
// just built, by digest.
func chartValues(extra ...string) []string {
	return append([]string{
		"mode=standalone",
		"image.repository=fluid-drain/alluxioruntime-controller",
		"image.digest=" + imageDigest,
		noNode,
	}, extra...)
}

// installChart installs the chart (CRD, RBAC, Deployment) cluster-wide and
// writes controllerKubeconfig, which authenticates as its service
// account: every scenario's controller has exactly the chart's rights.
func installChart(ctx context.Context) error {
	if err := stack.HelmInstall(ctx, helmBin, kc.KubeconfigPath, chartRelease, filepath.Join(root, "charts", "fluid-drain"), chartNamespace, chartValues()...); err != nil {
		return err
	}
	// The CRD came with the chart: wait until AlluxioRuntimes are served.
	deadline := time.Now().Add(time.Minute)
	for {
		err := k8s.List(ctx, &v1alpha1.AlluxioRuntimeList{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("AlluxioRuntimes not served a minute after the chart installed its CRD: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	controllerKubeconfig = filepath.Join(logDir, "controller.kubeconfig")
	return stack.ServiceAccountKubeconfig(ctx, kc.Config, chartNamespace, chartSA, controllerKubeconfig)
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
