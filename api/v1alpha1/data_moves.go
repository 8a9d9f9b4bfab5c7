package v1alpha1

// Annotations on a victim pod recording what was done with its data, so
// that a restarted controller neither asks again too soon nor starts a
// re-cache over.
const (
	// ScaleInPersistAskedAtAnnotation is when Alluxio was last asked to
	// persist the victim's unpersisted files (RFC 3339): it is asked
	// again only after the persist retry interval.
	ScaleInPersistAskedAtAnnotation = "data.fluid.io/scale-in-persist-asked-at"
	// ScaleInRecacheAnnotation is the victim's re-cache plan and progress
	// (JSON): bytes to move, bytes moved, the persisted bytes it cached,
	// and the last file tried (files are taken in path order).
	ScaleInRecacheAnnotation = "data.fluid.io/scale-in-recache-progress"
)

// Annotations on a Fluid-managed AlluxioRuntime overriding the re-cache
// policy the controller's flags set (see DrainTimeoutAnnotation).
const (
	RecacheAnnotation        = "data.fluid.io/scale-in-recache"
	RecacheLimitAnnotation   = "data.fluid.io/scale-in-recache-limit"
	RecacheTimeoutAnnotation = "data.fluid.io/scale-in-recache-timeout"
)
