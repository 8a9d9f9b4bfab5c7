package framework

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"

	corev1 "k8s.io/api/core/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// Emulators holds one emulated Alluxio cluster per test namespace and
// plays the Alluxio processes the runtime's pods would start: hook
// PodRunning and PodGone into the fake kubelet, and use the value as the
// controller's operations.Executor (the CLI goes through the `alluxio`
// shim at ShimPath, against the namespace's emulator).
type Emulators struct {
	ShimPath string
	byNS     sync.Map // namespace -> *emulator.Cluster
}

// Add makes c the Alluxio of namespace.
func (e *Emulators) Add(namespace string, c *emulator.Cluster) { e.byNS.Store(namespace, c) }

// Remove forgets namespace's Alluxio.
func (e *Emulators) Remove(namespace string) { e.byNS.Delete(namespace) }

func (e *Emulators) get(namespace string) (*emulator.Cluster, bool) {
	v, ok := e.byNS.Load(namespace)
	if !ok {
		return nil, false
	}
	return v.(*emulator.Cluster), true
}

// PodRunning starts what the pod runs: the master serves on its pod IP,
// a worker registers with the master. Both the controller's own pods and
// the ones Fluid's chart makes (role=alluxio-master|alluxio-worker) run,
// on the ports their containers name "rpc" and "web" (Alluxio's defaults
// when unnamed).
func (e *Emulators) PodRunning(pod *corev1.Pod) {
	emu, ok := e.get(pod.Namespace)
	if !ok {
		return
	}
	switch role(pod) {
	case datav1alpha1.MasterComponent:
		if err := emu.StartMaster(fmt.Sprintf("%s:%d", pod.Status.PodIP, namedPort(pod, "web", operations.DefaultMasterWebPort))); err != nil {
			fmt.Println("emulated master:", err)
		}
	case datav1alpha1.WorkerComponent:
		if _, err := emu.AddWorker(pod.Status.PodIP, namedPort(pod, "rpc", operations.DefaultWorkerRPCPort), namedPort(pod, "web", operations.DefaultWorkerWebPort)); err != nil {
			fmt.Println("emulated worker:", err)
		}
	}
}

// PodGone stops the worker process of a pod that is gone.
func (e *Emulators) PodGone(pod *corev1.Pod) {
	emu, ok := e.get(pod.Namespace)
	if !ok || role(pod) != datav1alpha1.WorkerComponent {
		return
	}
	emu.RemoveWorker(pod.Status.PodIP, namedPort(pod, "web", operations.DefaultWorkerWebPort))
}

// role is the Alluxio process a pod runs, by the controller's label or
// Fluid's chart's.
func role(pod *corev1.Pod) string {
	switch pod.Labels[datav1alpha1.FluidRoleLabel] {
	case datav1alpha1.FluidMasterRole:
		return datav1alpha1.MasterComponent
	case datav1alpha1.FluidWorkerRole:
		return datav1alpha1.WorkerComponent
	}
	return pod.Labels[datav1alpha1.ComponentLabel]
}

// namedPort is the port the pod's first container names name.
func namedPort(pod *corev1.Pod, name string, def int32) int32 {
	if len(pod.Spec.Containers) == 0 {
		return def
	}
	if p, ok := operations.ContainerPorts(pod, pod.Spec.Containers[0].Name)[name]; ok {
		return int32(p)
	}
	return def
}

// Exec implements operations.Executor: the command the controller would
// exec in the master pod runs through the shim against the emulator.
func (e *Emulators) Exec(ctx context.Context, namespace, pod, container string, argv []string) ([]byte, []byte, error) {
	emu, ok := e.get(namespace)
	if !ok {
		return nil, nil, fmt.Errorf("no emulated Alluxio in namespace %s", namespace)
	}
	local := operations.LocalExecutor{Path: e.ShimPath, Env: []string{"ALLUXIO_EMULATOR_URL=" + emu.MasterURL()}}
	return local.Exec(ctx, namespace, pod, container, argv)
}

// BuildShim builds the `alluxio` CLI shim (cmd/alluxio) into dir.
func BuildShim(root, dir string) (string, error) {
	path := filepath.Join(dir, "alluxio")
	if out, err := exec.Command("go", "build", "-o", path, filepath.Join(root, "cmd", "alluxio")).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the alluxio shim: %v\n%s", err, out)
	}
	return path, nil
}
