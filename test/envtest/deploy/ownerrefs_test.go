package deploy

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// TestOwnerReferencesNeedTheFinalizersGrant: the API server enforces
// OwnerReferencesPermissionEnforcement (as production clusters do), so
// the controller can only create a workload owned by its runtime, with
// blockOwnerDeletion, because config/rbac grants update on
// alluxioruntimes/finalizers. The same role without that rule is refused,
// showing the plugin is on.
func TestOwnerReferencesNeedTheFinalizersGrant(t *testing.T) {
	objs := render(t, "config", "default")
	role := into(t, find(t, objs, "ClusterRole", prefix+"manager-role"), &rbacv1.ClusterRole{})
	withoutFinalizers := role.DeepCopy()
	withoutFinalizers.Name = "owner-refs-test-no-finalizers"
	withoutFinalizers.Rules = nil
	for _, r := range role.Rules {
		if !slices.Contains(r.Resources, "alluxioruntimes/finalizers") {
			withoutFinalizers.Rules = append(withoutFinalizers.Rules, r)
		}
	}
	role.Name = "owner-refs-test-generated"
	role.ResourceVersion = ""

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "owner-refs"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: ns.Name}}
	if err := cl.Create(t.Context(), rt); err != nil {
		t.Fatal(err)
	}

	create := func(role *rbacv1.ClusterRole, user string) error {
		t.Helper()
		if err := cl.Create(t.Context(), role); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: ns.Name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: user}},
		}
		if err := cl.Create(t.Context(), rb); err != nil {
			t.Fatal(err)
		}
		cfg := rest.CopyConfig(env.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
		as, err := client.New(cfg, client.Options{Scheme: cl.Scheme()})
		if err != nil {
			t.Fatal(err)
		}
		// What the controller creates for a runtime: its master Service,
		// owned with controllerutil.SetControllerReference
		// (blockOwnerDeletion: true).
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "demo-master-" + user, Namespace: ns.Name},
			Spec:       corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Ports: []corev1.ServicePort{{Name: "web", Port: 19999, TargetPort: intstr.FromInt32(19999)}}},
		}
		if err := controllerutil.SetControllerReference(rt, svc, cl.Scheme()); err != nil {
			t.Fatal(err)
		}
		return as.Create(t.Context(), svc, client.DryRunAll)
	}

	if err := create(withoutFinalizers, "controller-without-finalizers"); err == nil {
		t.Fatal("a role without alluxioruntimes/finalizers could set blockOwnerDeletion: OwnerReferencesPermissionEnforcement is not on, so this test proves nothing")
	} else if !strings.Contains(err.Error(), "blockOwnerDeletion") {
		t.Fatalf("refused for another reason than blockOwnerDeletion: %v", err)
	} else {
		t.Logf("control: without the finalizers grant: %v", err)
	}
	if err := create(role, "controller"); err != nil {
		t.Fatalf("the generated role cannot create a workload owned by its runtime: %v", err)
	}
}
