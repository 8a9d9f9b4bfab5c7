package version

import (
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestBuildInfoIsServedOnTheControllerRegistry(t *testing.T) {
	version, revision = "1.2.3", "abc123"
	t.Cleanup(func() { version, revision = "0.0.0-dev", "unknown" })
	if err := RegisterBuildInfo(); err != nil {
		t.Fatal(err)
	}
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var labels map[string]string
	var value float64
	for _, f := range families {
		if f.GetName() != BuildInfoMetric {
			continue
		}
		if len(f.GetMetric()) != 1 {
			t.Fatalf("%s has %d series, want 1", BuildInfoMetric, len(f.GetMetric()))
		}
		m := f.GetMetric()[0]
		labels = map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		value = m.GetGauge().GetValue()
	}
	want := map[string]string{"version": "1.2.3", "revision": "abc123", "goversion": Get().GoVersion}
	if value != 1 || len(labels) != 3 || labels["version"] != want["version"] || labels["revision"] != want["revision"] || labels["goversion"] != want["goversion"] {
		t.Errorf("%s = %v with labels %v, want 1 with %v", BuildInfoMetric, value, labels, want)
	}
	if got := Get().String(); !strings.HasPrefix(got, "1.2.3 (revision abc123, go") {
		t.Errorf("--version line = %q", got)
	}
}
