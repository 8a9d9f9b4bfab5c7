package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var metricName = regexp.MustCompile(`fluid_drain_[a-z_]+`)

// exportedMetrics are the metric names the controller registers, read
// from the files that declare them.
func exportedMetrics(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(repoPath(t, "pkg", "ddc", "alluxio", "metrics*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no metrics files: %v", err)
	}
	files = append(files, repoPath(t, "pkg", "version", "metrics.go"))
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(fluid_drain_[a-z_]+)"`).FindAllStringSubmatch(string(b), -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// checkMetricsExist fails for each fluid_drain_ series in text that the
// controller does not export (a histogram's _bucket, _count and _sum
// series belong to its name).
func checkMetricsExist(t *testing.T, what, text string) {
	t.Helper()
	exported := exportedMetrics(t)
	used := metricName.FindAllString(text, -1)
	if len(used) == 0 {
		t.Errorf("%s names no fluid_drain_ metric", what)
	}
	for _, m := range used {
		base := m
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if strings.HasSuffix(m, suffix) && slices.Contains(exported, strings.TrimSuffix(m, suffix)) {
				base = strings.TrimSuffix(m, suffix)
			}
		}
		if !slices.Contains(exported, base) {
			t.Errorf("%s uses %s, which the controller does not export (it exports %v)", what, m, exported)
		}
	}
}

func TestChartMonitoringIsOffByDefault(t *testing.T) {
	for _, u := range renderChart(t) {
		switch {
		case u.GetKind() == "ServiceMonitor", u.GetKind() == "PrometheusRule", u.GetKind() == "ConfigMap", strings.Contains(u.GetName(), "metrics-auth"):
			t.Errorf("default values render %s; monitoring is opt-in", id(u))
		}
	}
	dep := into(t, find(t, renderChart(t), "Deployment", prefix+"controller-manager"), &appsv1.Deployment{})
	if slices.Contains(dep.Spec.Template.Spec.Containers[0].Args, "--metrics-secure") {
		t.Error("default values serve metrics with --metrics-secure; plain HTTP is the default")
	}
}

func TestChartServiceMonitorScrapesTheMetricsService(t *testing.T) {
	for _, secure := range []bool{false, true} {
		sets := []string{"metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.labels.release=prometheus"}
		if secure {
			sets = append(sets, "metrics.secure=true")
		}
		chart := renderChart(t, sets...)
		sm := find(t, chart, "ServiceMonitor", prefix+"controller-manager")
		svc := findIn(t, chart, "Service", systemNS, prefix+"controller-manager-metrics")
		if sm.GetLabels()["release"] != "prometheus" {
			t.Errorf("ServiceMonitor labels %v lack release=prometheus", sm.GetLabels())
		}
		sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
		for k, v := range sel {
			if svc.GetLabels()[k] != v {
				t.Errorf("ServiceMonitor selects %s=%s; the metrics Service has labels %v", k, v, svc.GetLabels())
			}
		}
		eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
		if len(eps) != 1 {
			t.Fatalf("%d endpoints, want 1", len(eps))
		}
		ep := eps[0].(map[string]any)
		wantScheme := map[bool]string{false: "http", true: "https"}[secure]
		if ep["port"] != "metrics" || ep["honorLabels"] != true || ep["scheme"] != wantScheme {
			t.Errorf("secure=%v: endpoint %v; want port metrics, honorLabels (the series' own namespace label), scheme %s", secure, ep, wantScheme)
		}
		args := into(t, find(t, chart, "Deployment", prefix+"controller-manager"), &appsv1.Deployment{}).Spec.Template.Spec.Containers[0].Args
		if slices.Contains(args, "--metrics-secure") != secure {
			t.Errorf("secure=%v: controller args %q", secure, args)
		}
		if !secure {
			continue
		}
		auth := into(t, find(t, chart, "ClusterRole", prefix+"metrics-auth-role"), &rbacv1.ClusterRole{})
		var granted []string
		for _, r := range auth.Rules {
			for _, res := range r.Resources {
				granted = append(granted, r.APIGroups[0]+"/"+res+":"+strings.Join(r.Verbs, ","))
			}
		}
		slices.Sort(granted)
		if want := []string{"authentication.k8s.io/tokenreviews:create", "authorization.k8s.io/subjectaccessreviews:create"}; !slices.Equal(granted, want) {
			t.Errorf("metrics-auth-role grants %v, want %v", granted, want)
		}
		binding := into(t, find(t, chart, "ClusterRoleBinding", prefix+"metrics-auth-rolebinding"), &rbacv1.ClusterRoleBinding{})
		if binding.RoleRef.Name != prefix+"metrics-auth-role" || len(binding.Subjects) != 1 || binding.Subjects[0].Name != prefix+"controller-manager" {
			t.Errorf("metrics-auth-rolebinding: %+v %+v", binding.RoleRef, binding.Subjects)
		}
		reader := into(t, find(t, chart, "ClusterRole", prefix+"metrics-reader"), &rbacv1.ClusterRole{})
		if len(reader.Rules) != 1 || !slices.Equal(reader.Rules[0].NonResourceURLs, []string{"/metrics"}) || !slices.Equal(reader.Rules[0].Verbs, []string{"get"}) {
			t.Errorf("metrics-reader rules %+v, want get on /metrics only", reader.Rules)
		}
	}
}

