package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RuntimePhase is a component's readiness, as in Fluid.
type RuntimePhase string

const (
	RuntimePhaseNone         RuntimePhase = ""
	RuntimePhaseNotReady     RuntimePhase = "NotReady"
	RuntimePhasePartialReady RuntimePhase = "PartialReady"
	RuntimePhaseReady        RuntimePhase = "Ready"
)

// WorkloadKind is the kind of workload that runs the workers.
//
// +kubebuilder:validation:Enum=StatefulSet;AdvancedStatefulSet
type WorkloadKind string

const (
	// StatefulSetWorkload is a native apps/v1 StatefulSet: only the highest
	// ordinals can leave.
	StatefulSetWorkload WorkloadKind = "StatefulSet"
	// AdvancedStatefulSetWorkload is OpenKruise's apps.kruise.io/v1beta1
	// StatefulSet: any pod can leave.
	AdvancedStatefulSetWorkload WorkloadKind = "AdvancedStatefulSet"
)

// RuntimeStatus is the observed state of an AlluxioRuntime. Its fields
// are Fluid's RuntimeStatus fields plus scale-in progress.
type RuntimeStatus struct {
	// +optional
	MasterPhase RuntimePhase `json:"masterPhase,omitempty"`
	// +optional
	WorkerPhase RuntimePhase `json:"workerPhase,omitempty"`
	// +optional
	DesiredMasterNumberScheduled int32 `json:"desiredMasterNumberScheduled,omitempty"`
	// +optional
	CurrentMasterNumberScheduled int32 `json:"currentMasterNumberScheduled,omitempty"`
	// +optional
	MasterNumberReady int32 `json:"masterNumberReady,omitempty"`
	// DesiredWorkerNumberScheduled is spec.replicas as last observed.
	// +optional
	DesiredWorkerNumberScheduled int32 `json:"desiredWorkerNumberScheduled,omitempty"`
	// CurrentWorkerNumberScheduled is the worker set's replicas: during a
	// graceful scale-in it stays above spec.replicas until the victims
	// have drained.
	// +optional
	CurrentWorkerNumberScheduled int32 `json:"currentWorkerNumberScheduled,omitempty"`
	// +optional
	WorkerNumberReady int32 `json:"workerNumberReady,omitempty"`
	// +optional
	WorkerNumberAvailable int32 `json:"workerNumberAvailable,omitempty"`
	// +optional
	WorkerNumberUnavailable int32 `json:"workerNumberUnavailable,omitempty"`
	// Selector is the worker pods' label selector (for the scale
	// subresource).
	// +optional
	Selector string `json:"selector,omitempty"`
	// WorkerWorkloadKind is the workload kind the workers were created
	// with. It is kept for the runtime's life, whatever the
	// AdvancedStatefulSet gate says later, so flipping the gate never
	// orphans workers.
	// +optional
	WorkerWorkloadKind WorkloadKind `json:"workerWorkloadKind,omitempty"`
	// ScaleIn is the current or last scale-in.
	// +optional
	ScaleIn *ScaleInStatus `json:"scaleIn,omitempty"`
	// ObservedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: MasterReady, WorkersReady, WorkersScaledIn.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}
