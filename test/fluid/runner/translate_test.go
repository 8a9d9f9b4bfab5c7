package runner

import (
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A worker pod as Fluid's chart makes it: host network, env from the
// runtime's ConfigMap, the under store and the cache as hostPath volumes.
func fluidWorkerPod() (*corev1.Pod, map[string]*corev1.ConfigMap) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "hbase-config", Namespace: "default"},
		Data: map[string]string{
			"ALLUXIO_JAVA_OPTS": "-Dalluxio.master.hostname=hbase-master-0.default -Dalluxio.master.journal.type=UFS " +
				"-Dalluxio.master.journal.folder=/journal -Dalluxio.worker.tieredstore.levels=1 " +
				"-Dalluxio.worker.tieredstore.level0.alias=MEM -Dalluxio.worker.tieredstore.level0.dirs.mediumtype=MEM " +
				"-Dalluxio.worker.tieredstore.level0.dirs.path=/dev/shm/default/hbase " +
				"-Dalluxio.worker.tieredstore.level0.dirs.quota=1GB -Dalluxio.master.rpc.port=20001 " +
				"-Dalluxio.master.mount.table.root.ufs=/underFSStorage -Xmx2G ",
			"ALLUXIO_WORKER_JAVA_OPTS": "-Dalluxio.worker.hostname=${ALLUXIO_WORKER_HOSTNAME} " +
				"-Dalluxio.worker.rpc.port=20005 -Dalluxio.worker.web.port=20006 ",
			"ALLUXIO_JOB_WORKER_JAVA_OPTS": "-Dalluxio.worker.hostname=${ALLUXIO_WORKER_HOSTNAME} -Dalluxio.job.worker.rpc.port=20007 ",
		},
	}
	env := []corev1.EnvVar{
		{Name: "ALLUXIO_WORKER_HOSTNAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.hostIP"}}},
		{Name: "ALLUXIO_WORKER_CONTAINER_HOSTNAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
	}
	envFrom := []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "hbase-config"}}}}
	mounts := []corev1.VolumeMount{
		{Name: "mem", MountPath: "/dev/shm/default/hbase"},
		{Name: "hbase", MountPath: "/underFSStorage/hbase"},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hbase-worker-1", Namespace: "default", UID: "u1",
			Labels: map[string]string{"app": "alluxio", "role": "alluxio-worker", "release": "hbase"}},
		Spec: corev1.PodSpec{
			HostNetwork: true,
			NodeName:    "node-2",
			Containers: []corev1.Container{
				{Name: "alluxio-worker", Env: env, EnvFrom: envFrom, VolumeMounts: mounts, Args: []string{"worker-only", "--no-format"}},
				{Name: "alluxio-job-worker", Env: env, EnvFrom: envFrom, VolumeMounts: mounts, Args: []string{"job-worker"}},
			},
			Volumes: []corev1.Volume{
				{Name: "mem", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/dev/shm/default/hbase"}}},
				{Name: "hbase", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/ufs"}}},
			},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.3", HostIP: "127.0.0.3"},
	}
	return pod, map[string]*corev1.ConfigMap{cm.Name: cm}
}

func TestWorkerPodBecomesAWorkerProcessConfiguredFromThePod(t *testing.T) {
	pod, cms := fluidWorkerPod()
	dir := "/tmp/runner/pods/default_hbase-worker-1_u1"
	names := map[string]string{"hbase-master-0.default": "127.0.0.1"}
	plan, err := Translate(Input{Pod: pod, ConfigMaps: cms, Names: names, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Processes) != 1 {
		t.Fatalf("%d processes, want 1 (the worker)", len(plan.Processes))
	}
	w := plan.Processes[0]
	if w.Container != "alluxio-worker" || w.MainClass != "alluxio.worker.AlluxioWorker" {
		t.Fatalf("process %s runs %s", w.Container, w.MainClass)
	}
	want := map[string]string{
		// the ports Fluid allocated
		"alluxio.worker.rpc.port": "20005",
		"alluxio.worker.web.port": "20006",
		"alluxio.master.rpc.port": "20001",
		// ${ALLUXIO_WORKER_HOSTNAME} from status.hostIP; bound to the pod's IP
		"alluxio.worker.hostname":      "127.0.0.3",
		"alluxio.worker.bind.host":     "127.0.0.3",
		"alluxio.worker.web.bind.host": "127.0.0.3",
		// a name cluster DNS would resolve, mapped to the master pod's IP
		"alluxio.master.hostname": "127.0.0.1",
		// the cache in the pod's own folder, the under store under its root
		"alluxio.worker.tieredstore.level0.dirs.path":  filepath.Join(dir, "tieredstore/level0/0"),
		"alluxio.worker.tieredstore.level0.dirs.quota": "1GB",
		"alluxio.master.mount.table.root.ufs":          filepath.Join(dir, "rootfs/underFSStorage"),
	}
	for k, v := range want {
		if got := w.Properties[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if w.Env["ALLUXIO_WORKER_HOSTNAME"] != "127.0.0.3" || !strings.Contains(w.Env["ALLUXIO_JAVA_OPTS"], "-Dalluxio.master.journal.type=UFS") {
		t.Errorf("the process's environment is not the container's: %v", w.Env)
	}
	if strings.Join(w.JVMFlags, " ") != "-Xmx2G" {
		t.Errorf("JVM flags %q, want the container's -Xmx2G", w.JVMFlags)
	}
	if got := plan.Links[filepath.Join(dir, "rootfs/underFSStorage/hbase")]; got != "/srv/ufs" {
		t.Errorf("the under store volume links to %q, want /srv/ufs", got)
	}
	if why := plan.Skipped["alluxio-job-worker"]; why != JobServiceOff {
		t.Errorf("job worker not reported as skipped (the job service is off): %v", plan.Skipped)
	}
	if plan.ClientProperties["alluxio.master.hostname"] != "127.0.0.1" || plan.ClientProperties["alluxio.master.rpc.port"] != "20001" {
		t.Errorf("the pod's CLI is not configured for its master: %v", plan.ClientProperties)
	}
}

func TestWorkerPodWithTheJobServiceRunsItsJobWorkerToo(t *testing.T) {
	pod, cms := fluidWorkerPod()
	dir := "/tmp/runner/pods/default_hbase-worker-1_u1"
	plan, err := Translate(Input{Pod: pod, ConfigMaps: cms, Names: map[string]string{"hbase-master-0.default": "127.0.0.1"}, Dir: dir, JobService: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Skipped) != 0 || len(plan.Processes) != 2 {
		t.Fatalf("processes %d (want the worker and the job worker), skipped %v", len(plan.Processes), plan.Skipped)
	}
	jw := plan.Processes[1]
	if jw.Container != "alluxio-job-worker" || jw.MainClass != "alluxio.worker.AlluxioJobWorker" || jw.HeapMB != jobHeapMB {
		t.Fatalf("second process: %s runs %s with heap %d MB", jw.Container, jw.MainClass, jw.HeapMB)
	}
	for k, v := range map[string]string{
		"alluxio.job.worker.rpc.port":      "20007",
		"alluxio.job.worker.bind.host":     "127.0.0.3",
		"alluxio.job.worker.web.bind.host": "127.0.0.3",
		"alluxio.worker.hostname":          "127.0.0.3",
		"alluxio.master.hostname":          "127.0.0.1",
	} {
		if got := jw.Properties[k]; got != v {
			t.Errorf("job worker: %s = %q, want %q", k, got, v)
		}
	}
	if _, ok := jw.Properties["alluxio.worker.rpc.port"]; ok {
		t.Errorf("the job worker got the worker's own options: %v", jw.Properties)
	}
	if w := plan.Processes[0]; w.HeapMB != 0 {
		t.Errorf("the worker's heap is %d MB; want the runner's (0 here)", w.HeapMB)
	}
}

func TestMasterPodFormatsItsJournalInItsOwnFolder(t *testing.T) {
	pod, cms := fluidWorkerPod()
	pod.Name = "hbase-master-0"
	pod.Labels["role"] = "alluxio-master"
	pod.Status.PodIP, pod.Status.HostIP = "127.0.0.1", "127.0.0.1"
	pod.Spec.Containers = []corev1.Container{{
		Name: "alluxio-master", EnvFrom: pod.Spec.Containers[0].EnvFrom,
		Env: []corev1.EnvVar{{Name: "ALLUXIO_MASTER_HOSTNAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
	}}
	cms["hbase-config"].Data["ALLUXIO_MASTER_JAVA_OPTS"] = "-Dalluxio.master.hostname=${ALLUXIO_MASTER_HOSTNAME}"
	plan, err := Translate(Input{Pod: pod, ConfigMaps: cms, Names: map[string]string{"hbase-master-0.default": "127.0.0.1"}, Dir: "/d"})
	if err != nil {
		t.Fatal(err)
	}
	m := plan.Processes[0]
	if m.MainClass != "alluxio.master.AlluxioMaster" || !m.FormatJournal {
		t.Fatalf("master process %s, format journal %v", m.MainClass, m.FormatJournal)
	}
	for k, v := range map[string]string{
		"alluxio.master.hostname":       "127.0.0.1",
		"alluxio.master.bind.host":      "127.0.0.1",
		"alluxio.master.web.bind.host":  "127.0.0.1",
		"alluxio.master.journal.folder": "/d/journal",
	} {
		if m.Properties[k] != v {
			t.Errorf("%s = %q, want %q", k, m.Properties[k], v)
		}
	}
}

func TestMasterPodWithTheJobServiceKeepsTheJobJournalInItsOwnFolder(t *testing.T) {
	pod, cms := fluidWorkerPod()
	pod.Name = "hbase-master-0"
	pod.Labels["role"] = "alluxio-master"
	pod.Status.PodIP, pod.Status.HostIP = "127.0.0.1", "127.0.0.1"
	env := []corev1.EnvVar{{Name: "ALLUXIO_MASTER_HOSTNAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
	envFrom := pod.Spec.Containers[0].EnvFrom
	pod.Spec.Containers = []corev1.Container{{Name: "alluxio-master", EnvFrom: envFrom, Env: env}, {Name: "alluxio-job-master", EnvFrom: envFrom, Env: env}}
	cms["hbase-config"].Data["ALLUXIO_JOB_MASTER_JAVA_OPTS"] = "-Dalluxio.master.hostname=${ALLUXIO_MASTER_HOSTNAME}"
	cms["hbase-config"].Data["ALLUXIO_JAVA_OPTS"] += " -Dalluxio.job.master.rpc.port=20010"
	in := Input{Pod: pod, ConfigMaps: cms, Names: map[string]string{"hbase-master-0.default": "127.0.0.1"}, Dir: "/d"}
	plan, err := Translate(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Processes) != 1 || plan.Skipped["alluxio-job-master"] != JobServiceOff {
		t.Fatalf("without the job service: %d processes, skipped %v; want the master alone", len(plan.Processes), plan.Skipped)
	}
	in.JobService = true
	if plan, err = Translate(in); err != nil {
		t.Fatal(err)
	}
	if len(plan.Processes) != 2 {
		t.Fatalf("%d processes, want the master and the job master", len(plan.Processes))
	}
	jm := plan.Processes[1]
	if jm.MainClass != "alluxio.master.AlluxioJobMaster" || jm.FormatJournal {
		t.Fatalf("job master runs %s, formats a journal: %v", jm.MainClass, jm.FormatJournal)
	}
	for k, v := range map[string]string{
		"alluxio.master.journal.folder":    "/d/journal",
		"alluxio.job.master.bind.host":     "127.0.0.1",
		"alluxio.job.master.rpc.port":      "20010",
		"alluxio.master.hostname":          "127.0.0.1",
		"alluxio.job.master.web.bind.host": "127.0.0.1",
	} {
		if jm.Properties[k] != v {
			t.Errorf("job master: %s = %q, want %q", k, jm.Properties[k], v)
		}
	}
}

func TestPodWhoseConfigMapIsMissingWaits(t *testing.T) {
	pod, _ := fluidWorkerPod()
	if _, err := Translate(Input{Pod: pod, ConfigMaps: nil, Dir: "/d"}); err == nil || !strings.Contains(err.Error(), "hbase-config") {
		t.Fatalf("err %v, want one naming the missing ConfigMap", err)
	}
}

func TestNamesResolvePodsAndSingleTargetServices(t *testing.T) {
	pods := []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "hbase-master-0", Namespace: "ns", Labels: map[string]string{"role": "alluxio-master"}}, Status: corev1.PodStatus{PodIP: "127.0.0.1"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hbase-worker-0", Namespace: "ns", Labels: map[string]string{"role": "alluxio-worker"}}, Status: corev1.PodStatus{PodIP: "127.0.0.2"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hbase-worker-1", Namespace: "ns", Labels: map[string]string{"role": "alluxio-worker"}}, Status: corev1.PodStatus{PodIP: "127.0.0.3"}},
	}
	svcs := []corev1.Service{
		{ObjectMeta: metav1.ObjectMeta{Name: "hbase-master-0", Namespace: "ns"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"role": "alluxio-master"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "workers", Namespace: "ns"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"role": "alluxio-worker"}}},
	}
	names := Names("ns", pods, svcs)
	for n, ip := range map[string]string{
		"hbase-master-0.ns":                   "127.0.0.1",
		"hbase-master-0.ns.svc.cluster.local": "127.0.0.1",
		"hbase-worker-1":                      "127.0.0.3",
	} {
		if names[n] != ip {
			t.Errorf("%s → %q, want %s", n, names[n], ip)
		}
	}
	if ip, ok := names["workers.ns"]; ok {
		t.Errorf("a Service with two pods behind it resolves to %s; want no single IP", ip)
	}
}
