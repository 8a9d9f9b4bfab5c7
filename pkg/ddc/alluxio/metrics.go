package alluxio

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// Prometheus metrics of graceful scale-ins, on controller-runtime's
// registry (served at the manager's metrics endpoint). Every series is
// labelled by the runtime's namespace and name.
var (
	scaleInDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "fluid_drain_scale_in_duration_seconds",
		Help:    "Time from the start of a scale-in to its end, by outcome (Scaled or Cancelled).",
		Buckets: []float64{5, 15, 30, 60, 120, 180, 300, 600, 1200, 3600},
	}, []string{"namespace", "runtime", "outcome"})

	scaleInVictims = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fluid_drain_scale_in_victims",
		Help: "Workers of the current scale-in, by state.",
	}, []string{"namespace", "runtime", "state"})

	decommissionFailures = runtimeCounter("fluid_drain_decommission_failures_total",
		"Decommission commands that failed (they are retried).")

	drainTimeouts = runtimeCounter("fluid_drain_drain_timeouts_total",
		"Workers whose drain outlived spec.scaleIn.drainTimeout.")

	forcedRemovals = runtimeCounter("fluid_drain_forced_removals_total",
		"Workers removed before they drained (onDrainTimeout: Force, or the force annotation).")

	cancelledVictims = runtimeCounter("fluid_drain_cancelled_victims_total",
		"Workers whose departure was called off by a scale-out and that were taken back into service.")
)

// runtimeCounter is a counter labelled by the runtime's namespace and name.
func runtimeCounter(name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"namespace", "runtime"})
}

func init() {
	metrics.Registry.MustRegister(scaleInDuration, scaleInVictims, decommissionFailures, drainTimeouts, forcedRemovals, cancelledVictims)
}

// recordVictimStates sets the victims-per-state gauge of a runtime.
func recordVictimStates(namespace, runtime string, counts map[drainfsm.State]int) {
	for _, st := range drainfsm.States {
		scaleInVictims.WithLabelValues(namespace, runtime, string(st)).Set(float64(counts[st]))
	}
}

// forgetRuntime drops a deleted runtime's gauge series.
func forgetRuntime(namespace, runtime string) {
	scaleInVictims.DeletePartialMatch(prometheus.Labels{"namespace": namespace, "runtime": runtime})
}

// initCounters makes a runtime's counters appear, at zero, when its first
// scale-in starts, so that dashboards and alerts see a series before the
// first failure.
func initCounters(namespace, runtime string) {
	for _, c := range []*prometheus.CounterVec{decommissionFailures, drainTimeouts, forcedRemovals, cancelledVictims} {
		c.WithLabelValues(namespace, runtime)
	}
}

// countTransition counts the moves the counters follow.
func countTransition(namespace, runtime string, e drainfsm.Event, to drainfsm.State) {
	switch {
	case to == drainfsm.TimedOut:
		drainTimeouts.WithLabelValues(namespace, runtime).Inc()
	case e == drainfsm.Force:
		forcedRemovals.WithLabelValues(namespace, runtime).Inc()
	case to == drainfsm.Cancelled:
		cancelledVictims.WithLabelValues(namespace, runtime).Inc()
	}
}
