package testenv

import (
	"os"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// WriteKubeconfig writes a kubeconfig for the admin user (group
// system:masters) to path, for a controller or kubectl run as a separate
// process.
func (e *Env) WriteKubeconfig(path string) error {
	return os.WriteFile(path, e.env.KubeConfig, 0o600)
}

// AddUser provisions a client-certificate user with the given groups.
// The result has Config() for in-process clients and KubeConfig() for a
// kubeconfig file. Without RBAC bindings such a user may do nothing; use
// group "system:masters" for full access.
func (e *Env) AddUser(name string, groups ...string) (*envtest.AuthenticatedUser, error) {
	return e.env.AddUser(envtest.User{Name: name, Groups: groups}, &rest.Config{QPS: 1000, Burst: 2000})
}
