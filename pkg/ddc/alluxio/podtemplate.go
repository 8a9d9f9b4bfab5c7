package alluxio

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// Image used when the runtime names none.
const (
	defaultImage    = "alluxio/alluxio"
	defaultImageTag = "2.9.6"
)

// component is what differs between the master's and the workers' pods.
type component struct {
	name      string // master or worker
	container string
	args      []string
	spec      *datav1alpha1.AlluxioCompTemplateSpec
	rpcPort   int32
	webPort   int32
	// portProps are the port properties, so Alluxio listens where the
	// controller will look.
	portProps map[string]string
	// hostnameEnv tells Alluxio which address to register with.
	hostnameEnv string
}

func (c component) hostNetwork() bool {
	return c.spec.NetworkMode == "" || c.spec.NetworkMode == datav1alpha1.HostNetworkMode
}

func masterComponent(rt *datav1alpha1.AlluxioRuntime) (component, error) {
	rpc, web, err := operations.ResolveMasterPorts(rt.Spec.Properties, rt.Spec.Master.Properties, rt.Spec.Master.Ports)
	return newComponent(datav1alpha1.MasterComponent, masterContainer, &rt.Spec.Master, rpc, web, err)
}

func workerComponent(rt *datav1alpha1.AlluxioRuntime) (component, error) {
	rpc, web, err := operations.ResolveWorkerPorts(rt.Spec.Properties, rt.Spec.Worker.Properties, rt.Spec.Worker.Ports)
	return newComponent(datav1alpha1.WorkerComponent, workerContainer, &rt.Spec.Worker, rpc, web, err)
}

// newComponent names a component's container, process, hostname variable
// and port properties after it ("master" or "worker").
func newComponent(name, container string, spec *datav1alpha1.AlluxioCompTemplateSpec, rpc, web int32, err error) (component, error) {
	if err != nil {
		return component{}, fmt.Errorf("spec.%s: %w", name, err)
	}
	return component{
		name: name, container: container, args: []string{name + "-only", "--no-format"},
		spec: spec, rpcPort: rpc, webPort: web, hostnameEnv: "ALLUXIO_" + strings.ToUpper(name) + "_HOSTNAME",
		portProps: map[string]string{
			"alluxio." + name + ".rpc.port": fmt.Sprint(rpc),
			"alluxio." + name + ".web.port": fmt.Sprint(web),
		},
	}, nil
}

// podTemplate builds a component's pod template the way Fluid does:
// Alluxio properties become -D options (the component's outrank the
// global ones), ports are the resolved ones, HostNetwork is honoured.
func podTemplate(rt *datav1alpha1.AlluxioRuntime, c component, masterHost string) corev1.PodTemplateSpec {
	props := map[string]string{"alluxio.master.hostname": masterHost}
	maps.Copy(props, rt.Spec.Properties)
	maps.Copy(props, c.spec.Properties)
	maps.Copy(props, c.portProps)
	if c.name == datav1alpha1.WorkerComponent {
		maps.Copy(props, tieredStoreProperties(rt.Spec.TieredStore))
	}

	env := containerEnv(rt, c, props)
	ports := containerPorts(c)

	podLabels := componentLabels(rt, c.name)
	for k, v := range c.spec.PodMetadata.Labels {
		if _, reserved := podLabels[k]; !reserved {
			podLabels[k] = v
		}
	}
	volumes, mounts := tieredStoreVolumes(rt, c)
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metaWith(podLabels, c.spec.PodMetadata.Annotations),
		Spec: corev1.PodSpec{
			HostNetwork:  c.hostNetwork(),
			NodeSelector: c.spec.NodeSelector,
			Volumes:      volumes,
			Containers: []corev1.Container{{
				Name:            c.container,
				Image:           image(rt),
				ImagePullPolicy: rt.Spec.AlluxioVersion.ImagePullPolicy,
				Args:            c.args,
				Env:             env,
				Ports:           ports,
				Resources:       c.spec.Resources,
				VolumeMounts:    mounts,
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("rpc")}},
					PeriodSeconds: 10,
				},
			}},
		},
	}
	if c.hostNetwork() {
		tmpl.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	return tmpl
}

// containerEnv passes the Alluxio properties as -D options, and the
// address the process registers with (the host's under HostNetwork).
func containerEnv(rt *datav1alpha1.AlluxioRuntime, c component, props map[string]string) []corev1.EnvVar {
	addressField := "status.podIP"
	if c.hostNetwork() {
		addressField = "status.hostIP"
	}
	env := []corev1.EnvVar{
		{Name: "ALLUXIO_JAVA_OPTS", Value: javaOpts(props, rt.Spec.JvmOptions)},
		{Name: "ALLUXIO_" + strings.ToUpper(c.name) + "_JAVA_OPTS", Value: strings.Join(c.spec.JvmOptions, " ")},
		{Name: c.hostnameEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: addressField}}},
	}
	for _, k := range slices.Sorted(maps.Keys(c.spec.Env)) {
		env = append(env, corev1.EnvVar{Name: k, Value: c.spec.Env[k]})
	}
	return env
}

// containerPorts names the resolved ports "rpc" and "web", as Fluid's
// chart does: the scale-in reads a running worker's ports from them.
func containerPorts(c component) []corev1.ContainerPort {
	ports := []corev1.ContainerPort{
		{Name: operations.PortNameRPC, ContainerPort: c.rpcPort, Protocol: corev1.ProtocolTCP},
		{Name: operations.PortNameWeb, ContainerPort: c.webPort, Protocol: corev1.ProtocolTCP},
	}
	if c.hostNetwork() {
		for i := range ports {
			ports[i].HostPort = ports[i].ContainerPort
		}
	}
	return ports
}

func image(rt *datav1alpha1.AlluxioRuntime) string {
	img, tag := rt.Spec.AlluxioVersion.Image, rt.Spec.AlluxioVersion.ImageTag
	if img == "" {
		img = defaultImage
	}
	if tag == "" {
		tag = defaultImageTag
	}
	return img + ":" + tag
}

// javaOpts renders properties as -D options in a stable order, so the
// pod template does not change (and roll pods) from one reconcile to the
// next.
func javaOpts(props map[string]string, jvmOptions []string) string {
	opts := slices.Clone(jvmOptions)
	for _, k := range slices.Sorted(maps.Keys(props)) {
		opts = append(opts, fmt.Sprintf("-D%s=%s", k, props[k]))
	}
	return strings.Join(opts, " ")
}
