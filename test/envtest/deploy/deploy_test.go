// Package deploy checks the install manifests against a real API server:
// config/default (CRD, RBAC, controller Deployment), config/fluid (the
// same and the admission policy for Fluid workers), config/samples and
// the Helm chart charts/fluid-drain. The kustomize directories are
// rendered with krusty, in memory, exactly as `kustomize build` would; the
// chart with `bin/helm template`.
//
// How config/default is applied: the Namespace is created for real (a
// dry-run cannot admit namespaced objects into a namespace that does not
// exist); every other object is sent with server-side apply and
// DryRunAll, so it passes the full admission chain (schema, defaulting,
// RBAC escalation checks, Pod Security warnings) without being stored. The
// CRD is already installed from config/crd/bases by testenv, so its
// dry-run is an update of the same object. TestRBACGrants then applies the
// RBAC objects for real to check, with SubjectAccessReviews, that the
// service account ends up with the permissions the controller needs.
package deploy

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/features"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

const (
	systemNS     = "fluid-drain-system"
	prefix       = "fluid-drain-"
	fieldManager = "deploy-test"
	wantGates    = "--feature-gates=GracefulScaleIn=true,AdvancedStatefulSet=false"
)

var (
	env *testenv.Env
	// cl is env's admin client, with every API warning recorded into the
	// warnings collector carried by the request's context (see withWarnings).
	cl client.Client
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := testenv.RepoRoot()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	utilruntime.Must(datav1alpha1.AddToScheme(scheme))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env, err = testenv.Start(ctx, testenv.Options{
		CRDDirs: []string{filepath.Join(root, "config", "crd", "bases")},
		Scheme:  scheme,
	})
	if errors.Is(err, testenv.ErrBinariesMissing) {
		fmt.Println("SKIP:", err)
		return 0
	}
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Println("stopping the control plane:", err)
		}
	}()
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandlerWithContext = warningRecorder{}
	if cl, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Println(err)
		return 1
	}
	return m.Run()
}

// --- warnings -------------------------------------------------------------

type warningsKey struct{}

// warnings collects the Warning headers of the requests made with a context
// from withWarnings.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.list)
}

type warningRecorder struct{}

func (warningRecorder) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	if w, ok := ctx.Value(warningsKey{}).(*warnings); ok {
		w.mu.Lock()
		w.list = append(w.list, text)
		w.mu.Unlock()
	}
}

func withWarnings(ctx context.Context) (context.Context, *warnings) {
	w := &warnings{}
	return context.WithValue(ctx, warningsKey{}, w), w
}

// --- rendering ------------------------------------------------------------

func repoPath(t *testing.T, elem ...string) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{root}, elem...)...)
}

// render runs `kustomize build <root>/<dir>` in memory.
func render(t *testing.T, dir ...string) []*unstructured.Unstructured {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), repoPath(t, dir...))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", filepath.Join(dir...), err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range resMap.Resources() {
		// Through JSON, so numbers are int64/float64 as in any
		// unstructured object (Map() would give plain ints).
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %v", r.CurId(), err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(data); err != nil {
			t.Fatalf("%s: %v", r.CurId(), err)
		}
		objs = append(objs, u)
	}
	if len(objs) == 0 {
		t.Fatalf("kustomize build %s rendered nothing", filepath.Join(dir...))
	}
	return objs
}

func id(u *unstructured.Unstructured) string {
	if ns := u.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", u.GetKind(), ns, u.GetName())
	}
	return fmt.Sprintf("%s %s", u.GetKind(), u.GetName())
}

// find returns the one rendered object of kind whose name is name.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	var have []string
	for _, u := range objs {
		have = append(have, id(u))
	}
	t.Fatalf("no %s %q rendered; have %v", kind, name, have)
	return nil
}

// into converts a rendered object into a typed one.
func into[T any](t *testing.T, u *unstructured.Unstructured, out *T) *T {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
		t.Fatalf("%s: %v", id(u), err)
	}
	return out
}

