// Package v1alpha1 holds the AlluxioRuntime API of group data.fluid.io,
// compatible with the fields Fluid users already write, plus the scale-in
// policy and status this controller adds.
//
// +kubebuilder:object:generate=true
// +groupName=data.fluid.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of every type in this package.
	GroupVersion = schema.GroupVersion{Group: "data.fluid.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
