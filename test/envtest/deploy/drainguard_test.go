package deploy

import (
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// Who deletes a worker pod, as the API server sees it.
const (
	statefulSetController = "system:serviceaccount:kube-system:statefulset-controller"
	kubeControllerManager = "system:kube-controller-manager"
	garbageCollector      = "system:serviceaccount:kube-system:generic-garbage-collector"
	aUser                 = "alice"
)

// guardWorld is the drain guard installed for real, with the clock it
// reads (kube-controller-manager's lease) and pods to delete.
type guardWorld struct {
	t     *testing.T
	ns    string
	lease *coordinationv1.Lease
}

// installGuard applies the rendered policy and binding, and removes them
// when the test ends.
func installGuard(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, kind := range []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
		u := find(t, objs, kind, prefix+"worker-drain-guard")
		if err := cl.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
			t.Fatalf("%s: %v", id(u), err)
		}
	}
	t.Cleanup(func() {
		for _, kind := range []string{"ValidatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy"} {
			_ = cl.Delete(t.Context(), find(t, objs, kind, prefix+"worker-drain-guard").DeepCopy())
		}
	})
}

// newGuardWorld makes namespace ns with fluid-drain's heartbeat renewed
// now, and kube-controller-manager's lease renewed now.
func newGuardWorld(t *testing.T, ns string) *guardWorld {
	t.Helper()
	w := &guardWorld{t: t, ns: ns}
	if err := cl.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range podDeleters(ns, aUser, kubeControllerManager) {
		if err := cl.Create(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	w.lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-controller-manager"}}
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(w.lease), w.lease); apierrors.IsNotFound(err) {
		w.lease.Spec.HolderIdentity = ptr.To("kcm")
		if err := cl.Create(t.Context(), w.lease); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	w.heartbeat(time.Now())
	w.clock(time.Now())
	return w
}

// clock renews kube-controller-manager's lease at now.
func (w *guardWorld) clock(now time.Time) {
	w.t.Helper()
	w.lease.Spec.RenewTime = &metav1.MicroTime{Time: now}
	if err := cl.Update(w.t.Context(), w.lease); err != nil {
		w.t.Fatal(err)
	}
}

// heartbeat writes fluid-drain's heartbeat on the namespace at at.
func (w *guardWorld) heartbeat(at time.Time) {
	w.t.Helper()
	ns := &corev1.Namespace{}
	if err := cl.Get(w.t.Context(), client.ObjectKey{Name: w.ns}, ns); err != nil {
		w.t.Fatal(err)
	}
	if ns.Annotations == nil {
		ns.Annotations = map[string]string{}
	}
	ns.Annotations[datav1alpha1.DrainGuardHeartbeatAnnotation] = at.UTC().Format(time.RFC3339)
	if err := cl.Update(w.t.Context(), ns); err != nil {
		w.t.Fatal(err)
	}
}

func (w *guardWorld) pod(name string, labels, annotations map[string]string, phase corev1.PodPhase) *corev1.Pod {
	w.t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns, Labels: labels, Annotations: annotations},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "alluxio-worker", Image: "alluxio/alluxio:2.9.6"}}},
	}
	if err := cl.Create(w.t.Context(), p); err != nil {
		w.t.Fatal(err)
	}
	if phase != "" {
		p.Status.Phase = phase
		if err := cl.Status().Update(w.t.Context(), p); err != nil {
			w.t.Fatal(err)
		}
	}
	return p
}

