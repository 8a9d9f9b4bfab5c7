package deploy

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Who deletes a worker pod, as the API server sees it.
const (
	statefulSetController = "system:serviceaccount:kube-system:statefulset-controller"
	kubeControllerManager = "system:kube-controller-manager"
	garbageCollector      = "system:serviceaccount:kube-system:generic-garbage-collector"
	aUser                 = "alice"
)

// TestWorkerDrainGuard installs config/fluid's admission policy for real
// and deletes Fluid worker pods as the StatefulSet controller, the garbage
// collector and a user would: only the StatefulSet controller is held, and
// only until the worker is drained or forced.
func TestWorkerDrainGuard(t *testing.T) {
	objs := render(t, "config", "fluid")
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

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "fluid-workers"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	// Alice, and kube-controller-manager where it runs without
	// per-controller credentials, may delete pods here: only the policy
	// can stop them.
	for _, o := range podDeleters(ns.Name, aUser, kubeControllerManager) {
		if err := cl.Create(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	pod := func(name string, labels, annotations map[string]string) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name, Labels: labels, Annotations: annotations},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "alluxio-worker", Image: "alluxio/alluxio:2.9.6"}}},
		}
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	worker := map[string]string{"app": "alluxio", "role": "alluxio-worker", "release": "hbase"}
	draining := pod("hbase-worker-2", worker, map[string]string{"data.fluid.io/scale-in-state": "Draining"})
	unmarked := pod("hbase-worker-3", worker, nil)
	scaled := pod("hbase-worker-4", worker, map[string]string{"data.fluid.io/scale-in-state": "Scaled"})
	forced := pod("hbase-worker-5", worker, map[string]string{"data.fluid.io/scale-in-state": "Draining", "data.fluid.io/scale-in-force": "true"})
	master := pod("hbase-master-0", map[string]string{"app": "alluxio", "role": "alluxio-master"}, nil)

	deleteAs := func(user string, p *corev1.Pod) error {
		cfg := rest.CopyConfig(env.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
		if strings.HasPrefix(user, "system:serviceaccount:") {
			cfg.Impersonate.Groups = append(cfg.Impersonate.Groups, "system:serviceaccounts", "system:serviceaccounts:kube-system")
		}
		as, err := client.New(cfg, client.Options{Scheme: cl.Scheme()})
		if err != nil {
			t.Fatal(err)
		}
		return as.Delete(t.Context(), p.DeepCopy(), client.DryRunAll)
	}

	// The policy takes effect once the API server has loaded it.
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for err = deleteAs(statefulSetController, draining); err == nil && time.Now().Before(deadline); err = deleteAs(statefulSetController, draining) {
		time.Sleep(200 * time.Millisecond)
	}
	if err == nil {
		t.Fatal("the StatefulSet controller deleted a draining worker: the policy never took effect")
	}
	msg := err.Error()
	for _, want := range []string{"hbase-worker-2", "not drained yet", "Draining", "data.fluid.io/scale-in-force=true"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q: %s", want, msg)
		}
	}
	t.Logf("refused: %s", msg)

	for _, tc := range []struct {
		user    string
		pod     *corev1.Pod
		allowed bool
	}{
		{statefulSetController, unmarked, false},
		{kubeControllerManager, draining, false},
		{statefulSetController, scaled, true},
		{kubeControllerManager, scaled, true},
		{statefulSetController, forced, true},
		{statefulSetController, master, true},
		{garbageCollector, draining, true},
		{aUser, draining, true},
	} {
		err := deleteAs(tc.user, tc.pod)
		if tc.allowed && err != nil {
			t.Errorf("%s deleting %s (%v): refused: %v", tc.user, tc.pod.Name, tc.pod.Annotations, err)
		}
		if !tc.allowed && (err == nil || !strings.Contains(err.Error(), "not drained yet")) {
			t.Errorf("%s deleting %s (%v): %v; want it held by the policy until drained", tc.user, tc.pod.Name, tc.pod.Annotations, err)
		}
	}
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
