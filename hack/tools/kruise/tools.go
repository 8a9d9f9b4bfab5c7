//go:build tools

// Package tools pins the OpenKruise manager (the module's root package is
// its main), built from its Go module for the local cluster
// (hack/localcluster): no release downloads.
package tools

import (
	_ "github.com/openkruise/kruise"
)