// applyRendered sends objs to the API server as config/default is meant to
// be applied (see the package comment): Namespaces for real, the rest with
// server-side apply and DryRunAll. It fails on any error or API warning.
func applyRendered(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	// Namespaces, then CRDs, then the rest, as `kubectl apply` would need.
	rank := func(u *unstructured.Unstructured) int {
		switch u.GetKind() {
		case "Namespace":
			return 0
		case "CustomResourceDefinition":
			return 1
		}
		return 2
	}
	ordered := slices.Clone(objs)
	slices.SortStableFunc(ordered, func(a, b *unstructured.Unstructured) int { return rank(a) - rank(b) })
	for _, u := range ordered {
		ctx, w := withWarnings(t.Context())
		opts := []client.ApplyOption{client.FieldOwner(fieldManager), client.ForceOwnership}
		mode := "applied"
		if u.GetKind() != "Namespace" {
			opts = append(opts, client.DryRunAll)
			mode = "accepted (dry-run)"
		}
		if err := cl.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), opts...); err != nil {
			t.Errorf("%s rejected: %v", id(u), err)
			continue
		}
		if ws := w.get(); len(ws) > 0 {
			t.Errorf("%s accepted with warnings: %q", id(u), ws)
			continue
		}
		t.Logf("%s %s", id(u), mode)
	}
}

// --- config/default -------------------------------------------------------

// TestDefaultAppliesCleanly renders config/default and sends every object
// to the API server: each must be accepted without a warning.
func TestDefaultAppliesCleanly(t *testing.T) {
	objs := render(t, "config", "default")

	want := []string{
		"Namespace " + systemNS,
		"CustomResourceDefinition alluxioruntimes.data.fluid.io",
		"ClusterRole " + prefix + "manager-role",
		"ClusterRoleBinding " + prefix + "manager-rolebinding",
		"ServiceAccount " + systemNS + "/" + prefix + "controller-manager",
		"Role " + systemNS + "/" + prefix + "leader-election-role",
		"RoleBinding " + systemNS + "/" + prefix + "leader-election-rolebinding",
		"Deployment " + systemNS + "/" + prefix + "controller-manager",
		"Service " + systemNS + "/" + prefix + "controller-manager-metrics",
	}
	var got []string
	for _, u := range objs {
		got = append(got, id(u))
		// The controller caches (and owns) objects labelled managed-by=
		// fluid-drain; its own install must not look like one of them.
		if v := u.GetLabels()[datav1alpha1.ManagedByLabel]; v == datav1alpha1.ManagedByValue {
			t.Errorf("%s is labelled %s=%s, the controller's mark for the workloads it manages", id(u), datav1alpha1.ManagedByLabel, v)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("config/default renders\n  %v\nwant\n  %v", got, want)
	}

	applyRendered(t, objs)
}

// TestDefaultCRDIsTheGeneratedOne guards against kustomize altering the
// generated CRD: only metadata labels may be added.
func TestDefaultCRDIsTheGeneratedOne(t *testing.T) {
	rendered := into(t, find(t, render(t, "config", "default"), "CustomResourceDefinition", "alluxioruntimes.data.fluid.io"), &apiextensionsv1.CustomResourceDefinition{})
	raw, err := os.ReadFile(repoPath(t, "config", "crd", "bases", "data.fluid.io_alluxioruntimes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	generated := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(raw, generated); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rendered.Spec, generated.Spec) {
		t.Error("the CRD rendered by config/default differs from config/crd/bases in its spec")
	}
	if rendered.Namespace != "" {
		t.Errorf("the CRD got namespace %q", rendered.Namespace)
	}
}

// TestDefaultCRDInstallsFresh dry-run creates the rendered CRD as on a
// cluster that has never seen it. The server-side apply in
// TestDefaultAppliesCleanly is an update of the CRD testenv installed, and
// an update is judged more leniently (e.g. CEL rules already stored are
// exempt from the cost budget); a create is checked in full. The group is
// renamed so that the name does not clash with the installed CRD.
func TestDefaultCRDInstallsFresh(t *testing.T) {
	crd := find(t, render(t, "config", "default"), "CustomResourceDefinition", "alluxioruntimes.data.fluid.io").DeepCopy()
	const group = "fresh.deploy-test.fluid.io"
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	if err := unstructured.SetNestedField(crd.Object, group, "spec", "group"); err != nil {
		t.Fatal(err)
	}
	crd.SetName(plural + "." + group)
	ctx, w := withWarnings(t.Context())
	if err := cl.Create(ctx, crd, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
		t.Fatalf("the CRD would be refused on a fresh cluster: %v", err)
	}
	if ws := w.get(); len(ws) > 0 {
		t.Errorf("the CRD is accepted with warnings: %q", ws)
	}
}

// TestDefaultDeployment checks the controller's Deployment: flags, probes,
// image, service account and a securityContext that passes the
// "restricted" Pod Security Standard.
func TestDefaultDeployment(t *testing.T) {
	objs := render(t, "config", "default")
	dep := into(t, find(t, objs, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{})
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", dep.Spec.Replicas)
	}
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]

	release, err := os.ReadFile(repoPath(t, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "fluid-drain/alluxioruntime-controller:" + strings.TrimSpace(string(release)); c.Image != want {
		t.Errorf("image = %q, want %q (the release in VERSION)", c.Image, want)
	}
	for _, arg := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8080", wantGates} {
		if !slices.Contains(c.Args, arg) {
			t.Errorf("args %q lack %q", c.Args, arg)
		}
	}
	// The gates must be ones the controller knows: parse them as its
	// --feature-gates flag does.
	for _, arg := range c.Args {
		if v, ok := strings.CutPrefix(arg, "--feature-gates="); ok {
			fs := flag.NewFlagSet("gates", flag.ContinueOnError)
			features.AddFlag(fs)
			if err := fs.Parse([]string{"--feature-gates=" + v}); err != nil {
				t.Errorf("the controller would reject %s: %v", arg, err)
			}
		}
	}

	checkProbe := func(name string, p *corev1.Probe, path string) {
		t.Helper()
		switch {
		case p == nil:
			t.Errorf("no %s probe", name)
		case p.HTTPGet == nil:
			t.Errorf("%s probe is not an HTTP GET", name)
		case p.HTTPGet.Path != path || p.HTTPGet.Port.IntValue() != 8081:
			t.Errorf("%s probe gets %s on port %s, want %s on 8081", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
		}
	}
	checkProbe("liveness", c.LivenessProbe, "/healthz")
	checkProbe("readiness", c.ReadinessProbe, "/readyz")

	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("no %s limit", r)
		}
	}

	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("the container has no securityContext")
	}
	isTrue := func(b *bool) bool { return b != nil && *b }
	if !isTrue(sc.RunAsNonRoot) && (pod.SecurityContext == nil || !isTrue(pod.SecurityContext.RunAsNonRoot)) {
		t.Error("runAsNonRoot is not set")
	}
	if !isTrue(sc.ReadOnlyRootFilesystem) {
		t.Error("readOnlyRootFilesystem is not set")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("capabilities = %+v, want drop [ALL] and nothing added", sc.Capabilities)
	}
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile = %+v, want RuntimeDefault", sc.SeccompProfile)
	}

	sa := find(t, objs, "ServiceAccount", prefix+"controller-manager")
	if pod.ServiceAccountName != sa.GetName() {
		t.Errorf("serviceAccountName = %q, want the rendered %q", pod.ServiceAccountName, sa.GetName())
	}

	// The metrics Service selects the pods and targets the metrics port.
	svc := into(t, find(t, objs, "Service", prefix+"controller-manager-metrics"), &corev1.Service{})
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("the metrics Service selects %s=%s, which the pods lack", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 {
		t.Fatalf("metrics Service ports = %+v, want 8080", svc.Spec.Ports)
	}
	target := svc.Spec.Ports[0].TargetPort
	var found bool
	for _, p := range c.Ports {
		if (target.String() == p.Name || target.IntValue() == int(p.ContainerPort)) && p.ContainerPort == 8080 {
			found = true
		}
	}
	if !found {
		t.Errorf("the metrics Service targets %s, not the container's port 8080", target.String())
	}
}

