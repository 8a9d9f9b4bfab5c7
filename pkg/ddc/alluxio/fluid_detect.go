package alluxio

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// FluidDatasetResource is the resource by which the controller knows that
// Fluid is installed: Fluid's chart installs its Dataset CRD
// (datasets.data.fluid.io) with its runtime controllers, and fluid-drain
// never installs it. Asking discovery needs no permission beyond what
// every authenticated user has, unlike listing Deployments in every
// namespace to find Fluid's alluxioruntime-controller.
const FluidDatasetResource = "datasets"

// FluidServed reports whether the API server serves Fluid's Dataset
// (data.fluid.io/v1alpha1 datasets).
func FluidServed(dc discovery.DiscoveryInterface) (bool, error) {
	resources, err := dc.ServerResourcesForGroupVersion(datav1alpha1.GroupVersion.String())
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("discover %s: %w", datav1alpha1.GroupVersion, err)
	}
	for _, r := range resources.APIResources {
		if r.Name == FluidDatasetResource {
			return true, nil
		}
	}
	return false, nil
}

// RefuseStandaloneNextToFluid returns the error that stops the controller
// in standalone mode where Fluid is installed: both would create the
// master and worker sets of the same AlluxioRuntimes.
func RefuseStandaloneNextToFluid(mode Mode, dc discovery.DiscoveryInterface) error {
	if mode != StandaloneMode {
		return nil
	}
	fluid, err := FluidServed(dc)
	if err != nil {
		return err
	}
	if fluid {
		return fmt.Errorf("--mode=standalone refused: Fluid is installed in this cluster (the API server serves %s.%s, Fluid's Dataset CRD), "+
			"and its own AlluxioRuntime controller creates the master and worker sets that standalone mode would create too. "+
			"Run next to Fluid with --mode=fluid (the chart's default, mode=fluid), or uninstall Fluid first", FluidDatasetResource, datav1alpha1.GroupVersion.Group)
	}
	return nil
}
