package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	kruiseapis "github.com/openkruise/kruise-api"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
)

const ns = "e2e"

// TestCluster starts the whole cluster with OpenKruise, runs native and
// Advanced StatefulSets on it, execs the `alluxio` shim in pods on the
// master and a worker node, then stops it and checks that no process is
// left.
func TestCluster(t *testing.T) {
	if err := cluster.CheckBinaries("", true); err != nil {
		t.Skip(err)
	}
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// The shim, built fresh, on the exec PATH; an emulated Alluxio master
	// in this process behind ALLUXIO_EMULATOR_URL.
	shimDir := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(shimDir, "alluxio"), "./cmd/alluxio")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the alluxio shim: %v\n%s", err, out)
	}
	emu := emulator.New(emulator.Config{RefreshInterval: 100 * time.Millisecond})
	defer emu.Close()
	if err := emu.StartMaster("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}

	started := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{
		Root:     root,
		Kruise:   true,
		Nodes:    3,
		ExecPath: []string{shimDir},
		ExecEnv:  map[string]string{"ALLUXIO_EMULATOR_URL": emu.MasterURL()},
		Logf:     t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	pids := c.Pids()
	dir := c.Dir
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()
	t.Logf("cluster up in %s, pids %v", time.Since(started).Round(time.Millisecond), pids)

	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, kruiseapis.AddToScheme(scheme))
	cl, err := client.New(c.Config, client.Options{Scheme: scheme})
	must(t, err)
	must(t, cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))

	t.Run("nodes", func(t *testing.T) {
		var nodes corev1.NodeList
		must(t, cl.List(ctx, &nodes))
		if len(nodes.Items) != 4 {
			t.Fatalf("%d nodes, want 4", len(nodes.Items))
		}
		for _, n := range nodes.Items {
			ip := ""
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					ip = a.Address
				}
			}
			if ip != c.NodeIPs[n.Name] {
				t.Errorf("node %s has InternalIP %q, want %q", n.Name, ip, c.NodeIPs[n.Name])
			}
		}
		if c.NodeIPs[cluster.MasterNodeName] != "127.0.0.1" {
			t.Errorf("master node IP %s", c.NodeIPs[cluster.MasterNodeName])
		}
	})

	t.Run("server reports its version", func(t *testing.T) {
		v, err := c.Clientset.Discovery().ServerVersion()
		must(t, err)
		if v.GitVersion != cluster.KubernetesVersion || v.Major != "1" || v.Minor != "37" {
			t.Fatalf("server version %s (major %q, minor %q), want %s", v.GitVersion, v.Major, v.Minor, cluster.KubernetesVersion)
		}
	})

	t.Run("StatefulSet controller acts as its own service account", func(t *testing.T) {
		// A policy that lets only the StatefulSet controller's identity
		// create these pods, and names whoever else tried.
		const app = "identity"
		policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "pods-only-from-statefulset-controller"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: ptr.To(admissionregistrationv1.Fail),
				MatchConstraints: &admissionregistrationv1.MatchResources{
					ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
					ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
						Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
					}}},
				},
				Validations: []admissionregistrationv1.Validation{{
					Expression:        "request.userInfo.username == '" + cluster.StatefulSetControllerUser + "'",
					MessageExpression: "'pod created by ' + request.userInfo.username",
				}},
			},
		}
		binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        policy.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			},
		}
		must(t, cl.Create(ctx, policy))
		must(t, cl.Create(ctx, binding))
		defer func() {
			_ = cl.Delete(ctx, binding)
			_ = cl.Delete(ctx, policy)
		}()

		// The policy is in force once the admin's own create is refused,
		// naming the admin.
		tpl := podTemplate(app, map[string]string{cluster.WorkerNodeLabel: "true"})
		var lastErr error
		err := poll(ctx, time.Minute, func() bool {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "by-admin", Namespace: ns, Labels: tpl.Labels}, Spec: tpl.Spec}
			lastErr = cl.Create(ctx, pod)
			if lastErr == nil {
				_ = cl.Delete(ctx, pod, client.GracePeriodSeconds(0))
			}
			return lastErr != nil && strings.Contains(lastErr.Error(), "pod created by admin")
		})
		if err != nil {
			t.Fatalf("the policy never refused the admin's pod: last create: %v", lastErr)
		}

		sts := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
			Spec: appsv1.StatefulSetSpec{
				Replicas:    ptr.To[int32](1),
				ServiceName: app,
				Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
				Template:    tpl,
			},
		}
		must(t, cl.Create(ctx, sts))
		defer func() { _ = cl.Delete(ctx, sts) }()
		var pods corev1.PodList
		err = poll(ctx, time.Minute, func() bool {
			return cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": app}) == nil && len(pods.Items) == 1
		})
		if err != nil {
			// The controller's FailedCreate event carries the policy's
			// message, naming the user it acted as.
			var events corev1.EventList
			_ = cl.List(ctx, &events, client.InNamespace(ns))
			var msgs []string
			for _, e := range events.Items {
				if e.InvolvedObject.Name == app {
					msgs = append(msgs, e.Reason+": "+e.Message)
				}
			}
			t.Fatalf("the StatefulSet controller created no pod: %v; events: %v", err, msgs)
		}
	})

	var nativePods []corev1.Pod
	t.Run("native StatefulSet of 3", func(t *testing.T) {
		sts := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "native", Namespace: ns},
			Spec: appsv1.StatefulSetSpec{
				Replicas:            ptr.To[int32](3),
				ServiceName:         "native",
				PodManagementPolicy: appsv1.ParallelPodManagement,
				Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": "native"}},
				Template:            podTemplate("native", map[string]string{cluster.WorkerNodeLabel: "true"}),
			},
		}
		must(t, cl.Create(ctx, sts))
		nativePods = waitRunning(ctx, t, cl, "native", 3)
	})

	t.Run("Kruise StatefulSet 4 to 3 with reserveOrdinals [1]", func(t *testing.T) {
		sts := &kruisev1beta1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "advanced", Namespace: ns},
			Spec: kruisev1beta1.StatefulSetSpec{
				Replicas:            ptr.To[int32](4),
				ServiceName:         "advanced",
				PodManagementPolicy: appsv1.ParallelPodManagement,
				Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": "advanced"}},
				Template:            podTemplate("advanced", nil),
			},
		}
		must(t, cl.Create(ctx, sts))
		waitRunning(ctx, t, cl, "advanced", 4)

		must(t, cl.Get(ctx, client.ObjectKeyFromObject(sts), sts))
		sts.Spec.Replicas = ptr.To[int32](3)
		sts.Spec.ReserveOrdinals = []intstr.IntOrString{intstr.FromInt32(1)}
		must(t, cl.Update(ctx, sts))
		want := []string{"advanced-0", "advanced-2", "advanced-3"}
		var names []string
		err := poll(ctx, 2*time.Minute, func() bool {
			var pods corev1.PodList
			if cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": "advanced"}) != nil {
				return false
			}
			names = names[:0]
			for _, p := range pods.Items {
				names = append(names, p.Name)
			}
			sort.Strings(names)
			return strings.Join(names, ",") == strings.Join(want, ",")
		})
		if err != nil {
			t.Fatalf("pods %v, want %v: %v", names, want, err)
		}
		// And it stays so: no replacement for ordinal 1 comes back.
		time.Sleep(2 * time.Second)
		var pods corev1.PodList
		must(t, cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": "advanced"}))
		if len(pods.Items) != 3 {
			t.Fatalf("%d pods after scale-in, want 3", len(pods.Items))
		}
	})

	t.Run("exec the alluxio shim", func(t *testing.T) {
		master := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "amaster-0", Namespace: ns, Labels: map[string]string{"app": "amaster"}},
			Spec:       podTemplate("amaster", map[string]string{cluster.MasterNodeLabel: "true"}).Spec,
		}
		master.Spec.Containers[0].Name = "alluxio-master"
		must(t, cl.Create(ctx, master))
		pods := waitRunning(ctx, t, cl, "amaster", 1)
		if pods[0].Spec.NodeName != cluster.MasterNodeName || pods[0].Status.HostIP != "127.0.0.1" {
			t.Fatalf("master pod on %s (hostIP %s), want %s (127.0.0.1)", pods[0].Spec.NodeName, pods[0].Status.HostIP, cluster.MasterNodeName)
		}
		ex, err := operations.NewPodExecutor(c.Config)
		must(t, err)
		// An emulated worker serving on a pod's own IP, as a worker pod's
		// Alluxio process would.
		w, err := emu.AddWorker(nativePods[0].Status.PodIP, 29999, 0) // web port 0: a free one
		must(t, err)
		t.Logf("emulated worker at %s (web port %d)", w.Address(), w.WebPort)

		argv := []string{"alluxio", "fsadmin", "report", "capacity"}
		var wantOut, wantErr bytes.Buffer
		if code := emu.RunCLI(ctx, argv[1:], &wantOut, &wantErr); code != 0 {
			t.Fatalf("emulator RunCLI exit %d: %s", code, wantErr.String())
		}
		stdout, stderr, err := ex.Exec(ctx, ns, "amaster-0", "alluxio-master", argv)
		if err != nil {
			t.Fatalf("exec %v: %v (stderr %q)", argv, err, stderr)
		}
		if string(stdout) != wantOut.String() || !strings.Contains(string(stdout), w.Host) {
			t.Fatalf("exec stdout %q, want %q", stdout, wantOut.String())
		}
		t.Logf("exec %v in amaster-0:\n%s", argv, stdout)

		// A worker node's kubelet address is forwarded to kwok too.
		p := nativePods[0]
		stdout, _, err = ex.Exec(ctx, ns, p.Name, "main", []string{"alluxio", "version"})
		if err != nil || !strings.Contains(string(stdout), emu.Version()) {
			t.Fatalf("exec in %s on %s: %q, %v", p.Name, p.Spec.NodeName, stdout, err)
		}

		// A failing command is seen as a failure.
		if _, _, err := ex.Exec(ctx, ns, "amaster-0", "alluxio-master", []string{"alluxio", "no-such-command"}); err == nil {
			t.Fatal("exec of a failing command succeeded")
		} else {
			t.Logf("failing command: %v", err)
		}
	})

	t.Run("emulator watch mode follows worker pods", func(t *testing.T) {
		// cmd/alluxio-emulator -kubeconfig runs one worker per Running
		// pod on the pod's IP, and removes it when the pod terminates.
		emuBin := filepath.Join(shimDir, "alluxio-emulator")
		b := exec.CommandContext(ctx, "go", "build", "-o", emuBin, "./cmd/alluxio-emulator")
		b.Dir = root
		if out, err := b.CombinedOutput(); err != nil {
			t.Fatalf("building alluxio-emulator: %v\n%s", err, out)
		}
		port := freePort(t)
		var logs bytes.Buffer
		cmd := exec.CommandContext(ctx, emuBin, "-master-addr", fmt.Sprintf("127.0.0.1:%d", port),
			"-kubeconfig", c.KubeconfigPath, "-watch-namespace", ns, "-watch-selector", "app=native", "-worker-web-port", "0")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		must(t, cmd.Start())
		defer func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			t.Logf("alluxio-emulator output:\n%s", logs.String())
		}()
		info := fmt.Sprintf("http://127.0.0.1:%d/api/v1/master/info", port)
		liveHosts := func() []string {
			var mi struct {
				Workers []struct {
					Address struct{ Host string } `json:"address"`
				} `json:"workers"`
			}
			resp, err := http.Get(info)
			if err != nil {
				return nil
			}
			defer resp.Body.Close()
			if json.NewDecoder(resp.Body).Decode(&mi) != nil {
				return nil
			}
			var hosts []string
			for _, w := range mi.Workers {
				hosts = append(hosts, w.Address.Host)
			}
			sort.Strings(hosts)
			return hosts
		}
		podIPs := func(names ...string) []string {
			var ips []string
			for _, p := range nativePods {
				for _, n := range names {
					if p.Name == n {
						ips = append(ips, p.Status.PodIP)
					}
				}
			}
			sort.Strings(ips)
			return ips
		}
		want := podIPs("native-0", "native-1", "native-2")
		var got []string
		if err := poll(ctx, 30*time.Second, func() bool { got = liveHosts(); return slices.Equal(got, want) }); err != nil {
			t.Fatalf("live workers %v, want %v", got, want)
		}
		var sts appsv1.StatefulSet
		must(t, cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: "native"}, &sts))
		sts.Spec.Replicas = ptr.To[int32](2)
		must(t, cl.Update(ctx, &sts))
		want = podIPs("native-0", "native-1")
		if err := poll(ctx, 30*time.Second, func() bool { got = liveHosts(); return slices.Equal(got, want) }); err != nil {
			t.Fatalf("after scale-in to 2: live workers %v, want %v", got, want)
		}
	})

	// Stop, then nothing of the cluster may be left: neither the
	// processes nor anything in their process groups (commands kwok ran).
	stopped = true
	if err := c.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if left := leftovers(t, pids); len(left) > 0 {
		t.Fatalf("processes left after Stop: %v", left)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary cluster directory %s still there (%v)", dir, err)
	}
	if _, err := net.DialTimeout("tcp", c.Config.Host[len("https://"):], time.Second); err == nil {
		t.Errorf("kube-apiserver still answers at %s", c.Config.Host)
	}
}

