package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluid-drain/fluid-drain/test/e2e/stack"
)

// installNamespaced installs a second release of the chart, into ns and
// watching ns only (a RoleBinding there, no ClusterRoleBinding, no CRD:
// the suite's release owns it), and returns a kubeconfig for its service
// account and the namespaces to pass as --namespaces.
func installNamespaced(t *testing.T, ns, logPrefix string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	release := "drain-" + ns
	if err := stack.HelmInstall(ctx, helmBin, kc.KubeconfigPath, release, filepath.Join(root, "charts", "fluid-drain"), ns,
		chartValues("installCRD=false", "watchNamespaces={"+ns+"}", "leaderElection.enabled=false", "metrics.enabled=false")...); err != nil {
		t.Fatal(err)
	}
	path := logPrefix + "-controller.kubeconfig"
	if err := stack.ServiceAccountKubeconfig(ctx, kc.Config, ns, release+"-controller-manager", path); err != nil {
		t.Fatal(err)
	}
	// The release's account can exec into pods of its namespace only.
	for _, c := range []struct {
		ns   string
		want bool
	}{{ns, true}, {"default", false}, {chartNamespace, false}} {
		for _, verb := range []string{"create", "get"} {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               "system:serviceaccount:" + ns + ":" + release + "-controller-manager",
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: c.ns, Resource: "pods", Subresource: "exec", Verb: verb},
			}}
			created, err := kc.Clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
			// The RBAC authorizer learns of the release's RoleBinding
			// through its own watch: a grant may take a moment to show.
			// The grant is checked first, so the refusals after it are
			// not a lagging cache.
			for deadline := time.Now().Add(10 * time.Second); err == nil && c.want && !created.Status.Allowed && time.Now().Before(deadline); {
				time.Sleep(100 * time.Millisecond)
				created, err = kc.Clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
			if created.Status.Allowed != c.want {
				t.Fatalf("release %s's account: %s pods/exec in %s allowed=%v, want %v", release, verb, c.ns, created.Status.Allowed, c.want)
			}
		}
	}
	return path, []string{ns}
}

// The controller installed for one namespace only (RoleBinding, no
// cluster-wide grant) drains a worker through the whole exec path:
// decommissionWorker exec'd in the master pod, then the replica drop.
func TestNamespacedInstallDrainsUnderItsRoleBindingOnly(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{namespaced: true})
	f.createRuntime(3)
	f.waitReady(3)

	f.scaleTo(2)
	f.waitScaled(2)

	f.g.Expect(f.podNames()).To(HaveExactElements("cache-worker-0", "cache-worker-1"))
	f.g.Expect(f.decommissions()).To(HaveLen(1), "the victim was decommissioned through exec in the master pod")
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Normal Scaled"), ContainSubstring("scaled in from 3 to 2 workers"))))
	f.expectNoViolations()
}
