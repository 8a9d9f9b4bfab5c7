//go:build tools

// Package tools pins Helm 3, which Fluid's runtime controllers run as
// `ddc-helm` to install their charts, built from its Go module.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
