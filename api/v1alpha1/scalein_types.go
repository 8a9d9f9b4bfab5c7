package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DrainTimeoutAction is what happens to a victim whose drain outlives
// ScaleInPolicy.DrainTimeout.
//
// +kubebuilder:validation:Enum=Wait;Force
type DrainTimeoutAction string

const (
	// DrainTimeoutWait keeps waiting (and says so): nothing is lost.
	DrainTimeoutWait DrainTimeoutAction = "Wait"
	// DrainTimeoutForce removes the worker anyway: work still in flight on
	// it fails and its cache is gone.
	DrainTimeoutForce DrainTimeoutAction = "Force"
)

// VictimSelection is how the workers that leave are chosen when the
// workload can remove any pod (the AdvancedStatefulSet gate).
//
// +kubebuilder:validation:Enum=HighestOrdinal;LeastCached
type VictimSelection string

const (
	// HighestOrdinal removes the pods with the highest ordinals, as a
	// plain StatefulSet must.
	HighestOrdinal VictimSelection = "HighestOrdinal"
	// LeastCached removes the workers caching the fewest bytes.
	LeastCached VictimSelection = "LeastCached"
)

// ScaleInPolicy says how workers leave when spec.replicas goes down.
//
// +kubebuilder:validation:XValidation:rule="!has(self.quietPeriod) || !has(self.drainTimeout) || duration(self.quietPeriod) < duration(self.drainTimeout)",message="scaleIn.quietPeriod must be shorter than scaleIn.drainTimeout, or no worker could ever count as drained in time"
type ScaleInPolicy struct {
	// DrainTimeout is how long one worker may take to drain after its
	// decommission before OnDrainTimeout applies.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="drainTimeout must be a positive duration such as 10m"
	// +optional
	DrainTimeout *metav1.Duration `json:"drainTimeout,omitempty"`

	// OnDrainTimeout: Wait (default) keeps waiting; Force removes the
	// worker anyway.
	// +kubebuilder:default=Wait
	// +optional
	OnDrainTimeout DrainTimeoutAction `json:"onDrainTimeout,omitempty"`

	// MaxConcurrent caps how many workers drain at once. Unset means all
	// victims of a scale-in at once.
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxConcurrent *int32 `json:"maxConcurrent,omitempty"`

	// PollInterval is how often a draining worker is checked.
	// +kubebuilder:default="5s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="pollInterval must be a positive duration such as 5s"
	// +optional
	PollInterval *metav1.Duration `json:"pollInterval,omitempty"`

	// QuietPeriod is how long a worker must report no operations in
	// flight and an empty RPC queue to count as drained.
	// +kubebuilder:default="20s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="quietPeriod must be a positive duration such as 20s"
	// +optional
	QuietPeriod *metav1.Duration `json:"quietPeriod,omitempty"`

	// VictimSelection picks the workers that leave when any pod can be
	// removed (AdvancedStatefulSet gate); otherwise the highest ordinals
	// always leave.
	// +kubebuilder:default=HighestOrdinal
	// +optional
	VictimSelection VictimSelection `json:"victimSelection,omitempty"`

	// Recache: All (default) caches the persisted files a drained worker
	// holds again on the workers that stay, as far as their free capacity
	// (and RecacheLimit) allows, before it leaves; Off lets it leave
	// without (its files stay readable from the under store).
	// +kubebuilder:default=All
	// +optional
	Recache RecacheMode `json:"recache,omitempty"`

	// RecacheLimit caps the bytes cached again per leaving worker, such
	// as 10Gi; 0 caches nothing again. Unset: only the free capacity of
	// the workers that stay bounds it.
	// +kubebuilder:validation:XValidation:rule="!quantity(string(self)).isLessThan(quantity('0'))",message="recacheLimit must be a size such as 10Gi, or 0 to cache nothing again"
	// +optional
	RecacheLimit *resource.Quantity `json:"recacheLimit,omitempty"`

	// RecacheTimeout bounds how long one worker's files are cached again;
	// after it the worker leaves with the rest not cached again, and a
	// Warning event says how far it got.
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="recacheTimeout must be a positive duration such as 5m"
	// +optional
	RecacheTimeout *metav1.Duration `json:"recacheTimeout,omitempty"`
}

// RecacheMode is whether a drained worker's files are cached again on the
// workers that stay before it leaves.
//
// +kubebuilder:validation:Enum=All;Off
type RecacheMode string

const (
	// RecacheAll caches again every persisted file the worker holds that
	// fits in the free capacity of the workers that stay.
	RecacheAll RecacheMode = "All"
	// RecacheOff caches nothing again: the worker leaves once drained.
	RecacheOff RecacheMode = "Off"
)

// ScaleInStatus summarises the current or last scale-in.
type ScaleInStatus struct {
	// FromReplicas is the worker count when the scale-in began.
	FromReplicas int32 `json:"fromReplicas"`
	// TargetReplicas is the worker count it is heading for.
	TargetReplicas int32 `json:"targetReplicas"`
	// StartTime is when the scale-in began.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the last victim left.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Victims are the workers leaving, each with its state.
	// +listType=map
	// +listMapKey=pod
	// +optional
	Victims []VictimStatus `json:"victims,omitempty"`
}

// VictimStatus is one leaving worker.
type VictimStatus struct {
	// Pod is the worker pod's name.
	Pod string `json:"pod"`
	// State is its scale-in state: Pending, Decommissioning, Draining,
	// Recaching, Scaled, Cancelled, TimedOut or Failed.
	State string `json:"state"`
	// Since is when it entered State.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
	// Message says what it waits for.
	// +optional
	Message string `json:"message,omitempty"`
}
