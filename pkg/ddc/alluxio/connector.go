package alluxio

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// Connector gives the scale-in the Alluxio cluster of one runtime. The
// reconciler passes the master pod it already read.
type Connector interface {
	Connect(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, masterPod *corev1.Pod) (operations.Interface, error)
}

// ClusterConnector reaches Alluxio as Fluid does: CLI commands by exec
// into the master pod's alluxio-master container, REST to the master's
// web port at its pod IP (host IP under HostNetwork).
type ClusterConnector struct {
	Executor operations.Executor
	HTTP     *http.Client
}

// Connect implements Connector. The master's address comes from its
// running pod (host IP under host network, the "web" container port),
// falling back to the spec's port: Fluid allocates ports of its own.
func (c ClusterConnector) Connect(_ context.Context, rt *datav1alpha1.AlluxioRuntime, masterPod *corev1.Pod) (operations.Interface, error) {
	m, err := masterComponent(rt)
	if err != nil {
		return nil, err
	}
	host, err := operations.WorkerHost(masterPod, masterPod.Spec.HostNetwork)
	if err != nil {
		return nil, fmt.Errorf("master pod %s: %w", masterPod.Name, err)
	}
	web := m.webPort
	if p, ok := operations.ContainerPorts(masterPod, masterContainer)[operations.PortNameWeb]; ok {
		web = int32(p)
	}
	return operations.NewClient(operations.Config{
		Namespace:    rt.Namespace,
		MasterPod:    masterPod.Name,
		Container:    masterContainer,
		MasterWebURL: "http://" + net.JoinHostPort(host, strconv.Itoa(int(web))),
		Executor:     c.Executor,
		HTTPClient:   c.HTTP,
	})
}