// deleteAs deletes p (dry run) as user; gc deletes the way the garbage
// collector does, with the pod's UID as a precondition.
func (w *guardWorld) deleteAs(user string, p *corev1.Pod, gc bool) error {
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	if strings.HasPrefix(user, "system:serviceaccount:") {
		cfg.Impersonate.Groups = append(cfg.Impersonate.Groups, "system:serviceaccounts", "system:serviceaccounts:kube-system")
	}
	as, err := client.New(cfg, client.Options{Scheme: cl.Scheme()})
	if err != nil {
		w.t.Fatal(err)
	}
	opts := []client.DeleteOption{client.DryRunAll}
	if gc {
		opts = append(opts, client.Preconditions{UID: &p.UID}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	}
	return as.Delete(w.t.Context(), p.DeepCopy(), opts...)
}

// waitHeld waits until the API server has loaded the policy: the
// StatefulSet controller's delete of p is refused.
func (w *guardWorld) waitHeld(p *corev1.Pod) error {
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for err = w.deleteAs(statefulSetController, p, false); err == nil && time.Now().Before(deadline); err = w.deleteAs(statefulSetController, p, false) {
		time.Sleep(200 * time.Millisecond)
	}
	if err == nil {
		w.t.Fatal("the StatefulSet controller deleted a draining worker: the policy never took effect")
	}
	return err
}

type deleteCase struct {
	who     string
	user    string
	gc      bool
	pod     *corev1.Pod
	allowed bool
}

// check deletes each case's pod (dry run) as its user. The API server
// reads the lease and the namespace through its informers, which lag a
// write by a moment: a case is retried for a few seconds before it
// counts as failed.
func (w *guardWorld) check(cases []deleteCase) {
	w.t.Helper()
	for _, tc := range cases {
		var err error
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			err = w.deleteAs(tc.user, tc.pod, tc.gc)
			held := err != nil && strings.Contains(err.Error(), "not drained yet")
			if tc.allowed == (err == nil) && (tc.allowed || held) || time.Now().After(deadline) {
				break
			}
		}
		if tc.allowed && err != nil {
			w.t.Errorf("%s deleting %s (labels %v, annotations %v, %s): refused: %v", tc.who, tc.pod.Name, tc.pod.Labels, tc.pod.Annotations, tc.pod.Status.Phase, err)
		}
		if !tc.allowed && (err == nil || !strings.Contains(err.Error(), "not drained yet")) {
			w.t.Errorf("%s deleting %s (labels %v, annotations %v): %v; want it held by the policy until drained", tc.who, tc.pod.Name, tc.pod.Labels, tc.pod.Annotations, err)
		}
	}
}

var (
	fluidWorker   = map[string]string{"app": "alluxio", "role": "alluxio-worker", "release": "hbase"}
	guardedWorker = map[string]string{"app": "alluxio", "role": "alluxio-worker", "release": "hbase", datav1alpha1.DrainGuardLabel: datav1alpha1.DrainGuardValue}
	drainingState = map[string]string{datav1alpha1.ScaleInStateAnnotation: "Draining"}
)

