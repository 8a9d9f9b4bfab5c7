package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	. "github.com/onsi/gomega"
	kruisev1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// managed marks the pods the fake kubelet runs in this test.
var managed = map[string]string{"testenv": "managed"}

// TestEnv starts one control plane for the package (start-up is the
// expensive part) and checks, in order, what suites rely on; the last
// step stops it and checks that no process is left.
func TestEnv(t *testing.T) {
	events := &podEvents{}
	opts := Options{
		KruiseCRDs:        true,
		ControllerManager: true,
		FakeKubelet: &KubeletOptions{
			PodSelector: labels.SelectorFromSet(managed),
			OnRunning:   func(p *corev1.Pod) { events.add("running", p) },
			OnGone:      func(p *corev1.Pod) { events.add("gone", p) },
		},
	}
	if err := CheckBinaries(opts); errors.Is(err, ErrBinariesMissing) {
		t.Skip(err) // the message names `make test-binaries`
	}
	ctx := ctrllog.IntoContext(t.Context(), testr.New(t))
	env, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	children := childProcesses(t)
	stopped := false
	defer func() {
		if !stopped {
			_ = env.Stop()
		}
	}()

	t.Run("StatefulSet pods become Running and Ready with distinct loopback IPs", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t, env)
		sts := statefulSet(ns, "worker", 3)
		g.Expect(env.Client.Create(ctx, sts)).To(Succeed())

		g.Eventually(func(g Gomega) {
			pods := listPods(g, env, ns)
			g.Expect(pods).To(HaveLen(3))
			ips := map[string]bool{}
			for _, p := range pods {
				g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning))
				g.Expect(isReady(&p)).To(BeTrue(), "pod %s ready", p.Name)
				g.Expect(p.Status.PodIP).To(HavePrefix(DefaultPodCIDRPrefix))
				g.Expect(p.Status.PodIPs).To(Equal([]corev1.PodIP{{IP: p.Status.PodIP}}))
				g.Expect(p.Status.HostIP).To(Equal(NodeIP(p.Spec.NodeName)))
				g.Expect(p.Status.ContainerStatuses).To(HaveLen(1))
				g.Expect(p.Status.ContainerStatuses[0].Ready).To(BeTrue())
				ips[p.Status.PodIP] = true
			}
			g.Expect(ips).To(HaveLen(3), "pod IPs are distinct")
		}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
		g.Expect(events.count("running", ns)).To(Equal(3))
	})

	t.Run("a finalizer keeps a scaled-in pod Terminating until it is removed", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t, env)
		sts := statefulSet(ns, "worker", 3)
		g.Expect(env.Client.Create(ctx, sts)).To(Succeed())
		pod := &corev1.Pod{}
		key := client.ObjectKey{Namespace: ns, Name: "worker-2"}
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, pod)).To(Succeed())
			g.Expect(pod.Status.PodIP).NotTo(BeEmpty())
		}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
		ip := pod.Status.PodIP
		g.Expect(env.Kubelet.AllocatedIPs()).To(HaveKeyWithValue(ip, ns+"/worker-2"))

		patch := client.MergeFrom(pod.DeepCopy())
		pod.Finalizers = append(pod.Finalizers, "testenv.fluid-drain.io/hold")
		g.Expect(env.Client.Patch(ctx, pod, patch)).To(Succeed())
		stsPatch := client.MergeFrom(sts.DeepCopy())
		sts.Spec.Replicas = ptr.To[int32](2)
		g.Expect(env.Client.Patch(ctx, sts, stsPatch)).To(Succeed())

		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, pod)).To(Succeed())
			g.Expect(pod.DeletionTimestamp).NotTo(BeNil())
		}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
		g.Consistently(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, pod)).To(Succeed())
		}, 2*time.Second, 200*time.Millisecond).Should(Succeed())
		g.Expect(env.Kubelet.AllocatedIPs()).To(HaveKey(ip), "a Terminating pod keeps its IP")

		patch = client.MergeFrom(pod.DeepCopy())
		pod.Finalizers = nil
		g.Expect(env.Client.Patch(ctx, pod, patch)).To(Succeed())
		g.Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, key, &corev1.Pod{}))
		}, 30*time.Second, 100*time.Millisecond).Should(BeTrue())
		g.Eventually(env.Kubelet.AllocatedIPs).ShouldNot(HaveKey(ip))
		g.Eventually(func() int { return events.count("gone", ns) }).Should(Equal(1))
		g.Expect(listPods(g, env, ns)).To(HaveLen(2))
	})

	t.Run("a hostNetwork pod gets its node's address as pod IP", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t, env)
		pod := barePod(ns, "host-net")
		pod.Labels = managed
		pod.Spec.HostNetwork = true
		g.Expect(env.Client.Create(ctx, pod)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod)).To(Succeed())
			g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning))
		}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
		g.Expect(pod.Spec.NodeName).To(HavePrefix(NodeNamePrefix))
		g.Expect(pod.Status.PodIP).To(Equal(NodeIP(pod.Spec.NodeName)))
		g.Expect(pod.Status.HostIP).To(Equal(pod.Status.PodIP))
		node := &corev1.Node{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node)).To(Succeed())
		g.Expect(node.Status.Addresses).To(ContainElement(corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: pod.Status.HostIP}))
	})

	t.Run("pods outside the selector are left alone", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t, env)
		pod := barePod(ns, "unmanaged")
		g.Expect(env.Client.Create(ctx, pod)).To(Succeed())
		g.Consistently(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod)).To(Succeed())
			g.Expect(pod.Spec.NodeName).To(BeEmpty())
			g.Expect(pod.Status.PodIP).To(BeEmpty())
		}, time.Second, 200*time.Millisecond).Should(Succeed())
	})

	t.Run("the Kruise StatefulSet CRD is served", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t, env)
		asts := &kruisev1beta1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "aworker"},
			Spec: kruisev1beta1.StatefulSetSpec{
				Replicas: ptr.To[int32](1),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "aworker"}},
				Template: podTemplate(map[string]string{"app": "aworker"}),
			},
		}
		g.Expect(env.Client.Create(ctx, asts)).To(Succeed())
		got := &kruisev1beta1.StatefulSet{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(asts), got)).To(Succeed())
		g.Expect(got.Spec.Replicas).To(Equal(ptr.To[int32](1)))
	})

	t.Run("a separate process can connect with the kubeconfig files", func(t *testing.T) {
		g := NewWithT(t)
		fromFile, err := clientcmd.BuildConfigFromFlags("", env.KubeconfigPath)
		g.Expect(err).NotTo(HaveOccurred())
		user, err := env.AddUser("drain-controller", "system:masters")
		g.Expect(err).NotTo(HaveOccurred())
		userKubeconfig, err := user.KubeConfig()
		g.Expect(err).NotTo(HaveOccurred())
		fromUser, err := clientcmd.RESTConfigFromKubeConfig(userKubeconfig)
		g.Expect(err).NotTo(HaveOccurred())
		for _, cfg := range []*rest.Config{fromFile, fromUser} {
			c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.List(ctx, &corev1.NodeList{})).To(Succeed())
		}
	})

	t.Run("Stop leaves no child process running", func(t *testing.T) {
		g := NewWithT(t)
		names := map[string]bool{}
		for _, c := range children {
			names[c.name] = true
		}
		g.Expect(names).To(HaveKey("etcd"))
		g.Expect(names).To(HaveKey("kube-apiserver"))
		g.Expect(names).To(HaveKey("kube-controller-manager"))

		stopped = true
		g.Expect(env.Stop()).To(Succeed())
		for _, c := range children {
			_, err := os.Stat(fmt.Sprintf("/proc/%d", c.pid))
			g.Expect(errors.Is(err, os.ErrNotExist)).To(BeTrue(), "%s (pid %d) still exists", c.name, c.pid)
		}
		g.Expect(env.KubeconfigPath).NotTo(BeAnExistingFile())
	})
}

