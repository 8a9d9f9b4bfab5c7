package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// VersionSpec is the Alluxio image.
type VersionSpec struct {
	// +optional
	Image string `json:"image,omitempty"`
	// +optional
	ImageTag string `json:"imageTag,omitempty"`
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
}

// NetworkMode says how a component's pods are addressed.
//
// +kubebuilder:validation:Enum=HostNetwork;ContainerNetwork;""
type NetworkMode string

const (
	// HostNetworkMode runs pods in the node's network: Alluxio knows a
	// worker by its node's IP. It is Fluid's default.
	HostNetworkMode NetworkMode = "HostNetwork"
	// ContainerNetworkMode gives each pod its own IP.
	ContainerNetworkMode NetworkMode = "ContainerNetwork"
	// DefaultNetworkMode is what an empty NetworkMode means.
	DefaultNetworkMode = HostNetworkMode
)

// PodMetadata is extra metadata for a component's pods.
type PodMetadata struct {
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// AlluxioCompTemplateSpec configures one Alluxio component, as in Fluid.
type AlluxioCompTemplateSpec struct {
	// Replicas of the component. Only the master honours it, and only 1 is
	// supported; the worker count is spec.replicas.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// +optional
	JvmOptions []string `json:"jvmOptions,omitempty"`

	// Properties are Alluxio properties for this component; they outrank
	// the runtime's global properties.
	// +kubebuilder:validation:MaxProperties=512
	// +kubebuilder:validation:XValidation:rule="!('alluxio.master.rpc.port' in self) || self['alluxio.master.rpc.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.master.rpc.port must be a port number between 1 and 65535"
	// +kubebuilder:validation:XValidation:rule="!('alluxio.master.web.port' in self) || self['alluxio.master.web.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.master.web.port must be a port number between 1 and 65535"
	// +kubebuilder:validation:XValidation:rule="!('alluxio.worker.rpc.port' in self) || self['alluxio.worker.rpc.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.worker.rpc.port must be a port number between 1 and 65535"
	// +kubebuilder:validation:XValidation:rule="!('alluxio.worker.web.port' in self) || self['alluxio.worker.web.port'].matches('^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')",message="alluxio.worker.web.port must be a port number between 1 and 65535"
	// +optional
	Properties map[string]string `json:"properties,omitempty"`

	// Ports by name (rpc, web, ...). A port property outranks this map.
	// +kubebuilder:validation:MaxProperties=32
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k] >= 1 && self[k] <= 65535)",message="each port must be between 1 and 65535"
	// +optional
	Ports map[string]int `json:"ports,omitempty"`

	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Env are extra environment variables of the component's container.
	// +optional
	Env map[string]string `json:"env,omitempty"`

	// Enabled is accepted for compatibility with Fluid; master and workers
	// always run.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// NetworkMode: HostNetwork (default) or ContainerNetwork.
	// +optional
	NetworkMode NetworkMode `json:"networkMode,omitempty"`

	// +optional
	PodMetadata PodMetadata `json:"podMetadata,omitempty"`

	// VolumeMounts is accepted for compatibility with Fluid; it is not
	// acted on yet.
	// +optional
	VolumeMounts *apiextensionsv1.JSON `json:"volumeMounts,omitempty"`
}

// TieredStore is the workers' cache layout.
type TieredStore struct {
	// +optional
	Levels []Level `json:"levels,omitempty"`
}

// Level is one cache tier.
type Level struct {
	// +kubebuilder:validation:Enum=MEM;SSD;HDD
	MediumType string `json:"mediumtype"`
	// +kubebuilder:validation:Enum=hostPath;emptyDir;volumeTemplate
	// +optional
	VolumeType string `json:"volumeType,omitempty"`
	// +optional
	Path string `json:"path,omitempty"`
	// +optional
	Quota *resource.Quantity `json:"quota,omitempty"`
	// +optional
	QuotaList string `json:"quotaList,omitempty"`
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)?$`
	// +optional
	High string `json:"high,omitempty"`
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)?$`
	// +optional
	Low string `json:"low,omitempty"`
}
