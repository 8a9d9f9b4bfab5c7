//go:build tools

// Package tools pins Helm 3, built from its Go module (no release
// downloads): as bin/helm it lints and renders charts/fluid-drain in the
// tests and installs it in the end-to-end suite; as ddc-helm it is what
// Fluid's runtime controllers run to install their charts.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
