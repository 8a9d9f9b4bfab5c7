package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// FluidOnlyFields are fields of Fluid's AlluxioRuntime that this controller
// accepts, so that a manifest written for Fluid applies unchanged, but does
// not act on yet. Each one that is set earns the runtime a Warning event
// (reason UnsupportedField) naming it; none is ignored silently. Their
// content is kept as written.
type FluidOnlyFields struct {
	// +optional
	Fuse *apiextensionsv1.JSON `json:"fuse,omitempty"`
	// +optional
	JobMaster *apiextensionsv1.JSON `json:"jobMaster,omitempty"`
	// +optional
	JobWorker *apiextensionsv1.JSON `json:"jobWorker,omitempty"`
	// +optional
	APIGateway *apiextensionsv1.JSON `json:"apiGateway,omitempty"`
	// +optional
	InitUsers *apiextensionsv1.JSON `json:"initUsers,omitempty"`
	// +optional
	Data *apiextensionsv1.JSON `json:"data,omitempty"`
	// +optional
	RunAs *apiextensionsv1.JSON `json:"runAs,omitempty"`
	// +optional
	Management *apiextensionsv1.JSON `json:"management,omitempty"`
	// +optional
	Volumes *apiextensionsv1.JSON `json:"volumes,omitempty"`
	// +optional
	ImagePullSecrets *apiextensionsv1.JSON `json:"imagePullSecrets,omitempty"`
	// +optional
	PodMetadata *apiextensionsv1.JSON `json:"podMetadata,omitempty"`
	// +optional
	HadoopConfig string `json:"hadoopConfig,omitempty"`
	// +optional
	DisablePrometheus bool `json:"disablePrometheus,omitempty"`
}

// SetFields lists the JSON names of the Fluid-only fields that are set.
func (f *FluidOnlyFields) SetFields() []string {
	var set []string
	add := func(name string, isSet bool) {
		if isSet {
			set = append(set, name)
		}
	}
	add("fuse", f.Fuse != nil)
	add("jobMaster", f.JobMaster != nil)
	add("jobWorker", f.JobWorker != nil)
	add("apiGateway", f.APIGateway != nil)
	add("initUsers", f.InitUsers != nil)
	add("data", f.Data != nil)
	add("runAs", f.RunAs != nil)
	add("management", f.Management != nil)
	add("volumes", f.Volumes != nil)
	add("imagePullSecrets", f.ImagePullSecrets != nil)
	add("podMetadata", f.PodMetadata != nil)
	add("hadoopConfig", f.HadoopConfig != "")
	add("disablePrometheus", f.DisablePrometheus)
	return set
}
