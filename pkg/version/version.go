// Package version is what a built binary says about itself: the release
// (VERSION at the repository root) and the commit, stamped at build time
// with -ldflags "-X", and the Go release that compiled it.
package version

import (
	"fmt"
	"runtime"
)

// Stamped by the Makefile and hack/image:
//
//	-X github.com/fluid-drain/fluid-drain/pkg/version.version=$(VERSION)
//	-X github.com/fluid-drain/fluid-drain/pkg/version.revision=$(REVISION)
//
// A plain `go build` leaves the placeholders, so an unstamped binary says
// so instead of claiming a release.
var (
	version  = "0.0.0-dev"
	revision = "unknown"
)

// Info is one binary's build.
type Info struct {
	Version   string
	Revision  string
	GoVersion string
}

// Get returns this binary's build.
func Get() Info {
	return Info{Version: version, Revision: revision, GoVersion: runtime.Version()}
}

// String is the one line `--version` prints.
func (i Info) String() string {
	return fmt.Sprintf("%s (revision %s, %s)", i.Version, i.Revision, i.GoVersion)
}
