package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// The chart is rendered as release "fluid-drain" in fluid-drain-system,
// which gives config/default's names and namespace.
const (
	chartDir    = "charts/fluid-drain"
	release     = "fluid-drain"
	kubeVersion = "v1.37.2"
)

// helmBin is bin/helm (`make test` builds it from hack/tools/helm).
func helmBin(t *testing.T) string {
	t.Helper()
	bin := repoPath(t, "bin", "helm")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s is missing: `make helm` builds it from its Go module", bin)
	}
	return bin
}

// helm runs bin/helm with args in the repository root.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(helmBin(t), args...)
	cmd.Dir = repoPath(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), &helmError{err: err, stderr: stderr.String()}
	}
	return stdout.String(), nil
}

type helmError struct {
	err    error
	stderr string
}

func (e *helmError) Error() string { return e.err.Error() + ": " + e.stderr }

// renderChart runs `helm template` with --set pairs and returns the objects.
func renderChart(t *testing.T, sets ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", release, chartDir, "--namespace", systemNS, "--kube-version", kubeVersion}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out, err := helm(t, args...)
	if err != nil {
		t.Fatalf("helm %s: %v", strings.Join(args, " "), err)
	}
	var objs []*unstructured.Unstructured
	dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(out), 4096)
	for {
		// Through JSON into Unstructured, so numbers are int64 as in
		// render's objects.
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			t.Fatalf("helm template rendered an object that is not one: %v\n%s", err, raw)
		}
		objs = append(objs, u)
	}
	if len(objs) == 0 {
		t.Fatalf("helm template rendered nothing:\n%s", out)
	}
	return objs
}

func ids(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, u := range objs {
		out = append(out, id(u))
	}
	slices.Sort(out)
	return out
}

func without(objs []*unstructured.Unstructured, kinds ...string) []*unstructured.Unstructured {
	return slices.DeleteFunc(slices.Clone(objs), func(u *unstructured.Unstructured) bool { return slices.Contains(kinds, u.GetKind()) })
}

