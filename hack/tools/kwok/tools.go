//go:build tools

// Package tools pins kwok, the fake kubelet of the local cluster
// (hack/localcluster), built from its Go module: no release downloads.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
