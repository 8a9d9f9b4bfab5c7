package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

var (
	env    *testenv.Env
	k8s    client.WithWatch
	root   string
	tmpDir string
	// emulators are the Alluxio clusters, one per namespace (one runtime
	// per namespace).
	emulators framework.Emulators
)

// kcmArgs lift kube-controller-manager's client rate limit (20 QPS by
// default), which would otherwise throttle the StatefulSet controller
// with hundreds of pods; production clusters commonly raise it too.
var kcmArgs = []string{"--kube-api-qps=200", "--kube-api-burst=400", "--concurrent-statefulset-syncs=10"}

// podPrefixes are the fake kubelet's pod addresses: 6 x 254.
var podPrefixes = []string{"127.0.201.", "127.0.202.", "127.0.203.", "127.0.204.", "127.0.205.", "127.0.206."}

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if root, err = testenv.RepoRoot(); err != nil {
		fmt.Println(err)
		return 1
	}
	if tmpDir, err = os.MkdirTemp("", "bench-"); err != nil {
		fmt.Println(err)
		return 1
	}
	defer os.RemoveAll(tmpDir)
	if emulators.ShimPath, err = framework.BuildShim(root, tmpDir); err != nil {
		fmt.Println(err)
		return 1
	}
	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	env, err = testenv.Start(context.Background(), testenv.Options{
		CRDDirs:               []string{filepath.Join(root, "config", "crd", "bases")},
		ControllerManager:     true,
		ControllerManagerArgs: kcmArgs,
		KruiseCRDs:            true,
		Scheme:                framework.Scheme(),
		FakeKubelet: &testenv.KubeletOptions{
			PodSelector: managed, OnRunning: emulators.PodRunning, OnGone: emulators.PodGone,
			// Away from 127.0.1.x, which the suites that may run beside
			// the bench use; 100 runtimes of 10 workers and a master are
			// 1,100 pods.
			PodCIDRPrefix:       podPrefixes[0],
			MorePodCIDRPrefixes: podPrefixes[1:],
			ShareNodes:          true,
		},
	})
	if errors.Is(err, testenv.ErrBinariesMissing) {
		fmt.Println("SKIP:", err)
		return 0
	}
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	if k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: framework.Scheme()}); err != nil {
		fmt.Println(err)
		return 1
	}
	return m.Run()
}