func podTemplate(app string, nodeSelector map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{
			NodeSelector:                  nodeSelector,
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			Containers:                    []corev1.Container{{Name: "main", Image: "fluid-drain/none:never-pulled"}},
		},
	}
}

// waitRunning waits for n Running pods of app with distinct IPs in
// 127.0.1.0/24 and returns them.
func waitRunning(ctx context.Context, t *testing.T, cl client.Client, app string, n int) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	err := poll(ctx, 2*time.Minute, func() bool {
		if cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": app}) != nil || len(pods.Items) != n {
			return false
		}
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("%d Running pods of %s: %v (have %s)", n, app, err, describe(pods.Items))
	}
	_, cidr, _ := net.ParseCIDR(cluster.DefaultPodCIDR)
	seen := map[string]string{}
	for _, p := range pods.Items {
		if !cidr.Contains(net.ParseIP(p.Status.PodIP)) {
			t.Errorf("pod %s has IP %s, not in %s", p.Name, p.Status.PodIP, cidr)
		}
		if other, dup := seen[p.Status.PodIP]; dup {
			t.Errorf("pods %s and %s share IP %s", p.Name, other, p.Status.PodIP)
		}
		seen[p.Status.PodIP] = p.Name
	}
	t.Logf("%s: %s", app, describe(pods.Items))
	return pods.Items
}

