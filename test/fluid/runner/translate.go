package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Component is an Alluxio server run for a container of a given name.
type Component struct {
	// MainClass is the server's Java class.
	MainClass string
	// OptsEnv names the env var with this server's own JVM options, on top
	// of ALLUXIO_JAVA_OPTS.
	OptsEnv string
	// BindProperties are set to the pod's IP: the server listens there.
	BindProperties []string
	// JobService marks the job master and job worker: run only for the
	// runtimes that ask for them (Input.JobService).
	JobService bool
	// HeapMB, when set, is this server's -Xmx instead of the runner's
	// (a container's own -Xmx still wins).
	HeapMB int
}

// jobHeapMB is the job master's and job workers' heap: they hold only
// the few jobs in flight (a persist is one small file), and a runtime
// with the job service runs twice as many JVMs on a small machine.
const jobHeapMB = 128

// Components are the containers of Fluid's Alluxio master and worker pods
// the runner runs, by container name.
var Components = map[string]Component{
	"alluxio-master": {
		MainClass:      "alluxio.master.AlluxioMaster",
		OptsEnv:        "ALLUXIO_MASTER_JAVA_OPTS",
		BindProperties: []string{"alluxio.master.bind.host", "alluxio.master.web.bind.host"},
	},
	"alluxio-worker": {
		MainClass: "alluxio.worker.AlluxioWorker",
		OptsEnv:   "ALLUXIO_WORKER_JAVA_OPTS",
		BindProperties: []string{"alluxio.worker.bind.host", "alluxio.worker.web.bind.host",
			"alluxio.worker.web.hostname"},
	},
	"alluxio-job-master": {
		MainClass:      "alluxio.master.AlluxioJobMaster",
		OptsEnv:        "ALLUXIO_JOB_MASTER_JAVA_OPTS",
		BindProperties: []string{"alluxio.job.master.bind.host", "alluxio.job.master.web.bind.host"},
		JobService:     true,
		HeapMB:         jobHeapMB,
	},
	"alluxio-job-worker": {
		MainClass:      "alluxio.worker.AlluxioJobWorker",
		OptsEnv:        "ALLUXIO_JOB_WORKER_JAVA_OPTS",
		BindProperties: []string{"alluxio.job.worker.bind.host", "alluxio.job.worker.web.bind.host"},
		JobService:     true,
		HeapMB:         jobHeapMB,
	},
}

// JobServiceOff is why a runtime's job master and job workers are not
// run when it did not ask for them.
const JobServiceOff = "the job service is off for this runtime (see the package documentation)"

// Input is what Translate reads: the pod, the ConfigMaps of its
// namespace it may reference (by name), the names cluster DNS would
// resolve (name → IP), and the pod's own folder on this machine.
type Input struct {
	Pod        *corev1.Pod
	ConfigMaps map[string]*corev1.ConfigMap
	Names      map[string]string
	Dir        string
	// JobService: run the job master and job worker containers too.
	JobService bool
}

// Plan is how a pod runs on this machine.
type Plan struct {
	// Dir is the pod's folder: conf/, logs/, journal/, tieredstore/,
	// rootfs/ (its volumes), bin/alluxio (its CLI).
	Dir string
	// Links make the pod's volumes visible under Dir/rootfs: each key
	// (a path under rootfs) is a symbolic link to its value.
	Links map[string]string
	// ClientProperties configure the pod's `alluxio` CLI.
	ClientProperties map[string]string
	// Processes are the servers to run, one per container in Components.
	Processes []Process
	// Skipped lists containers not run, with the reason.
	Skipped map[string]string
}

// Process is one Alluxio server of a pod.
type Process struct {
	Container string
	MainClass string
	// JVMFlags are the container's JVM options other than -D properties,
	// in order.
	JVMFlags []string
	// Properties are passed as -Dkey=value.
	Properties map[string]string
	// Env is the container's environment, set for the process on top of
	// the runner's own.
	Env map[string]string
	// Dirs are folders to create before the start.
	Dirs []string
	// FormatJournal: format the master's journal first (a new pod).
	FormatJournal bool
	// HeapMB is the process's -Xmx when set (Component.HeapMB).
	HeapMB int
}

var tierPath = regexp.MustCompile(`^alluxio\.worker\.tieredstore\.level(\d+)\.dirs\.path$`)