func TestChartLints(t *testing.T) {
	for _, sets := range [][]string{
		nil,
		{"mode=standalone", "watchNamespaces={team-a,team-b}"},
		{"metrics.secure=true", "metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "metrics.grafanaDashboard.enabled=true"},
	} {
		args := []string{"lint", "--strict", chartDir, "--kube-version", kubeVersion}
		for _, s := range sets {
			args = append(args, "--set", s)
		}
		out, err := helm(t, args...)
		if err != nil {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// leaseArg is the flag the chart adds to name the lease after the release
// (the kustomize bases keep the controller's default lease name).
const leaseArg = "--leader-election-id=" + release + ".alluxioruntime-controller.data.fluid.io"

// withoutLeaseArg drops leaseArg from args, failing if it is missing.
func withoutLeaseArg(t *testing.T, args []string) []string {
	t.Helper()
	if !slices.Contains(args, leaseArg) {
		t.Errorf("chart args %q lack %s: each release needs its own lease", args, leaseArg)
	}
	return slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == leaseArg })
}

// TestChartRendersConfigDefault: in mode standalone the chart renders
// config/default's objects (the Namespace aside: Helm installs into an
// existing one, `--create-namespace`), with the same content where it
// matters to the cluster.
func TestChartRendersConfigDefault(t *testing.T) {
	chart := renderChart(t, "mode=standalone")
	kust := without(render(t, "config", "default"), "Namespace")
	if got, want := ids(chart), ids(kust); !slices.Equal(got, want) {
		t.Fatalf("the chart renders\n  %v\nconfig/default\n  %v", got, want)
	}
	for _, k := range kust {
		c := find(t, chart, k.GetKind(), k.GetName())
		if c.GetNamespace() != k.GetNamespace() {
			t.Errorf("%s: namespace %q, config/default %q", id(c), c.GetNamespace(), k.GetNamespace())
		}
		for _, field := range [][]string{{"rules"}, {"roleRef"}, {"subjects"}, {"spec", "ports"}, {"spec", "selector"}} {
			cv, _, _ := unstructured.NestedFieldNoCopy(c.Object, field...)
			kv, _, _ := unstructured.NestedFieldNoCopy(k.Object, field...)
			if !reflect.DeepEqual(cv, kv) {
				t.Errorf("%s %s differs:\nchart:          %v\nconfig/default: %v", id(c), strings.Join(field, "."), cv, kv)
			}
		}
	}
	// The CRD is the generated one.
	crd := find(t, chart, "CustomResourceDefinition", "alluxioruntimes.data.fluid.io")
	gen := find(t, kust, "CustomResourceDefinition", "alluxioruntimes.data.fluid.io")
	if !reflect.DeepEqual(crd.Object["spec"], gen.Object["spec"]) {
		t.Error("the chart's CRD spec differs from config/crd/bases (run `make manifests`)")
	}
	// The Deployment runs the same container.
	cd := into(t, find(t, chart, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{})
	kd := into(t, find(t, kust, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{})
	cc, kc := cd.Spec.Template.Spec.Containers[0], kd.Spec.Template.Spec.Containers[0]
	cc.Args = withoutLeaseArg(t, cc.Args)
	slices.Sort(cc.Args)
	slices.Sort(kc.Args)
	for name, pair := range map[string][2]any{
		"image":                   {cc.Image, kc.Image},
		"args":                    {cc.Args, kc.Args},
		"ports":                   {cc.Ports, kc.Ports},
		"securityContext":         {cc.SecurityContext, kc.SecurityContext},
		"pod securityContext":     {cd.Spec.Template.Spec.SecurityContext, kd.Spec.Template.Spec.SecurityContext},
		"resources":               {cc.Resources, kc.Resources},
		"livenessProbe":           {cc.LivenessProbe, kc.LivenessProbe},
		"readinessProbe":          {cc.ReadinessProbe, kc.ReadinessProbe},
		"serviceAccountName":      {cd.Spec.Template.Spec.ServiceAccountName, kd.Spec.Template.Spec.ServiceAccountName},
		"selector":                {cd.Spec.Selector, kd.Spec.Selector},
		"replicas":                {*cd.Spec.Replicas, *kd.Spec.Replicas},
		"template labels":         {cd.Spec.Template.Labels, kd.Spec.Template.Labels},
		"terminationGracePeriod":  {cd.Spec.Template.Spec.TerminationGracePeriodSeconds, kd.Spec.Template.Spec.TerminationGracePeriodSeconds},
		"default container annot": {cd.Spec.Template.Annotations, kd.Spec.Template.Annotations},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("Deployment %s: chart %+v, config/default %+v", name, pair[0], pair[1])
		}
	}
	for _, u := range chart {
		if strings.HasPrefix(u.GetKind(), "ValidatingAdmissionPolicy") {
			t.Errorf("mode standalone renders %s, which is for Fluid's workers", id(u))
		}
	}
}

// TestChartFluidModeRendersConfigFluid: the default, mode fluid, renders
// what config/fluid does: no CRD (Fluid's is in use), the controller
// started with --mode=fluid and the policy flags, the same rules (without
// the workload writes that mode never makes), the admission policy and
// binding.
func TestChartFluidModeRendersConfigFluid(t *testing.T) {
	chart := renderChart(t)
	kust := without(render(t, "config", "fluid"), "Namespace")
	if got, want := ids(chart), ids(kust); !slices.Equal(got, want) {
		t.Fatalf("the chart (mode=fluid) renders\n  %v\nconfig/fluid\n  %v", got, want)
	}
	chartArgs := withoutLeaseArg(t, into(t, find(t, chart, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{}).Spec.Template.Spec.Containers[0].Args)
	kustArgs := into(t, find(t, kust, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{}).Spec.Template.Spec.Containers[0].Args
	slices.Sort(chartArgs)
	slices.Sort(kustArgs)
	if !slices.Equal(chartArgs, kustArgs) || !slices.Contains(kustArgs, "--mode=fluid") {
		t.Errorf("controller args: chart %q, config/fluid %q; both must run --mode=fluid with the same flags", chartArgs, kustArgs)
	}
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, k := range kust {
			if k.GetKind() != kind {
				continue
			}
			c := findIn(t, chart, kind, k.GetNamespace(), k.GetName())
			if !reflect.DeepEqual(c.Object["rules"], k.Object["rules"]) {
				t.Errorf("%s rules differ:\nchart:        %v\nconfig/fluid: %v", id(c), c.Object["rules"], k.Object["rules"])
			}
		}
	}
	for _, kind := range []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
		c := find(t, chart, kind, prefix+"worker-drain-guard")
		k := find(t, kust, kind, prefix+"worker-drain-guard")
		if !reflect.DeepEqual(c.Object["spec"], k.Object["spec"]) {
			t.Errorf("%s spec differs:\nchart:        %v\nconfig/fluid: %v", kind, c.Object["spec"], k.Object["spec"])
		}
	}
}

// TestChartNonDefaultValues sets every value away from its default and
// checks each lands where the controller or the API server reads it.
func TestChartNonDefaultValues(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	chart := renderChart(t,
		"mode=fluid",
		"image.repository=registry.example.com/fluid-drain",
		"image.digest="+digest,
		"featureGates.AdvancedStatefulSet=true",
		"scaleIn.drainTimeout=30m",
		"scaleIn.onDrainTimeout=Force",
		"scaleIn.quietPeriod=1m",
		"scaleIn.victimSelection=LeastCached",
		"scaleIn.maxConcurrent=2",
		"scaleIn.recache=Off",
		"scaleIn.recacheLimit=10Gi",
		"scaleIn.recacheTimeout=2m",
		"watchNamespaces={team-a,team-b}",
		"leaderElection.enabled=false",
		"metrics.enabled=false",
		"resources.limits.memory=1Gi",
		"concurrency=8",
		"admissionPolicy.heartbeatTimeout=90s",
		"admissionPolicy.clockLease.namespace=ops",
		"admissionPolicy.clockLease.name=kcm-leader",
	)

	dep := into(t, find(t, chart, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{})
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example.com/fluid-drain@"+digest {
		t.Errorf("image = %q, want the digest reference", c.Image)
	}
	wantArgs := []string{
		"--health-probe-bind-address=:8081",
		"--metrics-bind-address=0",
		"--feature-gates=GracefulScaleIn=true,AdvancedStatefulSet=true",
		"--mode=fluid",
		"--drain-timeout=30m",
		"--on-drain-timeout=Force",
		"--quiet-period=1m",
		"--poll-interval=5s",
		"--max-concurrent=2",
		"--recache=Off",
		"--recache-limit=10Gi",
		"--recache-timeout=2m",
		"--guard-heartbeat-timeout=90s",
		"--guard-clock-lease=ops/kcm-leader",
		"--concurrency=8",
		"--namespaces=team-a,team-b",
	}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args = %q, want %q", c.Args, wantArgs)
	}
	if got := c.Resources.Limits.Memory().String(); got != "1Gi" {
		t.Errorf("memory limit = %s, want 1Gi", got)
	}
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			t.Error("metrics disabled but the container still exposes a metrics port")
		}
	}

	have := ids(chart)
	for _, gone := range []string{
		"ClusterRoleBinding " + prefix + "manager-rolebinding",
		"Service " + systemNS + "/" + prefix + "controller-manager-metrics",
		"Role " + systemNS + "/" + prefix + "leader-election-role",
	} {
		if slices.Contains(have, gone) {
			t.Errorf("%s is rendered; with these values it must not be", gone)
		}
	}
	for _, ns := range []string{"team-a", "team-b"} {
		rb := into(t, findIn(t, chart, "RoleBinding", ns, prefix+"manager-rolebinding"), &rbacv1.RoleBinding{})
		if rb.RoleRef.Kind != "ClusterRole" || rb.RoleRef.Name != prefix+"manager-role" {
			t.Errorf("RoleBinding in %s refers to %+v", ns, rb.RoleRef)
		}
		if len(rb.Subjects) != 1 || rb.Subjects[0].Name != prefix+"controller-manager" || rb.Subjects[0].Namespace != systemNS {
			t.Errorf("RoleBinding in %s binds %+v", ns, rb.Subjects)
		}
	}

	for _, u := range chart {
		if u.GetKind() == "CustomResourceDefinition" {
			t.Errorf("mode=fluid renders %s: next to Fluid the AlluxioRuntime CRD is Fluid's", id(u))
		}
	}
	// Standalone, the policy is the CRD's defaults.
	standalone := renderChart(t, "mode=standalone", "scaleIn.drainTimeout=30m", "scaleIn.onDrainTimeout=Force", "scaleIn.quietPeriod=1m", "scaleIn.victimSelection=LeastCached",
		"scaleIn.maxConcurrent=2", "scaleIn.recache=Off", "scaleIn.recacheLimit=10Gi", "scaleIn.recacheTimeout=2m")
	crdDefault := func(objs []*unstructured.Unstructured, field string) (any, bool) {
		crd := find(t, objs, "CustomResourceDefinition", "alluxioruntimes.data.fluid.io")
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		v, found, _ := unstructured.NestedFieldNoCopy(versions[0].(map[string]any), "schema", "openAPIV3Schema", "properties", "spec", "properties", "scaleIn", "properties", field, "default")
		return v, found
	}
	for field, want := range map[string]any{"drainTimeout": "30m", "onDrainTimeout": "Force", "pollInterval": "5s", "quietPeriod": "1m", "victimSelection": "LeastCached",
		"maxConcurrent": int64(2), "recache": "Off", "recacheLimit": "10Gi", "recacheTimeout": "2m"} {
		if got, _ := crdDefault(standalone, field); !reflect.DeepEqual(got, want) {
			t.Errorf("CRD default of spec.scaleIn.%s = %#v, want %#v", field, got, want)
		}
	}
	// "No cap" leaves the fields without a default (the API server would
	// refuse maxConcurrent 0 and an empty quantity).
	plain := renderChart(t, "mode=standalone")
	for _, field := range []string{"maxConcurrent", "recacheLimit"} {
		if got, found := crdDefault(plain, field); found {
			t.Errorf("CRD default of spec.scaleIn.%s = %#v, want none (no cap)", field, got)
		}
	}
	vap := find(t, chart, "ValidatingAdmissionPolicy", prefix+"worker-drain-guard")
	if b, _ := json.Marshal(vap.Object["spec"]); !strings.Contains(string(b), "duration('90s')") {
		t.Errorf("the guard's policy does not use heartbeatTimeout 90s: %s", b)
	}
	binding := find(t, chart, "ValidatingAdmissionPolicyBinding", prefix+"worker-drain-guard")
	ref, _, _ := unstructured.NestedStringMap(binding.Object, "spec", "paramRef")
	if ref["namespace"] != "ops" || ref["name"] != "kcm-leader" {
		t.Errorf("the guard's clock lease = %v, want ops/kcm-leader", ref)
	}
	sel, _, _ := unstructured.NestedSlice(binding.Object, "spec", "matchResources", "namespaceSelector", "matchExpressions")
	if b, _ := json.Marshal(sel); !strings.Contains(string(b), `"values":["team-a","team-b"]`) {
		t.Errorf("the guard's binding does not keep to watchNamespaces: %s", b)
	}

	// The heartbeat's Namespaces and the clock lease, by name only: the
	// RoleBindings in the watched namespaces cannot reach them.
	guardRole := into(t, find(t, chart, "ClusterRole", prefix+"drain-guard"), &rbacv1.ClusterRole{})
	if len(guardRole.Rules) != 2 || !slices.Equal(guardRole.Rules[0].ResourceNames, []string{"team-a", "team-b"}) ||
		!slices.Equal(guardRole.Rules[0].Verbs, []string{"get", "patch"}) || !slices.Equal(guardRole.Rules[1].ResourceNames, []string{"kcm-leader"}) {
		t.Errorf("the drain guard's ClusterRole = %+v, want namespaces team-a, team-b get/patch and lease kcm-leader get", guardRole.Rules)
	}
	find(t, chart, "ClusterRoleBinding", prefix+"drain-guard")

	// A second release leaves the CRD to the first.
	for _, u := range renderChart(t, "mode=standalone", "installCRD=false") {
		if u.GetKind() == "CustomResourceDefinition" {
			t.Errorf("installCRD=false still renders %s", id(u))
		}
	}
}

