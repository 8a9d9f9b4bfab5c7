package framework

import (
	"context"
	"fmt"
	"os"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/fluid-drain/fluid-drain/test/testenv"
)

// ControllerUser is the name the restricted controller authenticates as.
const ControllerUser = "fluid-drain-controller"

// RestrictedUser creates a user bound to nothing but the ClusterRole in
// rolePath (the generated config/rbac/role.yaml) and returns its config,
// so that a suite proves the role grants every call the controller makes.
func RestrictedUser(ctx context.Context, env *testenv.Env, admin client.Client, rolePath string) (*rest.Config, error) {
	raw, err := os.ReadFile(rolePath)
	if err != nil {
		return nil, err
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(raw, role); err != nil {
		return nil, fmt.Errorf("%s: %w", rolePath, err)
	}
	role.Name = "fluid-drain-test-" + role.Name
	if err := admin.Create(ctx, role); err != nil {
		return nil, fmt.Errorf("create role: %w", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: ControllerUser}},
	}
	if err := admin.Create(ctx, binding); err != nil {
		return nil, fmt.Errorf("create role binding: %w", err)
	}
	user, err := env.AddUser(ControllerUser)
	if err != nil {
		return nil, err
	}
	return user.Config(), nil
}
