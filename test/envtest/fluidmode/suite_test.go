// Package fluidmode runs the controller next to Fluid, wired as
// cmd/alluxioruntime-controller wires it with --mode=fluid (the same
// Setup, the same label-selected caches, the generated ClusterRole only),
// on a real control plane: kube-apiserver with config/fluid's admission
// guard, the real kube-controller-manager (its StatefulSet controller and
// garbage collector, each under its own service account, as kubeadm runs
// them), a fake kubelet, and the Alluxio emulator playing the processes of
// the pods Fluid's chart makes. Fluid itself is played by the test: it
// makes the sets and lowers the worker set's replicas as Fluid does.
package fluidmode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

var (
	env *testenv.Env
	k8s client.WithWatch
	// controllerConfig is the identity the controller runs with: only the
	// rights of config/rbac/role.yaml.
	controllerConfig *rest.Config
	emulators        framework.Emulators
)

// podCIDRPrefix keeps this suite's pods (and the emulated Alluxio
// processes listening on their IPs) apart from the other envtest suites'.
const podCIDRPrefix = "127.0.61."

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	fluidPods, err := labels.Parse(datav1alpha1.FluidRoleLabel + " in (" + datav1alpha1.FluidMasterRole + "," + datav1alpha1.FluidWorkerRole + ")")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	return framework.WithEmulatedCluster(&emulators, func(o *testenv.Options) {
		o.FakeKubelet.PodSelector = fluidPods
		o.FakeKubelet.PodCIDRPrefix = podCIDRPrefix
		// As kubeadm runs it: the StatefulSet controller's deletes come
		// from its own service account (which the guard holds), the
		// garbage collector's from another (which it lets through).
		// It elects a leader, as on a real cluster: its lease is the clock
		// the guard reads fluid-drain's heartbeat by.
		o.ControllerManagerArgs = append(o.ControllerManagerArgs, "--use-service-account-credentials=true", "--leader-elect=true")
	}, func(e *testenv.Env, root string) int {
		env = e
		var err error
		if k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: framework.Scheme()}); err != nil {
			fmt.Println(err)
			return 1
		}
		ctx := context.Background()
		if controllerConfig, err = framework.RestrictedUser(ctx, env, k8s, filepath.Join(root, "config", "rbac", "role.yaml")); err != nil {
			fmt.Println(err)
			return 1
		}
		if err := applyFile(ctx, filepath.Join(root, "config", "fluid", "admission_policy.yaml")); err != nil {
			fmt.Println(err)
			return 1
		}
		if err := waitGuardInForce(ctx); err != nil {
			fmt.Println(err)
			return 1
		}
		return m.Run()
	})
}

// applyFile creates every object of a multi-document YAML file.
func applyFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := k8s.Create(ctx, u); err != nil {
			return fmt.Errorf("%s: create %s %s: %w", path, u.GetKind(), u.GetName(), err)
		}
	}
}

// waitGuardInForce waits until the API server enforces the guard (a new
// policy takes about a second): until then the StatefulSet controller's
// deletes would pass. It asks, in a dry run, to delete an undrained
// worker pod as the StatefulSet controller.
func waitGuardInForce(ctx context.Context) error {
	// A namespace fluid-drain vouches for now, and a worker it guards.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "guard-probe-",
		Annotations: map[string]string{datav1alpha1.DrainGuardHeartbeatAnnotation: time.Now().UTC().Format(time.RFC3339)}}}
	if err := k8s.Create(ctx, ns); err != nil {
		return err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "probe-worker-0",
			Labels: map[string]string{datav1alpha1.FluidRoleLabel: "alluxio-worker", datav1alpha1.DrainGuardLabel: datav1alpha1.DrainGuardValue}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "alluxio-worker", Image: "alluxio/alluxio:2.9.6"}}},
	}
	if err := k8s.Create(ctx, pod); err != nil {
		return err
	}
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:kube-system:statefulset-controller",
		Groups: []string{"system:authenticated", "system:serviceaccounts", "system:serviceaccounts:kube-system"}}
	statefulSetController, err := client.New(cfg, client.Options{Scheme: framework.Scheme()})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := statefulSetController.Delete(ctx, pod.DeepCopy(), client.DryRunAll)
		if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) {
			return k8s.Delete(ctx, pod)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the worker drain guard is not in force after 30s (a dry-run delete as the StatefulSet controller got %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