// TestChartRefusesBadValues: a bad value stops `helm template` with a
// message naming it.
func TestChartRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want string
	}{
		{[]string{"mode=sidecar"}, "mode"},
		{[]string{"scaleIn.onDrainTimeout=Sometimes"}, "onDrainTimeout"},
		{[]string{"scaleIn.drainTimeout=ten minutes"}, "drainTimeout"},
		{[]string{"featureGates.NoSuchGate=true"}, "NoSuchGate"},
		{[]string{"watchNamespaces={Team_A}"}, "watchNamespaces"},
		{[]string{"mode=fluid", "featureGates.GracefulScaleIn=false"}, "mode=fluid needs featureGates.GracefulScaleIn=true"},
		{[]string{"replicas=2", "leaderElection.enabled=false"}, "replicas > 1 needs leaderElection.enabled=true"},
		// A closed schema: a misspelt value is refused, at the top and inside.
		{[]string{"modes=fluid"}, "modes"},
		{[]string{"scaleIn.maxConcurent=2"}, "maxConcurent"},
		{[]string{"metrics.serviceMonitor.enable=true"}, "enable"},
		{[]string{"scaleIn.maxConcurrent=-1"}, "maxConcurrent"},
		{[]string{"scaleIn.recache=Some"}, "recache"},
		{[]string{"scaleIn.recacheLimit=lots"}, "recacheLimit"},
		{[]string{"scaleIn.recacheTimeout=soon"}, "recacheTimeout"},
		{[]string{"leaderElection.leaseName=Not_A_Name"}, "leaseName"},
		{[]string{"metrics.enabled=false", "metrics.serviceMonitor.enabled=true"}, "metrics.serviceMonitor.enabled=true needs metrics.enabled=true"},
	} {
		args := []string{"template", release, chartDir, "--kube-version", kubeVersion}
		for _, s := range tc.set {
			args = append(args, "--set", s)
		}
		_, err := helm(t, args...)
		if err == nil {
			t.Errorf("--set %v rendered; want an error naming %q", tc.set, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--set %v: error does not name %q: %v", tc.set, tc.want, err)
		}
	}
}

