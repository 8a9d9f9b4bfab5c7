package operations

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// Alluxio's default ports (what Fluid renders in container network mode).
const (
	DefaultMasterRPCPort int32 = 19998
	DefaultMasterWebPort int32 = 19999
	DefaultWorkerRPCPort int32 = 29999
	DefaultWorkerWebPort int32 = 30000
)

// Property keys and `ports` map keys that decide the ports.
const (
	PropertyMasterRPCPort = "alluxio.master.rpc.port"
	PropertyMasterWebPort = "alluxio.master.web.port"
	PropertyWorkerRPCPort = "alluxio.worker.rpc.port"
	PropertyWorkerWebPort = "alluxio.worker.web.port"

	PortNameRPC = "rpc"
	PortNameWeb = "web"
)

// ResolveWorkerPorts returns the ports an Alluxio worker of a Fluid
// AlluxioRuntime listens on. Highest rank first:
//
//  1. spec.worker.properties (Fluid passes them to the worker JVM after
//     the global ones, so they win);
//  2. spec.properties (global);
//  3. ports: Fluid's rendered port for "rpc"/"web";
//  4. Alluxio's defaults, 29999 and 30000.
//
// What to pass as ports: Fluid (pkg/ddc/alluxio/transform.go) uses
// spec.worker.ports only under HostNetwork, and when that is unset it
// allocates a free port of its own; in container network mode it renders
// the defaults and ignores spec.worker.ports. The one place that holds
// the port Fluid chose in every mode is the worker pod's container ports
// named "rpc"/"web": pass ContainerPorts(workerPod, "alluxio-worker").
// Without a pod, pass spec.worker.ports under HostNetwork, nil otherwise.
//
// A property that is not a port number 1-65535 is an error: Alluxio
// would not start with it, and guessing another port would aim the
// decommission at the wrong place.
func ResolveWorkerPorts(globalProps, workerProps map[string]string, workerPorts map[string]int) (rpc, web int32, err error) {
	return resolvePorts(globalProps, workerProps, workerPorts,
		PropertyWorkerRPCPort, PropertyWorkerWebPort, DefaultWorkerRPCPort, DefaultWorkerWebPort)
}

// ResolveMasterPorts is ResolveWorkerPorts for the master: properties
// alluxio.master.rpc.port / alluxio.master.web.port in
// spec.master.properties, then spec.properties, then ports (pass
// ContainerPorts(masterPod, "alluxio-master")), then 19998 / 19999.
func ResolveMasterPorts(globalProps, masterProps map[string]string, masterPorts map[string]int) (rpc, web int32, err error) {
	return resolvePorts(globalProps, masterProps, masterPorts,
		PropertyMasterRPCPort, PropertyMasterWebPort, DefaultMasterRPCPort, DefaultMasterWebPort)
}

func resolvePorts(global, component map[string]string, ports map[string]int, rpcKey, webKey string, rpcDefault, webDefault int32) (rpc, web int32, err error) {
	rpc, err = resolvePort(global, component, ports, rpcKey, PortNameRPC, rpcDefault)
	if err != nil {
		return 0, 0, err
	}
	web, err = resolvePort(global, component, ports, webKey, PortNameWeb, webDefault)
	if err != nil {
		return 0, 0, err
	}
	return rpc, web, nil
}

func resolvePort(global, component map[string]string, ports map[string]int, key, portName string, fallback int32) (int32, error) {
	for _, source := range []struct {
		name  string
		props map[string]string
	}{{"component properties", component}, {"properties", global}} {
		if raw, ok := source.props[key]; ok {
			port, err := strconv.Atoi(raw)
			if err != nil || port < 1 || port > 65535 {
				return 0, fmt.Errorf("%s %s=%q is not a port number 1-65535: fix it in the AlluxioRuntime", source.name, key, raw)
			}
			return int32(port), nil
		}
	}
	if port, ok := ports[portName]; ok {
		if port < 1 || port > 65535 {
			return 0, fmt.Errorf("ports[%q]=%d is not a port number 1-65535: fix it in the AlluxioRuntime", portName, port)
		}
		return int32(port), nil
	}
	return fallback, nil
}

// ContainerPorts returns the named container ports of pod's container, as
// Fluid's chart renders them ("rpc", "web", ...). Empty when the container
// is missing.
func ContainerPorts(pod *corev1.Pod, container string) map[string]int {
	ports := map[string]int{}
	if pod == nil {
		return ports
	}
	for _, c := range pod.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, p := range c.Ports {
			if p.Name != "" {
				ports[p.Name] = int(p.ContainerPort)
			}
		}
	}
	return ports
}
