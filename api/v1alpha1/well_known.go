package v1alpha1

// Labels, annotations and finalizers this controller puts on or reads
// from the pods it manages.
const (
	// RuntimeNameLabel names the AlluxioRuntime a pod belongs to.
	RuntimeNameLabel = "data.fluid.io/runtime"
	// ComponentLabel is "master" or "worker".
	ComponentLabel = "data.fluid.io/component"
	// ManagedByLabel marks objects this controller manages; the pod cache
	// only holds pods with it, so unrelated pods cost no memory.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is ManagedByLabel's value.
	ManagedByValue = "fluid-drain"

	// ScaleInFinalizer holds a victim worker pod until its scale-in is
	// finished (Scaled or Cancelled), so the pod cannot disappear while
	// Alluxio still routes work to it.
	ScaleInFinalizer = "data.fluid.io/graceful-scale-in"
	// ScaleInStateAnnotation is the victim's scale-in state. With the
	// finalizer it is the source of truth: a restarted controller resumes
	// from it.
	ScaleInStateAnnotation = "data.fluid.io/scale-in-state"
	// ScaleInSinceAnnotation is when the victim entered its state (RFC 3339).
	ScaleInSinceAnnotation = "data.fluid.io/scale-in-since"
	// ScaleInDecommissionedAtAnnotation is when the master confirmed the
	// decommission (RFC 3339): clients may send work until their worker
	// list refresh interval has passed since then.
	ScaleInDecommissionedAtAnnotation = "data.fluid.io/scale-in-decommissioned-at"
	// ScaleInIdleSinceAnnotation is since when the worker has been seen
	// idle without a break (RFC 3339); absent while it is busy.
	ScaleInIdleSinceAnnotation = "data.fluid.io/scale-in-idle-since"
	// ScaleInNothingToDrainAtAnnotation is when a victim was first judged
	// to have nothing to drain (RFC 3339). Next to Fluid, marking it
	// Scaled lets the guard release its pod at once, so that judgement
	// is acted on only when a later look makes it again.
	ScaleInNothingToDrainAtAnnotation = "data.fluid.io/scale-in-nothing-to-drain-at"
	// ScaleInForcedOutAnnotation "true" records that the victim left by
	// Force (annotation or onDrainTimeout: Force): it is not taken back
	// when its worker is listed as live again.
	ScaleInForcedOutAnnotation = "data.fluid.io/scale-in-forced-out"
	// ScaleInVictimAnnotation set to "true" asks for this pod to be among
	// the first to leave (AdvancedStatefulSet gate).
	ScaleInVictimAnnotation = "data.fluid.io/scale-in-victim"
	// ScaleInForceAnnotation set to "true" on a victim skips its drain
	// wait, so a stuck drain never needs a finalizer edited by hand.
	ScaleInForceAnnotation = "data.fluid.io/scale-in-force"
)

// Component label values.
const (
	MasterComponent = "master"
	WorkerComponent = "worker"
)
