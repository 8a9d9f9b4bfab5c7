package v1alpha1

// Names for AlluxioRuntimes whose master and worker sets Fluid's own
// controller made (with its Helm chart): fluid-drain only drains them.
const (
	// FluidReleaseLabel and FluidRoleLabel are the labels Fluid's chart
	// puts on its sets and pods: release=<runtime name>,
	// role=alluxio-master|alluxio-worker.
	FluidReleaseLabel = "release"
	FluidRoleLabel    = "role"
	FluidWorkerRole   = "alluxio-worker"
	FluidMasterRole   = "alluxio-master"

	// GracefulScaleInCondition tells a Fluid-managed runtime's drain, in
	// Fluid's condition shape. Fluid's own WorkersScaledIn turns True the
	// moment Fluid lowers the worker set's replicas; this one is False
	// while the leaving workers drain (reason: the phase or problem) and
	// True once they have all gone.
	GracefulScaleInCondition = "GracefulScaleIn"

	// ScaleInSummaryAnnotation keeps, on a Fluid-managed runtime's master
	// pod, the scale-in summary that status.scaleIn holds on a standalone
	// runtime (Fluid's CRD has no such field), as JSON.
	ScaleInSummaryAnnotation = "data.fluid.io/scale-in-summary"
)

// Annotations on a Fluid-managed AlluxioRuntime overriding, for that
// runtime, the scale-in policy the controller's flags set (Fluid's CRD
// has no spec.scaleIn). A value that cannot be read is reported in a
// Warning event naming the annotation, and the flag's value is used.
const (
	DrainTimeoutAnnotation   = "data.fluid.io/scale-in-drain-timeout"
	OnDrainTimeoutAnnotation = "data.fluid.io/scale-in-on-drain-timeout"
	QuietPeriodAnnotation    = "data.fluid.io/scale-in-quiet-period"
	PollIntervalAnnotation   = "data.fluid.io/scale-in-poll-interval"
	MaxConcurrentAnnotation  = "data.fluid.io/scale-in-max-concurrent"
)