// podEvents records the fake kubelet's callbacks.
type podEvents struct {
	mu     sync.Mutex
	events []string // "<kind> <namespace>/<name>"
}

func (e *podEvents) add(kind string, p *corev1.Pod) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, kind+" "+p.Namespace+"/"+p.Name)
}

func (e *podEvents) count(kind, ns string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.events {
		if strings.HasPrefix(ev, kind+" "+ns+"/") {
			n++
		}
	}
	return n
}

func newNamespace(t *testing.T, env *Env) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "testenv-"}}
	if err := env.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	return ns.Name
}

func statefulSet(ns, name string, replicas int32) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &replicas,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: managed},
			Template:            podTemplate(managed),
		},
	}
}

func podTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "worker", Image: "fluid-drain/fake:test"}}},
	}
}

func barePod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       podTemplate(nil).Spec,
	}
}

func listPods(g Gomega, env *Env, ns string) []corev1.Pod {
	pods := &corev1.PodList{}
	g.Expect(env.Client.List(context.Background(), pods, client.InNamespace(ns))).To(Succeed())
	return pods.Items
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

type child struct {
	pid  int
	name string // base name of the executable
}

// childProcesses lists this test binary's direct children from /proc.
func childProcesses(t *testing.T) []child {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("reading /proc: %v", err)
	}
	self := os.Getpid()
	var out []child
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after "(comm)": state, ppid, ...; comm may hold spaces.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		out = append(out, child{pid: pid, name: filepath.Base(exe)})
	}
	return out
}