// TestWorkerDrainGuard installs config/fluid's admission policy for real
// and deletes Fluid worker pods as the StatefulSet controller, the garbage
// collector and a user would: only the StatefulSet controller is held,
// only for pods fluid-drain put under the guard, never for a Failed or
// Succeeded pod, and only until the worker is drained or forced.
func TestWorkerDrainGuard(t *testing.T) {
	installGuard(t, render(t, "config", "fluid"))
	w := newGuardWorld(t, "fluid-workers")
	draining := w.pod("hbase-worker-2", guardedWorker, drainingState, "")
	unmarked := w.pod("hbase-worker-3", guardedWorker, nil, "")
	scaled := w.pod("hbase-worker-4", guardedWorker, map[string]string{datav1alpha1.ScaleInStateAnnotation: "Scaled"}, "")
	forced := w.pod("hbase-worker-5", guardedWorker, map[string]string{datav1alpha1.ScaleInStateAnnotation: "Draining", datav1alpha1.ScaleInForceAnnotation: "true"}, "")
	failed := w.pod("hbase-worker-6", guardedWorker, drainingState, corev1.PodFailed)
	succeeded := w.pod("hbase-worker-7", guardedWorker, nil, corev1.PodSucceeded)
	unguarded := w.pod("hbase-worker-8", fluidWorker, drainingState, "")
	master := w.pod("hbase-master-0", map[string]string{"app": "alluxio", "role": "alluxio-master", "release": "hbase"}, nil, "")

	msg := w.waitHeld(draining).Error()
	for _, want := range []string{"hbase-worker-2", "not drained yet", "Draining", "data.fluid.io/scale-in-force=true"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q: %s", want, msg)
		}
	}
	t.Logf("refused: %s", msg)

	w.check([]deleteCase{
		{"the StatefulSet controller", statefulSetController, false, unmarked, false},
		{"kube-controller-manager without per-controller credentials", kubeControllerManager, false, draining, false},
		{"the StatefulSet controller", statefulSetController, false, scaled, true},
		{"kube-controller-manager", kubeControllerManager, false, scaled, true},
		{"the StatefulSet controller", statefulSetController, false, forced, true},
		{"the StatefulSet controller, replacing a Failed pod", statefulSetController, false, failed, true},
		{"the StatefulSet controller, replacing a Succeeded pod", statefulSetController, false, succeeded, true},
		{"the StatefulSet controller, on a pod fluid-drain does not guard", statefulSetController, false, unguarded, true},
		{"the StatefulSet controller", statefulSetController, false, master, true},
		{"the garbage collector", garbageCollector, true, draining, true},
		{"the garbage collector of a kube-controller-manager without per-controller credentials", kubeControllerManager, true, draining, true},
		{"a user", aUser, false, draining, true},
	})

	// fluid-drain down: its heartbeat ages by kube-controller-manager's
	// clock; the guard holds until the timeout (5m), then nothing.
	w.clock(time.Now().Add(4 * time.Minute))
	w.check([]deleteCase{{"the StatefulSet controller, heartbeat 4m old", statefulSetController, false, draining, false}})
	w.clock(time.Now().Add(6 * time.Minute))
	w.check([]deleteCase{{"the StatefulSet controller, heartbeat 6m old", statefulSetController, false, draining, true}})
	// Back: a fresh heartbeat holds again.
	w.heartbeat(time.Now().Add(6 * time.Minute))
	w.check([]deleteCase{{"the StatefulSet controller, heartbeat renewed", statefulSetController, false, draining, false}})

	// No clock at all: the guard holds nothing.
	if err := cl.Delete(t.Context(), w.lease); err != nil {
		t.Fatal(err)
	}
	w.check([]deleteCase{{"the StatefulSet controller, no kube-controller-manager lease", statefulSetController, false, draining, true}})
}

// TestWorkerDrainGuardHoldsOnlyWatchedNamespaces: a namespaced install
// (watchNamespaces) holds nothing in another namespace, even a pod
// labelled by an earlier install there.
func TestWorkerDrainGuardHoldsOnlyWatchedNamespaces(t *testing.T) {
	installGuard(t, renderChart(t, "mode=fluid", "watchNamespaces={guard-watched}"))
	a := newGuardWorld(t, "guard-watched")
	b := newGuardWorld(t, "guard-unwatched")
	inA := a.pod("hbase-worker-3", guardedWorker, drainingState, "")
	inB := b.pod("hbase-worker-3", guardedWorker, drainingState, "")
	a.waitHeld(inA)
	b.check([]deleteCase{{"the StatefulSet controller, outside the watched namespaces", statefulSetController, false, inB, true}})
}

// podDeleters is a Role that may delete pods in ns, bound to users.
func podDeleters(ns string, users ...string) []client.Object {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-deleters", Namespace: ns},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "delete"}}},
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-deleters", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
	}
	for _, u := range users {
		rb.Subjects = append(rb.Subjects, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: "User", Name: u})
	}
	return []client.Object{role, rb}
}

// TestFluidAppliesCleanly: config/fluid (config/default and the policy)
// is accepted by the API server without a warning.
func TestFluidAppliesCleanly(t *testing.T) {
	applyRendered(t, render(t, "config", "fluid"))
}
