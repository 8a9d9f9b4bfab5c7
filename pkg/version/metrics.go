package version

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// BuildInfoMetric is the gauge, always 1, whose labels name the running
// build; dashboards and alerts join on it to tell releases apart.
const BuildInfoMetric = "fluid_drain_build_info"

// RegisterBuildInfo adds BuildInfoMetric to controller-runtime's registry
// (served at the manager's metrics endpoint).
func RegisterBuildInfo() error {
	i := Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        BuildInfoMetric,
		Help:        "The running fluid-drain build: version, commit and Go release (always 1).",
		ConstLabels: prometheus.Labels{"version": i.Version, "revision": i.Revision, "goversion": i.GoVersion},
	})
	g.Set(1)
	return metrics.Registry.Register(g)
}