// Translate turns a pod into the processes that run its containers. It
// fails when the pod has no IP or references a ConfigMap that is not in
// Input.ConfigMaps (the pod cannot start yet).
func Translate(in Input) (*Plan, error) {
	pod := in.Pod
	ip := pod.Status.PodIP
	if ip == "" {
		return nil, fmt.Errorf("pod %s/%s has no IP yet", pod.Namespace, pod.Name)
	}
	plan := &Plan{Dir: in.Dir, Links: map[string]string{}, Skipped: map[string]string{}}
	rootfs := filepath.Join(in.Dir, "rootfs")
	mapPath := func(p string) string { return filepath.Join(rootfs, p) }

	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	run := func(c corev1.Container) (Component, bool) {
		comp, ok := Components[c.Name]
		return comp, ok && (!comp.JobService || in.JobService)
	}
	for _, c := range pod.Spec.Containers {
		if comp, ok := Components[c.Name]; ok && comp.JobService && !in.JobService {
			plan.Skipped[c.Name] = JobServiceOff
		}
		if _, ok := run(c); !ok {
			continue
		}
		for _, m := range c.VolumeMounts {
			v, ok := volumes[m.Name]
			switch {
			case !ok:
			case v.HostPath != nil:
				plan.Links[mapPath(m.MountPath)] = filepath.Join(v.HostPath.Path, m.SubPath)
			case v.EmptyDir != nil:
				plan.Links[mapPath(m.MountPath)] = filepath.Join(in.Dir, "volumes", m.Name, m.SubPath)
			}
		}
	}

	for _, c := range pod.Spec.Containers {
		comp, ok := run(c)
		if !ok {
			continue
		}
		env, err := containerEnv(pod, &c, in.ConfigMaps)
		if err != nil {
			return nil, err
		}
		expand := func(s string) string { return os.Expand(s, func(k string) string { return env[k] }) }
		common := expand(env["ALLUXIO_JAVA_OPTS"])
		flags, props := parseOpts(common + " " + expand(env[comp.OptsEnv]))
		_, clientProps := parseOpts(common)

		mapNames(props, in.Names)
		for _, k := range comp.BindProperties {
			props[k] = ip
		}
		p := Process{Container: c.Name, MainClass: comp.MainClass, JVMFlags: flags, Properties: props, Env: env, HeapMB: comp.HeapMB}
		switch c.Name {
		case "alluxio-master":
			// Nothing leaves this machine: no update check.
			props["alluxio.master.update.check.enabled"] = "false"
			j := filepath.Join(in.Dir, "journal")
			props["alluxio.master.journal.folder"] = j
			p.Dirs = append(p.Dirs, j)
			p.FormatJournal = props["alluxio.master.journal.type"] != "NOOP" && props["alluxio.master.journal.type"] != "EMBEDDED"
		case "alluxio-job-master":
			// The job master keeps its journal (a JobMaster folder) beside
			// the master's, in the same pod volume.
			j := filepath.Join(in.Dir, "journal")
			props["alluxio.master.journal.folder"] = j
			p.Dirs = append(p.Dirs, j)
		}
		for k, v := range props {
			if m := tierPath.FindStringSubmatch(k); m != nil {
				var dirs []string
				for i := range strings.Split(v, ",") {
					d := filepath.Join(in.Dir, "tieredstore", "level"+m[1], fmt.Sprint(i))
					dirs = append(dirs, d)
					p.Dirs = append(p.Dirs, d)
				}
				props[k] = strings.Join(dirs, ",")
			}
		}
		mapLocalPaths(props, mapPath)
		sort.Strings(p.Dirs)
		plan.Processes = append(plan.Processes, p)

		if plan.ClientProperties == nil {
			mapNames(clientProps, in.Names)
			mapLocalPaths(clientProps, mapPath)
			delete(clientProps, "alluxio.master.journal.folder")
			plan.ClientProperties = clientProps
		}
	}
	if len(plan.Processes) == 0 {
		return nil, fmt.Errorf("pod %s/%s has no Alluxio master or worker container", pod.Namespace, pod.Name)
	}
	return plan, nil
}

// localPathProperties hold a path in the container's file system (when
// they hold no URI scheme): they are resolved under the pod's rootfs.
var localPathProperties = []string{
	"alluxio.master.mount.table.root.ufs",
	"alluxio.worker.data.server.domain.socket.address",
}

func mapLocalPaths(props map[string]string, mapPath func(string) string) {
	for _, k := range localPathProperties {
		if v, ok := props[k]; ok && strings.HasPrefix(v, "/") {
			props[k] = mapPath(v)
		}
	}
}

// mapNames replaces every value that is a name cluster DNS would resolve
// with its IP.
func mapNames(props map[string]string, names map[string]string) {
	for k, v := range props {
		if ip, ok := names[v]; ok {
			props[k] = ip
		}
	}
}

// parseOpts splits JVM options: -Dkey=value into properties (the last one
// wins, as in the JVM), the rest into flags.
func parseOpts(opts string) ([]string, map[string]string) {
	var flags []string
	props := map[string]string{}
	for _, f := range strings.Fields(opts) {
		if kv, ok := strings.CutPrefix(f, "-D"); ok {
			k, v, _ := strings.Cut(kv, "=")
			props[k] = v
			continue
		}
		flags = append(flags, f)
	}
	return flags, props
}

// containerEnv is the container's environment as a kubelet builds it:
// envFrom ConfigMaps first, then env (values, the pod's fields,
// ConfigMap keys).
func containerEnv(pod *corev1.Pod, c *corev1.Container, cms map[string]*corev1.ConfigMap) (map[string]string, error) {
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		cm, ok := cms[from.ConfigMapRef.Name]
		if !ok {
			if from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional {
				continue
			}
			return nil, fmt.Errorf("pod %s/%s: ConfigMap %s not found", pod.Namespace, pod.Name, from.ConfigMapRef.Name)
		}
		for k, v := range cm.Data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.FieldRef != nil:
			env[e.Name] = podField(pod, e.ValueFrom.FieldRef.FieldPath)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := cms[ref.Name]
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, fmt.Errorf("pod %s/%s: ConfigMap %s not found", pod.Namespace, pod.Name, ref.Name)
			}
			env[e.Name] = cm.Data[ref.Key]
		}
	}
	return env, nil
}

func podField(pod *corev1.Pod, path string) string {
	switch path {
	case "status.podIP":
		return pod.Status.PodIP
	case "status.hostIP":
		return pod.Status.HostIP
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	case "spec.nodeName":
		return pod.Spec.NodeName
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName
	case "metadata.uid":
		return string(pod.UID)
	}
	return ""
}
