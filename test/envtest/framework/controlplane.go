package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/labels"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

// WithControlPlane is a suite's TestMain body: it starts one control plane
// for the package with the options opts builds from the repository root,
// runs body, and stops everything. Missing binaries skip the suite with a
// message naming `make test-binaries`. It returns the exit code.
func WithControlPlane(opts func(root string) testenv.Options, body func(env *testenv.Env, root string) int) int {
	root, err := testenv.RepoRoot()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	env, err := testenv.Start(context.Background(), opts(root))
	if errors.Is(err, testenv.ErrBinariesMissing) {
		fmt.Println("SKIP:", err)
		return 0
	}
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	return body(env, root)
}

// WithEmulatedCluster is WithControlPlane for the suites that run
// scale-ins: the real kube-controller-manager, Kruise's CRDs, and a fake
// kubelet whose pods start the Alluxio processes of em (em.ShimPath is
// built here). tune, if set, adjusts the options (e.g. address pools).
func WithEmulatedCluster(em *Emulators, tune func(*testenv.Options), body func(env *testenv.Env, root string) int) int {
	tmp, err := os.MkdirTemp("", "fluid-drain-shim-")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer os.RemoveAll(tmp)
	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	return WithControlPlane(func(root string) testenv.Options {
		opts := testenv.Options{
			CRDDirs:           []string{filepath.Join(root, "config", "crd", "bases")},
			ControllerManager: true,
			KruiseCRDs:        true,
			Scheme:            Scheme(),
			FakeKubelet:       &testenv.KubeletOptions{PodSelector: managed, OnRunning: em.PodRunning, OnGone: em.PodGone},
		}
		if tune != nil {
			tune(&opts)
		}
		return opts
	}, func(env *testenv.Env, root string) int {
		if em.ShimPath, err = BuildShim(root, tmp); err != nil {
			fmt.Println(err)
			return 1
		}
		return body(env, root)
	})
}
