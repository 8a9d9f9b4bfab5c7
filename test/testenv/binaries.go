package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BinDir is where the control-plane binaries live, relative to the
// repository root (`make test-binaries` builds them there).
const BinDir = "bin/k8s"

// ErrBinariesMissing is returned (wrapped) by Start and CheckBinaries
// when a control-plane binary has not been built. Suites skip on it.
var ErrBinariesMissing = errors.New("control-plane binaries missing: run `make test-binaries`")

// requiredBinaries lists the binaries the options need.
func requiredBinaries(opts Options) []string {
	bins := []string{"etcd", "kube-apiserver"}
	if opts.ControllerManager {
		bins = append(bins, "kube-controller-manager")
	}
	return bins
}

// CheckBinaries returns nil when every binary opts needs exists under
// <root>/bin/k8s, else an error wrapping ErrBinariesMissing that names
// the missing ones. Tests call it to t.Skip before paying for Start.
func CheckBinaries(opts Options) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	return checkBinaries(filepath.Join(root, BinDir), requiredBinaries(opts))
}

func checkBinaries(dir string, names []string) error {
	return CheckExecutables(dir, names, ErrBinariesMissing)
}

// CheckExecutables returns nil when every one of names is an executable
// file in dir, else an error wrapping missingErr that names the missing
// ones (the local cluster uses it with its own sentinel).
func CheckExecutables(dir string, names []string, missingErr error) error {
	var missing []string
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w (not in %s: %s)", missingErr, dir, strings.Join(missing, ", "))
	}
	return nil
}
