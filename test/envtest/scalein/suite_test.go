// Package scalein runs graceful scale-ins end to end on a real control
// plane: kube-apiserver, the real kube-controller-manager (StatefulSet and
// garbage collector), a fake kubelet giving pods loopback IPs, and an
// Alluxio emulator whose master and workers listen on those IPs. The
// controller reaches Alluxio through its real operations code: REST to
// the pod IPs, and the CLI through the `alluxio` shim.
package scalein

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

var (
	env      *testenv.Env
	k8s      client.WithWatch
	shimPath string
	// controllerConfig is the identity the controller runs with: only the
	// rights of config/rbac/role.yaml.
	controllerConfig *rest.Config
	// emulators are the Alluxio clusters, one per test namespace.
	emulators sync.Map // namespace -> *emulator.Cluster
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	root, err := testenv.RepoRoot()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "scalein-shim-")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer os.RemoveAll(tmp)
	shimPath = filepath.Join(tmp, "alluxio")
	if out, err := exec.Command("go", "build", "-o", shimPath, filepath.Join(root, "cmd", "alluxio")).CombinedOutput(); err != nil {
		fmt.Printf("build the alluxio shim: %v\n%s", err, out)
		return 1
	}

	managed := labels.SelectorFromSet(labels.Set{datav1alpha1.ManagedByLabel: datav1alpha1.ManagedByValue})
	env, err = testenv.Start(context.Background(), testenv.Options{
		CRDDirs:           []string{filepath.Join(root, "config", "crd", "bases")},
		ControllerManager: true,
		KruiseCRDs:        true,
		Scheme:            framework.Scheme(),
		FakeKubelet:       &testenv.KubeletOptions{PodSelector: managed, OnRunning: podRunning, OnGone: podGone},
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
	k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: framework.Scheme()})
	if err != nil {
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
}

// podRunning plays the Alluxio processes a pod would start: the master
// serves on its pod IP, a worker registers with the master.
func podRunning(pod *corev1.Pod) {
	v, ok := emulators.Load(pod.Namespace)
	if !ok {
		return
	}
	emu := v.(*emulator.Cluster)
	switch pod.Labels[datav1alpha1.ComponentLabel] {
	case datav1alpha1.MasterComponent:
		if err := emu.StartMaster(pod.Status.PodIP + ":19999"); err != nil {
			fmt.Println("emulated master:", err)
		}
	case datav1alpha1.WorkerComponent:
		if _, err := emu.AddWorker(pod.Status.PodIP, 29999, 30000); err != nil {
			fmt.Println("emulated worker:", err)
		}
	}
}

// podGone stops the worker process of a pod that is gone.
func podGone(pod *corev1.Pod) {
	v, ok := emulators.Load(pod.Namespace)
	if !ok || pod.Labels[datav1alpha1.ComponentLabel] != datav1alpha1.WorkerComponent {
		return
	}
	v.(*emulator.Cluster).RemoveWorker(pod.Status.PodIP, 30000)
}
