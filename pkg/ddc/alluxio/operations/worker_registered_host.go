package operations

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// WorkerHostnameEnv is the variable Alluxio's worker reads the host it
// registers with from. Fluid's chart sets it from the node's IP
// (status.hostIP) in both network modes, and ALLUXIO_WORKER_CONTAINER_HOSTNAME
// from the pod's IP under container network; this controller's own pods
// set it from the address their network mode reaches them at.
const WorkerHostnameEnv = "ALLUXIO_WORKER_HOSTNAME"

// WorkerHosts returns the two addresses of a worker pod's process:
//   - registered: the host the worker registered with the master, which
//     decommissionWorker matches (read from the container's
//     WorkerHostnameEnv, else WorkerHost's rule);
//   - reach: where its web server answers, the node's IP under host
//     network, the pod's IP otherwise (empty when the same as registered).
//
// Under Fluid's ContainerNetwork the two differ: registered is the
// node's IP, reach the pod's.
func WorkerHosts(pod *corev1.Pod, container string) (registered, reach string, err error) {
	reach, err = WorkerHost(pod, pod != nil && pod.Spec.HostNetwork)
	if err != nil {
		return "", "", err
	}
	registered = reach
	if v, ok := envOf(pod, container, WorkerHostnameEnv); ok {
		switch {
		case v.ValueFrom != nil && v.ValueFrom.FieldRef != nil && v.ValueFrom.FieldRef.FieldPath == "status.hostIP":
			registered, err = WorkerHost(pod, true)
		case v.ValueFrom != nil && v.ValueFrom.FieldRef != nil && v.ValueFrom.FieldRef.FieldPath == "status.podIP":
			registered, err = WorkerHost(pod, false)
		case v.ValueFrom == nil && v.Value != "":
			registered = v.Value
		case v.ValueFrom != nil:
			err = fmt.Errorf("worker pod %s/%s: %s of container %s comes from %s, which the controller cannot read: set it from status.hostIP, status.podIP or a literal value",
				pod.Namespace, pod.Name, WorkerHostnameEnv, container, describeEnvSource(v.ValueFrom))
		}
		if err != nil {
			return "", "", err
		}
	}
	if reach == registered {
		reach = ""
	}
	return registered, reach, nil
}

func envOf(pod *corev1.Pod, container, name string) (corev1.EnvVar, bool) {
	for _, c := range pod.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			if e.Name == name {
				return e, true
			}
		}
	}
	return corev1.EnvVar{}, false
}

func describeEnvSource(s *corev1.EnvVarSource) string {
	switch {
	case s.FieldRef != nil:
		return "field " + s.FieldRef.FieldPath
	case s.ConfigMapKeyRef != nil:
		return "ConfigMap " + s.ConfigMapKeyRef.Name
	case s.SecretKeyRef != nil:
		return "Secret " + s.SecretKeyRef.Name
	}
	return "a resource field"
}
