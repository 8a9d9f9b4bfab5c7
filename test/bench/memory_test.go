package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// buildController builds cmd/alluxioruntime-controller into tmpDir.
func buildController() (string, error) {
	bin := filepath.Join(tmpDir, "alluxioruntime-controller")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/alluxioruntime-controller")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// controllerRSS runs the built controller against the control plane
// until its workers started and its memory settled, and returns its
// VmRSS in bytes: the highest of 5 samples a second apart, taken from
// 5 s after the controller logged "Starting workers".
func controllerRSS(bin string) (int64, error) {
	cmd := exec.Command(bin, "--kubeconfig="+env.KubeconfigPath, "--metrics-bind-address=0", "--health-probe-bind-address=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "Starting workers") {
				once = true
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(2 * time.Minute):
		return 0, fmt.Errorf("controller did not start its workers within 2 minutes")
	}
	time.Sleep(5 * time.Second)
	var maxRSS int64
	for range 5 {
		rss, err := vmRSS(cmd.Process.Pid)
		if err != nil {
			return 0, err
		}
		maxRSS = max(maxRSS, rss)
		time.Sleep(time.Second)
	}
	return maxRSS, nil
}

func vmRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// createUnrelatedPods creates n pods without the controller's labels in
// a new namespace. No scheduler runs and the fake kubelet ignores them:
// they stay Pending, which costs the API server little.
func createUnrelatedPods(ctx context.Context, n int) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-unrelated-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		return "", err
	}
	errs := make(chan error, n)
	parallel(n, func(i int) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%05d", i), Namespace: ns.Name, Labels: map[string]string{"app": "unrelated"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}},
		}
		if err := k8s.Create(ctx, pod); err != nil {
			errs <- err
		}
	})
	close(errs)
	return ns.Name, <-errs
}

func deleteUnrelatedPods(ctx context.Context, ns string) error {
	return k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), client.GracePeriodSeconds(0))
}
