package alluxio

import "sigs.k8s.io/controller-runtime/pkg/metrics"

// Metrics of what happens to leaving workers' data.
var (
	filesPersisted = runtimeCounter("fluid_drain_files_persisted_total",
		"Unpersisted files of leaving workers that the controller asked Alluxio to persist (counted when Alluxio accepted the request).")

	bytesRecached = runtimeCounter("fluid_drain_recached_bytes_total",
		"Bytes of leaving workers' files cached again on the workers that stay.")

	bytesLeftBehind = runtimeCounter("fluid_drain_left_behind_bytes_total",
		"Bytes of persisted files leaving workers cached that were not cached again when they left (policy, free capacity, failures or recacheTimeout); they stay readable from the under store.")
)

func init() {
	metrics.Registry.MustRegister(filesPersisted, bytesRecached, bytesLeftBehind)
}
