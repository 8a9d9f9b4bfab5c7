package v1alpha1

import "github.com/fluid-drain/fluid-drain/pkg/drainfsm"

// Condition types on an AlluxioRuntime. They are Fluid's names.
const (
	// MasterReadyCondition is True when the master pod is ready.
	MasterReadyCondition = "MasterReady"
	// WorkersReadyCondition is True when every wanted worker is ready.
	WorkersReadyCondition = "WorkersReady"
	// WorkersScaledInCondition tells the story of the current or last
	// scale-in. While one runs it is False and its reason is the phase
	// (Pending, Decommissioning, Draining, TimedOut, Failed) or the
	// problem it waits on; when done it is True with reason Scaled.
	WorkersScaledInCondition = "WorkersScaledIn"
)

// Reasons of MasterReady and WorkersReady.
const (
	// ReadyReason: the component is fully ready.
	ReadyReason = "Ready"
	// PartialReadyReason: some but not all workers are ready.
	PartialReadyReason = "PartialReady"
	// NotReadyReason: nothing is ready yet.
	NotReadyReason = "NotReady"
)

// Reasons of WorkersScaledIn besides the scale-in phases (whose reason is
// the phase's name, see pkg/drainfsm). The same word is used in the
// condition, the event and the log line.
const (
	// ScalingInReason: a scale-in runs; the message counts victims per
	// phase.
	ScalingInReason = "ScalingIn"
	// ScaledReason: the last scale-in finished.
	ScaledReason = "Scaled"
	// CancelledReason: the last scale-in was called off by a scale-out.
	CancelledReason = "Cancelled"
	// DecommissionUnsupportedReason: see drainfsm.
	DecommissionUnsupportedReason = drainfsm.DecommissionUnsupportedReason
	// DecommissionFailedReason: the master refused or failed a
	// decommission; it is retried.
	DecommissionFailedReason = "DecommissionFailed"
	// AlluxioUnreachableReason: see drainfsm.
	AlluxioUnreachableReason = drainfsm.AlluxioUnreachableReason
	// RestartedReason: a cancelled victim's pod was restarted, because
	// Alluxio takes a decommissioned worker back into service only when its
	// process restarts.
	RestartedReason = "Restarted"
	// ForcedReason: see drainfsm.
	ForcedReason = drainfsm.ForcedReason
	// PlainScaleInReason: the GracefulScaleIn gate is off, so workers are
	// removed at once, as Fluid does.
	PlainScaleInReason = "PlainScaleIn"
	// InvalidPolicyReason: a scale-in policy annotation on a Fluid-managed
	// runtime could not be read; the controller's flag value is used.
	InvalidPolicyReason = "InvalidScaleInPolicy"
	// UnsupportedFieldReason: a Fluid field is set that this controller
	// accepts but does not act on.
	UnsupportedFieldReason = "UnsupportedField"
)