func TestChartPrometheusRuleAlertsOnTheControllersMetrics(t *testing.T) {
	chart := renderChart(t, "metrics.prometheusRule.enabled=true", "metrics.prometheusRule.drainWaitThreshold=45m")
	rule := find(t, chart, "PrometheusRule", prefix+"alerts")
	groups, _, _ := unstructured.NestedSlice(rule.Object, "spec", "groups")
	if len(groups) != 1 {
		t.Fatalf("%d rule groups, want 1", len(groups))
	}
	rules, _, _ := unstructured.NestedSlice(groups[0].(map[string]any), "rules")
	alerts := map[string]map[string]any{}
	for _, r := range rules {
		m := r.(map[string]any)
		alerts[m["alert"].(string)] = m
		checkMetricsExist(t, "alert "+m["alert"].(string), m["expr"].(string))
	}
	for name, want := range map[string]string{
		"FluidDrainVictimTimedOut":     `state="TimedOut"`,
		"FluidDrainVictimFailed":       `state="Failed"`,
		"FluidDrainScaleInTooLong":     `Draining`,
		"FluidDrainDecommissionErrors": `fluid_drain_decommission_failures_total`,
		"FluidDrainControllerDown":     `absent(fluid_drain_build_info`,
	} {
		a, ok := alerts[name]
		if !ok {
			t.Errorf("no alert %s; have %v", name, alerts)
			continue
		}
		if !strings.Contains(a["expr"].(string), want) {
			t.Errorf("alert %s: expr %q does not contain %q", name, a["expr"], want)
		}
	}
	if got := alerts["FluidDrainScaleInTooLong"]["for"]; got != "45m" {
		t.Errorf("FluidDrainScaleInTooLong fires after %v, want the threshold 45m", got)
	}
}

func TestChartGrafanaDashboardPlotsTheControllersMetrics(t *testing.T) {
	chart := renderChart(t, "metrics.grafanaDashboard.enabled=true")
	cm := findIn(t, chart, "ConfigMap", systemNS, prefix+"grafana-dashboard")
	if cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap labels %v lack grafana_dashboard=1 (the sidecar's default)", cm.GetLabels())
	}
	raw, _, _ := unstructured.NestedString(cm.Object, "data", "fluid-drain.json")
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if len(dash.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	for _, p := range dash.Panels {
		var exprs []string
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
		checkMetricsExist(t, "panel "+p.Title, strings.Join(exprs, "\n"))
	}
}
