package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AlluxioRuntimeSpec is the desired Alluxio cluster. The fields are those
// of Fluid's AlluxioRuntime, so a manifest written for Fluid is accepted
// unchanged; ScaleIn is this controller's addition.
type AlluxioRuntimeSpec struct {
	// Replicas is the number of Alluxio workers.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// AlluxioVersion is the image the master and workers run.
	// +optional
	AlluxioVersion VersionSpec `json:"alluxioVersion,omitempty"`

	// Master configures the Alluxio master.
	// +optional
	Master AlluxioCompTemplateSpec `json:"master,omitempty"`

	// Worker configures the Alluxio workers.
	// +optional
	Worker AlluxioCompTemplateSpec `json:"worker,omitempty"`

	// Properties are Alluxio properties for every component. A component's
	// own properties outrank these.
	// +kubebuilder:validation:MaxProperties=512
	// +kubebuilder:validation:XValidation:rule="!('alluxio.master.rpc.port' in self) || self['alluxio.master.rpc.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.master.rpc.port must be a port number between 1 and 65535"
	// +kubebuilder:validation:XValidation:rule="!('alluxio.master.web.port' in self) || self['alluxio.master.web.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.master.web.port must be a port number between 1 and 65535"
	// +kubebuilder:validation:XValidation:rule="!('alluxio.worker.rpc.port' in self) || self['alluxio.worker.rpc.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.worker.rpc.port must be a port number between 1 and 65535"
	// +kubebuilder:validation:XValidation:rule="!('alluxio.worker.web.port' in self) || self['alluxio.worker.web.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.worker.web.port must be a port number between 1 and 65535"
	// +optional
	Properties map[string]string `json:"properties,omitempty"`

	// JvmOptions are JVM options for every component.
	// +optional
	JvmOptions []string `json:"jvmOptions,omitempty"`

	// TieredStore describes the workers' cache tiers.
	// +optional
	TieredStore TieredStore `json:"tieredstore,omitempty"`

	// ScaleIn is the policy applied when Replicas goes down.
	// +kubebuilder:default={}
	// +optional
	ScaleIn ScaleInPolicy `json:"scaleIn,omitempty"`

	FluidOnlyFields `json:",inline"`
}

// AlluxioRuntime is an Alluxio cluster (one master, Replicas workers)
// whose scale-in drains workers before removing them.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=alluxio,categories=fluid
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.currentWorkerNumberScheduled,selectorpath=.status.selector
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.spec.replicas`,description="Workers wanted"
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.workerNumberReady`,description="Workers ready"
// +kubebuilder:printcolumn:name="Master",type=string,JSONPath=`.status.masterPhase`
// +kubebuilder:printcolumn:name="Workers",type=string,JSONPath=`.status.workerPhase`
// +kubebuilder:printcolumn:name="ScaleIn",type=string,JSONPath=`.status.conditions[?(@.type=="WorkersScaledIn")].reason`,description="Phase of the current or last scale-in"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AlluxioRuntime struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AlluxioRuntimeSpec `json:"spec,omitempty"`
	Status RuntimeStatus      `json:"status,omitempty"`
}

// AlluxioRuntimeList is a list of AlluxioRuntime.
//
// +kubebuilder:object:root=true
type AlluxioRuntimeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AlluxioRuntime `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AlluxioRuntime{}, &AlluxioRuntimeList{})
}
