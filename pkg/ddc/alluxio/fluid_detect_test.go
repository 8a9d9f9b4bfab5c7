package alluxio

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

func discoveryServing(resources ...string) *fakediscovery.FakeDiscovery {
	d := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	if len(resources) == 0 {
		return d
	}
	list := &metav1.APIResourceList{GroupVersion: datav1alpha1.GroupVersion.String()}
	for _, r := range resources {
		list.APIResources = append(list.APIResources, metav1.APIResource{Name: r, Namespaced: true})
	}
	d.Resources = []*metav1.APIResourceList{list}
	return d
}

func TestStandaloneIsRefusedWhereFluidIsInstalled(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mode      Mode
		resources []string
		refused   bool
	}{
		{"standalone, no data.fluid.io at all", StandaloneMode, nil, false},
		{"standalone, only our own AlluxioRuntime CRD", StandaloneMode, []string{"alluxioruntimes", "alluxioruntimes/status"}, false},
		{"standalone, Fluid's Dataset CRD served", StandaloneMode, []string{"alluxioruntimes", "datasets", "datasets/status"}, true},
		{"fluid mode next to Fluid", FluidMode, []string{"alluxioruntimes", "datasets"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := RefuseStandaloneNextToFluid(tc.mode, discoveryServing(tc.resources...))
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("standalone mode was not refused next to Fluid")
			}
			for _, want := range []string{"--mode=standalone refused", "datasets.data.fluid.io", "--mode=fluid"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not say %q", err, want)
				}
			}
		})
	}
}