func describe(pods []corev1.Pod) string {
	var parts []string
	for _, p := range pods {
		parts = append(parts, fmt.Sprintf("%s %s %s@%s", p.Name, p.Status.Phase, p.Status.PodIP, p.Spec.NodeName))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, ", ") + "]"
}

// leftovers lists processes that are one of pids or in one of their
// process groups.
func leftovers(t *testing.T, pids map[string]int) []string {
	t.Helper()
	groups := map[int]string{}
	for name, pid := range pids {
		groups[pid] = name
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 3 {
			continue
		}
		pgrp, _ := strconv.Atoi(fields[2])
		if name, ok := groups[pid]; ok {
			left = append(left, fmt.Sprintf("%s (pid %d, state %s)", name, pid, fields[0]))
		} else if name, ok := groups[pgrp]; ok {
			left = append(left, fmt.Sprintf("pid %d in %s's group (state %s)", pid, name, fields[0]))
		}
	}
	if len(left) == 0 {
		for name, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				left = append(left, fmt.Sprintf("%s (pid %d): kill -0 says %v", name, pid, err))
			}
		}
	}
	return left
}

func poll(ctx context.Context, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// TestKilledStarterLeavesNothing starts a cluster in a child process (this
// test binary again), kills that child with SIGKILL, so no Stop runs, and
// checks that every component dies with it.
func TestKilledStarterLeavesNothing(t *testing.T) {
	if os.Getenv(helperEnv) == "1" {
		runHelper()
		return
	}
	if err := cluster.CheckBinaries("", false); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKilledStarterLeavesNothing$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	var ready helperReady
	if err := json.NewDecoder(out).Decode(&ready); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("reading the helper's pids: %v", err)
	}
	defer os.RemoveAll(ready.Dir) // nobody else removes it after a kill
	if len(ready.Pids) != 5 {
		t.Errorf("helper runs %v, want 5 components", ready.Pids)
	}
	if left := leftovers(t, ready.Pids); len(left) != len(ready.Pids) {
		t.Fatalf("not every component runs before the kill: %v", left)
	}
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	var left []string
	err = poll(ctx, 20*time.Second, func() bool {
		left = leftovers(t, ready.Pids)
		return len(left) == 0
	})
	if err != nil {
		t.Fatalf("processes left 20s after SIGKILL of their starter: %v", left)
	}
}

const helperEnv = "CLUSTER_E2E_KILL_HELPER"

type helperReady struct {
	Dir  string
	Pids map[string]int
}

// runHelper starts a small cluster, prints its pids, and waits to be
// killed.
func runHelper() {
	c, err := cluster.Start(context.Background(), cluster.Options{Nodes: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(helperReady{Dir: c.Dir, Pids: c.Pids()})
	time.Sleep(time.Hour)
	os.Exit(3)
}
