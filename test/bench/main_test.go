package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

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
	if tmpDir, err = os.MkdirTemp("", "bench-"); err != nil {
		fmt.Println(err)
		return 1
	}
	defer os.RemoveAll(tmpDir)
	tune := func(o *testenv.Options) {
		o.ControllerManagerArgs = kcmArgs
		// Away from 127.0.1.x, which the suites that may run beside the
		// bench use; 100 runtimes of 10 workers and a master are 1,100 pods.
		o.FakeKubelet.PodCIDRPrefix = podPrefixes[0]
		o.FakeKubelet.MorePodCIDRPrefixes = podPrefixes[1:]
		o.FakeKubelet.ShareNodes = true
	}
	return framework.WithEmulatedCluster(&emulators, tune, func(e *testenv.Env, r string) int {
		env, root = e, r
		if k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: framework.Scheme()}); err != nil {
			fmt.Println(err)
			return 1
		}
		return m.Run()
	})
}
