package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

// HelmInstall runs `helm install release chart` into namespace (created
// if missing) with the --set pairs, against the cluster of kubeconfig.
func HelmInstall(ctx context.Context, helm, kubeconfig, release, chart, namespace string, sets ...string) error {
	args := []string{"install", release, chart, "--namespace", namespace, "--create-namespace", "--kubeconfig", kubeconfig}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	if out, err := exec.CommandContext(ctx, helm, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("helm %v: %w\n%s", args, err, out)
	}
	return nil
}

// HelmUninstall runs `helm uninstall release` in namespace.
func HelmUninstall(ctx context.Context, helm, kubeconfig, release, namespace string) error {
	args := []string{"uninstall", release, "--namespace", namespace, "--kubeconfig", kubeconfig, "--wait"}
	if out, err := exec.CommandContext(ctx, helm, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("helm %v: %w\n%s", args, err, out)
	}
	return nil
}

// ServiceAccountKubeconfig writes to path a kubeconfig for the cluster of
// admin that authenticates as service account namespace/name, with a
// token from the TokenRequest API (valid for an hour): a process using it
// has exactly the permissions RBAC gives that account.
func ServiceAccountKubeconfig(ctx context.Context, admin *rest.Config, namespace, name, path string) error {
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return err
	}
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("token for service account %s/%s: %w", namespace, name, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: admin.Host, CertificateAuthorityData: admin.CAData}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: name, Namespace: namespace}
	cfg.CurrentContext = "sa"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}
