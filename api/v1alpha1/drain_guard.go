package v1alpha1

// The admission guard's scope, next to Fluid. The guard (a
// ValidatingAdmissionPolicy shipped with the chart and config/fluid)
// holds the StatefulSet controller's delete of a worker pod only while
// fluid-drain is responsible for draining it, and the controller is the
// only writer of what says so: it labels the worker pods it will drain
// and removes the label when it stops being responsible (the gate off,
// the runtime opted out or deleted). Pods it never labelled (other
// namespaces, runtimes it does not manage) are never held.
const (
	// DrainGuardLabel, set to DrainGuardValue on a Fluid worker pod, puts
	// the pod under the guard: the policy's objectSelector matches it.
	DrainGuardLabel = "data.fluid.io/drain-guard"
	DrainGuardValue = "true"

	// DrainGuardHeartbeatAnnotation is on each namespace holding guarded
	// pods: the time (RFC 3339, UTC) the controller last said it is
	// alive there. The guard holds nothing once it is older than the
	// heartbeat timeout by kube-controller-manager's clock (its
	// leader-election lease), so a controller that is down or gone holds
	// Fluid's scale-ins for at most that long.
	DrainGuardHeartbeatAnnotation = "data.fluid.io/drain-guard-heartbeat"

	// GracefulScaleInAnnotation set to "false" on an AlluxioRuntime opts
	// it out: fluid-drain leaves its scale-ins to Fluid's plain replica
	// drop, as with the GracefulScaleIn gate off, and the guard holds
	// none of its pods.
	GracefulScaleInAnnotation = "data.fluid.io/graceful-scale-in"

	// GuardLapsedReason: the guard's heartbeat had expired (the
	// controller was down or could not write it), so for a while the
	// StatefulSet controller could remove workers without a drain.
	GuardLapsedReason = "GuardLapsed"
	// OptedOutReason: the runtime is annotated
	// data.fluid.io/graceful-scale-in=false.
	OptedOutReason = "OptedOut"
)