// TestDefaultPodIsRestricted admits the Deployment's pod template as a Pod
// (dry-run) into fluid-drain-system, which enforces the "restricted" Pod
// Security Standard; a pod that is not non-root, read-only and
// capability-free is refused. A pod without runAsNonRoot is sent first to
// show the check is live.
func TestDefaultPodIsRestricted(t *testing.T) {
	objs := render(t, "config", "default")
	ns := find(t, objs, "Namespace", systemNS)
	if got := ns.GetLabels()["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Fatalf("namespace %s enforces Pod Security %q, want restricted", systemNS, got)
	}
	if err := cl.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(ns.DeepCopy()), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}
	// The pod's service account must exist for the Pod to be admitted.
	sa := find(t, objs, "ServiceAccount", prefix+"controller-manager")
	if err := cl.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(sa.DeepCopy()), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}

	dep := into(t, find(t, objs, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{})
	podOf := func(name string, spec corev1.PodSpec) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: systemNS, Labels: dep.Spec.Template.Labels},
			Spec:       spec,
		}
	}

	loose := dep.Spec.Template.Spec.DeepCopy()
	loose.SecurityContext = nil
	loose.Containers[0].SecurityContext = nil
	err := cl.Create(t.Context(), podOf("not-restricted", *loose), client.DryRunAll)
	if err == nil {
		t.Fatal("a pod without a securityContext was admitted: Pod Security admission is not enforcing, so this test proves nothing")
	}
	t.Logf("control: a pod without a securityContext is refused: %v", err)

	ctx, w := withWarnings(t.Context())
	if err := cl.Create(ctx, podOf("controller", dep.Spec.Template.Spec), client.DryRunAll); err != nil {
		t.Fatalf("the controller's pod is refused by the restricted Pod Security Standard: %v", err)
	}
	if ws := w.get(); len(ws) > 0 {
		t.Errorf("the controller's pod is admitted with warnings: %q", ws)
	}
}

