package fluid

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// The runner's behaviour on Fluid's own pods. Each takes the set-up
// runtime rt and leaves it with all its workers live.

// A worker pod's configuration (its ConfigMap, the ports Fluid allocated,
// its IP) is its process's: the worker serves there.
func testPodConfigurationIsTheProcessConfiguration(ctx context.Context, t *testing.T, rt stack.Runtime) {
	pod := rt.WorkerPod(0)
	cm, err := s.Cluster.Clientset.CoreV1().ConfigMaps(rt.Namespace).Get(ctx, rt.Name+"-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`-Dalluxio\.worker\.rpc\.port=(\d+)`).FindStringSubmatch(cm.Data["ALLUXIO_WORKER_JAVA_OPTS"])
	if m == nil {
		t.Fatalf("no worker rpc port in %s-config: %q", rt.Name, cm.Data["ALLUXIO_WORKER_JAVA_OPTS"])
	}
	port := m[1]
	p, err := s.Cluster.Clientset.CoreV1().Pods(rt.Namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := s.Runner.Pods()[rt.Namespace+"/"+pod]
	if !ok || st.Pids["alluxio-worker"] == 0 {
		t.Fatalf("the runner runs no worker process for %s: %+v", pod, st)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.Pids["alluxio-worker"]))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(string(cmdline), "\x00")
	for _, want := range []string{
		"-Dalluxio.worker.rpc.port=" + port,
		"-Dalluxio.worker.bind.host=" + p.Status.PodIP,
		"-Dalluxio.worker.hostname=" + p.Status.HostIP,
		"alluxio.worker.AlluxioWorker",
	} {
		if !contains(args, want) {
			t.Errorf("worker process of %s lacks %s", pod, want)
		}
	}
	if !contains(args, "-Dalluxio.worker.tieredstore.level0.dirs.path="+st.Dir+"/tieredstore/level0/0") {
		t.Errorf("worker's cache is not in the pod's folder %s: %q", st.Dir, args)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(p.Status.PodIP, port), 5*time.Second)
	if err != nil {
		t.Fatalf("the worker does not serve on its pod's IP and Fluid's port: %v", err)
	}
	conn.Close()
}

// `kubectl exec` into Fluid's containers reaches the real Alluxio CLI,
// configured for the runtime's master, and `du` sees the pod's volumes.
func testExecReachesTheRealCLI(ctx context.Context, t *testing.T, rt stack.Runtime) {
	out, err := s.ExecIn(ctx, rt.Namespace, rt.WorkerPod(1), "alluxio-worker", "alluxio", "version")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "2.9.6" {
		t.Errorf("alluxio version in a worker pod: %q, want 2.9.6", out)
	}
	// The under store is the Dataset's local folder: its file is there.
	out, err = s.ExecIn(ctx, rt.Namespace, rt.MasterPod(), stack.MasterContainer, "alluxio", "fs", "ls", "/"+rt.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "/"+rt.Name+"/README") {
		t.Errorf("alluxio fs ls /%s does not list the under store's README:\n%s", rt.Name, out)
	}
	out, err = s.ExecIn(ctx, rt.Namespace, rt.MasterPod(), stack.MasterContainer, "du", "-sh", "/underFSStorage/"+rt.Name)
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(out); len(f) == 0 || !strings.HasSuffix(f[0], "K") {
		t.Errorf("du -sh /underFSStorage/%s: %q, want a size in K", rt.Name, out)
	}
	if _, err := s.ExecIn(ctx, rt.Namespace, rt.MasterPod(), stack.MasterContainer, "alluxio", "no-such-command"); err == nil {
		t.Error("a failing CLI command succeeded")
	}
}

// Deleting a worker pod kills its process; the StatefulSet's new pod
// gets a new one, which joins the master again.
func testDeletingAPodKillsItsProcess(ctx context.Context, t *testing.T, rt stack.Runtime) {
	pod := rt.WorkerPod(0)
	before := s.Runner.Pods()[rt.Namespace+"/"+pod]
	pid := before.Pids["alluxio-worker"]
	if pid == 0 {
		t.Fatalf("no worker process for %s", pod)
	}
	if err := s.Cluster.Clientset.CoreV1().Pods(rt.Namespace).Delete(ctx, pod, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("worker process %d of the deleted pod %s still runs", pid, pod)
		}
		time.Sleep(200 * time.Millisecond)
	}
	dead := time.Now()
	if _, err := os.Stat(before.Dir + "/tieredstore"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted pod's cache folder is still there (%v)", err)
	}
	deadline = time.Now().Add(2 * time.Minute)
	for {
		after, ok := s.Runner.Pods()[rt.Namespace+"/"+pod]
		if ok && after.UID != before.UID && after.Pids["alluxio-worker"] != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new worker process for the recreated %s", pod)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The new process joins the master: once the old one has been dead
	// for longer than the master's "last contact" can hide, a live worker
	// heard from in the last 2 s on the new pod's host is the new process.
	p, err := s.Cluster.Clientset.CoreV1().Pods(rt.Namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(dead.Add(4 * time.Second)))
	var workers []stack.MasterWorker
	deadline = time.Now().Add(3 * time.Minute)
	for {
		workers, err = s.LiveWorkerList(ctx, rt)
		joined := false
		for _, w := range workers {
			joined = joined || (w.Host == p.Status.HostIP && w.LastContactSec <= 2)
		}
		if joined {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the master has not heard from a worker on %s since the old process died; live workers %+v (%v)", p.Status.HostIP, workers, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := s.WaitLiveWorkers(ctx, rt, rt.Workers, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