// TestChartAppliesCleanly sends the chart's objects, default and
// non-default, to the API server as TestDefaultAppliesCleanly does.
func TestChartAppliesCleanly(t *testing.T) {
	for _, ns := range []string{systemNS, "team-a", "team-b"} {
		applyNamespace(t, ns)
	}
	t.Run("defaults", func(t *testing.T) { applyRendered(t, renderChart(t)) })
	t.Run("fluid mode, chosen namespaces, secure metrics", func(t *testing.T) {
		applyRendered(t, renderChart(t, "mode=fluid", "watchNamespaces={team-a,team-b}", "scaleIn.drainTimeout=30m", "scaleIn.maxConcurrent=2", "scaleIn.recacheLimit=1Gi", "metrics.secure=true"))
	})
	t.Run("standalone", func(t *testing.T) {
		applyRendered(t, renderChart(t, "mode=standalone", "scaleIn.maxConcurrent=3", "scaleIn.recacheLimit=10Gi"))
	})
}

func applyNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{}
	ns.Name = name
	ns.Labels = map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}
	if err := cl.Create(t.Context(), ns); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
}

// findIn is find for a namespaced object.
func findIn(t *testing.T, objs []*unstructured.Unstructured, kind, ns, name string) *unstructured.Unstructured {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() == kind && u.GetNamespace() == ns && u.GetName() == name {
			return u
		}
	}
	t.Fatalf("no %s %s/%s rendered; have %v", kind, ns, name, ids(objs))
	return nil
}