// TestRBACGrants applies config/rbac's objects from config/default for
// real and asks the API server (SubjectAccessReview) whether the
// controller's service account may do what the controller does.
func TestRBACGrants(t *testing.T) {
	objs := render(t, "config", "default")
	ns := find(t, objs, "Namespace", systemNS)
	toApply := []*unstructured.Unstructured{ns}
	for _, u := range objs {
		switch u.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			toApply = append(toApply, u)
		}
	}
	for _, u := range toApply {
		if err := cl.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
			t.Fatalf("%s: %v", id(u), err)
		}
	}

	user := "system:serviceaccount:" + systemNS + ":" + prefix + "controller-manager"
	type access struct {
		ns, group, resource, sub, verb string
		allowed                        bool
	}
	checks := []access{
		// Leader election, in the controller's namespace only.
		{systemNS, "coordination.k8s.io", "leases", "", "get", true},
		{systemNS, "coordination.k8s.io", "leases", "", "create", true},
		{systemNS, "coordination.k8s.io", "leases", "", "update", true},
		{"default", "coordination.k8s.io", "leases", "", "update", false},
		{systemNS, "", "events", "", "create", true},
		{systemNS, "events.k8s.io", "events", "", "patch", true},
		// The generated manager-role, cluster-wide through the binding.
		{"", "data.fluid.io", "alluxioruntimes", "", "watch", true},
		{"team-a", "data.fluid.io", "alluxioruntimes", "status", "patch", true},
		{"team-a", "apps", "statefulsets", "", "create", true},
		{"team-a", "", "pods", "exec", "create", true},
		// Websocket exec (tried first) is a GET: no refused request.
		{"team-a", "", "pods", "exec", "get", true},
		// blockOwnerDeletion on the workloads a runtime owns.
		{"team-a", "data.fluid.io", "alluxioruntimes", "finalizers", "update", true},
		{"team-a", "events.k8s.io", "events", "", "create", true},
		// And no more than that.
		{"team-a", "", "secrets", "", "get", false},
		{"team-a", "data.fluid.io", "alluxioruntimes", "", "delete", false},
		{"team-a", "data.fluid.io", "alluxioruntimes", "status", "get", false},
		{systemNS, "coordination.k8s.io", "leases", "", "list", false},
		{systemNS, "coordination.k8s.io", "leases", "", "watch", false},
		{systemNS, "coordination.k8s.io", "leases", "", "delete", false},
	}
	// Grants first: once they all show, the authorizer has every object
	// applied, so a refusal after them is not a lagging cache.
	slices.SortStableFunc(checks, func(x, y access) int {
		if x.allowed == y.allowed {
			return 0
		}
		if x.allowed {
			return -1
		}
		return 1
	})
	for _, a := range checks {
		review := func() *authorizationv1.SubjectAccessReview {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   user,
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + systemNS, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: a.ns, Group: a.group, Resource: a.resource, Subresource: a.sub, Verb: a.verb,
				},
			}}
			if err := cl.Create(t.Context(), sar); err != nil {
				t.Fatal(err)
			}
			return sar
		}
		// The API server's RBAC authorizer learns of the objects just
		// applied through its own watch: a grant may take a moment to
		// show, a refusal is final once every grant has shown.
		sar := review()
		for deadline := time.Now().Add(10 * time.Second); a.allowed && !sar.Status.Allowed && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			sar = review()
		}
		what := fmt.Sprintf("%s %s.%s", a.verb, a.resource, a.group)
		if a.sub != "" {
			what += "/" + a.sub
		}
		if a.ns != "" {
			what += " in " + a.ns
		}
		if sar.Status.Allowed != a.allowed {
			t.Errorf("%s: allowed = %v, want %v (%s)", what, sar.Status.Allowed, a.allowed, sar.Status.Reason)
		}
	}
}

// --- config/samples -------------------------------------------------------

