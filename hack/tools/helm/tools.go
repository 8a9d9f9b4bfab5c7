//go:build tools

// Package tools pins Helm 3, built from its Go module into bin/helm: it
// lints and renders charts/fluid-drain in the tests and installs it in
// the end-to-end suite. No release downloads.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
