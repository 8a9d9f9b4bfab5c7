// Package api holds the suites that run the controller against a real
// kube-apiserver (no kubelet): the CRD's schema and validation, the scale
// subresource, and the workloads a runtime creates.
package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-base/featuregate"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/features"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

var (
	env *testenv.Env
	k8s client.Client
	// gates are the running controller's feature gates; a test may flip
	// one and must put it back.
	gates featuregate.MutableFeatureGate
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	return framework.WithControlPlane(func(root string) testenv.Options {
		return testenv.Options{
			CRDDirs:    []string{filepath.Join(root, "config", "crd", "bases")},
			KruiseCRDs: true,
			Scheme:     framework.Scheme(),
		}
	}, func(e *testenv.Env, _ string) int {
		env, k8s = e, e.Client
		gates = features.MutableGates.DeepCopy()
		mgr, err := framework.StartManager(env.Config, framework.ManagerOptions{
			Gates:     gates,
			Connector: alluxio.ClusterConnector{},
			Logger:    logr.Discard(),
		})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		defer func() { _ = mgr.Stop() }()
		return m.Run()
	})
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}
