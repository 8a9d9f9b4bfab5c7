// Package scalein runs graceful scale-ins end to end on a real control
// plane: kube-apiserver, the real kube-controller-manager (StatefulSet and
// garbage collector), a fake kubelet giving pods loopback IPs, and an
// Alluxio emulator whose master and workers listen on those IPs. The
// controller reaches Alluxio through its real operations code: REST to
// the pod IPs, and the CLI through the `alluxio` shim.
package scalein

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

var (
	env *testenv.Env
	k8s client.WithWatch
	// controllerConfig is the identity the controller runs with: only the
	// rights of config/rbac/role.yaml.
	controllerConfig *rest.Config
	// emulators are the Alluxio clusters, one per test namespace.
	emulators framework.Emulators
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	return framework.WithEmulatedCluster(&emulators, nil, func(e *testenv.Env, root string) int {
		env = e
		var err error
		if k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: framework.Scheme()}); err != nil {
			fmt.Println(err)
			return 1
		}
		// The controller runs as a user granted only the generated
		// ClusterRole: every call any scenario makes must be allowed by it.
		controllerConfig, err = framework.RestrictedUser(context.Background(), env, k8s, filepath.Join(root, "config", "rbac", "role.yaml"))
		if err != nil {
			fmt.Println(err)
			return 1
		}
		return m.Run()
	})
}