// TestSamples creates both samples for real, with strict field validation
// (an unknown or dropped field is an error), and reads them back: every
// field is kept exactly as written, and scaleIn's defaults fill in what
// the manifest leaves out.
func TestSamples(t *testing.T) {
	objs := render(t, "config", "samples")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "samples"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}

	type wantScaleIn struct {
		drainTimeout, onDrainTimeout, pollInterval, quietPeriod, victimSelection string
	}
	want := map[string]wantScaleIn{
		// Written out in full, victimSelection defaulted.
		"demo": {"10m", "Wait", "5s", "20s", "HighestOrdinal"},
		// No scaleIn at all, as Fluid users write it: all defaults.
		"hbase": {"10m", "Wait", "5s", "20s", "HighestOrdinal"},
	}
	if len(objs) != len(want) {
		t.Fatalf("config/samples renders %d objects, want %d", len(objs), len(want))
	}
	for _, written := range objs {
		t.Run(written.GetName(), func(t *testing.T) {
			w, ok := want[written.GetName()]
			if !ok {
				t.Fatalf("unexpected sample %s", id(written))
			}
			if written.GroupVersionKind() != datav1alpha1.GroupVersion.WithKind("AlluxioRuntime") {
				t.Fatalf("sample is a %s", written.GroupVersionKind())
			}
			obj := written.DeepCopy()
			obj.SetNamespace(ns.Name)
			ctx, warns := withWarnings(t.Context())
			if err := cl.Create(ctx, obj, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if ws := warns.get(); len(ws) > 0 {
				t.Errorf("accepted with warnings: %q", ws)
			}

			// Read back as stored.
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(written.GroupVersionKind())
			if err := cl.Get(t.Context(), client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatal(err)
			}
			spec, _, _ := unstructured.NestedMap(got.Object, "spec")
			for _, diff := range missing("spec", written.Object["spec"], spec) {
				t.Errorf("not kept as written: %s", diff)
			}
			str := func(field string) string {
				s, _, _ := unstructured.NestedString(spec, "scaleIn", field)
				return s
			}
			gotScaleIn := wantScaleIn{str("drainTimeout"), str("onDrainTimeout"), str("pollInterval"), str("quietPeriod"), str("victimSelection")}
			if gotScaleIn != w {
				t.Errorf("scaleIn read back as %+v, want %+v", gotScaleIn, w)
			}

			// And as the controller reads it.
			typed := &datav1alpha1.AlluxioRuntime{}
			if err := cl.Get(t.Context(), client.ObjectKeyFromObject(obj), typed); err != nil {
				t.Fatal(err)
			}
			si := typed.Spec.ScaleIn
			if si.PollInterval == nil || si.PollInterval.Duration != 5*time.Second ||
				si.DrainTimeout == nil || si.DrainTimeout.Duration != 10*time.Minute ||
				si.QuietPeriod == nil || si.QuietPeriod.Duration != 20*time.Second {
				t.Errorf("typed scaleIn = %+v", si)
			}
			if si.VictimSelection != datav1alpha1.HighestOrdinal || si.OnDrainTimeout != datav1alpha1.DrainTimeoutWait {
				t.Errorf("typed scaleIn = %+v", si)
			}
			t.Logf("accepted; Fluid-only fields set: %v", typed.Spec.SetFields())
		})
	}

	// The Fluid manifest really does carry the Fluid-only sections it is
	// meant to prove are accepted.
	hbase := find(t, objs, "AlluxioRuntime", "hbase")
	for _, f := range []string{"fuse", "jobMaster", "jobWorker", "management", "properties", "tieredstore", "volumes"} {
		if _, ok, _ := unstructured.NestedFieldNoCopy(hbase.Object, "spec", f); !ok {
			t.Errorf("fluid_alluxioruntime.yaml has no spec.%s", f)
		}
	}
	for _, comp := range []string{"master", "worker"} {
		if _, ok, _ := unstructured.NestedFieldNoCopy(hbase.Object, "spec", comp, "jvmOptions"); !ok {
			t.Errorf("fluid_alluxioruntime.yaml has no spec.%s.jvmOptions", comp)
		}
	}
	if _, ok, _ := unstructured.NestedFieldNoCopy(hbase.Object, "spec", "scaleIn"); ok {
		t.Error("fluid_alluxioruntime.yaml sets scaleIn, which a Fluid user would not")
	}
}

// missing lists the leaves of want that got lacks or holds differently;
// got may have more (defaults).
func missing(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want an object", path, got)}
		}
		var out []string
		for k, v := range w {
			out = append(out, missing(path+"."+k, v, g[k])...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
		var out []string
		for i := range w {
			out = append(out, missing(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	default:
		// Numbers may come back as int64 or float64: compare their text.
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
		return nil
	}
}
