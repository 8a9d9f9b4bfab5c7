package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/fluid-drain/fluid-drain/test/testenv"
)

// BinDir is where the cluster's binaries live, relative to the repository
// root; `make cluster-binaries` builds them there.
const BinDir = testenv.BinDir

// Modules whose files (kwok's stages; Kruise's CRDs and webhook
// configurations) the cluster reads from the Go module cache. They match
// hack/tools/kwok and hack/tools/kruise, which build the binaries.
const (
	KwokModule   = "sigs.k8s.io/kwok@v0.8.0"
	KruiseModule = testenv.KruiseModule
)

// ErrBinariesMissing is returned (wrapped) by Start and CheckBinaries when
// a binary has not been built. Tests skip on it.
var ErrBinariesMissing = errors.New("local cluster binaries missing: run `make cluster-binaries`")

func requiredBinaries(kruise bool) []string {
	bins := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}
	if kruise {
		bins = append(bins, "kruise-manager")
	}
	return bins
}

// CheckBinaries returns nil when everything a cluster with or without
// Kruise runs exists under <root>/bin/k8s (root "" finds the repository
// root), else an error wrapping ErrBinariesMissing naming what is missing.
func CheckBinaries(root string, kruise bool) error {
	if root == "" {
		var err error
		if root, err = RepoRoot(); err != nil {
			return err
		}
	}
	return checkBinaries(filepath.Join(root, BinDir), requiredBinaries(kruise))
}

func checkBinaries(dir string, names []string) error {
	return testenv.CheckExecutables(dir, names, ErrBinariesMissing)
}

// RepoRoot is the repository root, found by walking up from the working
// directory.
func RepoRoot() (string, error) { return testenv.RepoRoot() }

// moduleDir locates a module (path@version) in the module cache,
// downloading it through the Go module proxy if needed. It runs in a
// temporary directory so that it cannot touch any go.mod.
func moduleDir(ctx context.Context, module string) (string, error) {
	tmp, err := os.MkdirTemp("", "cluster-mod-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go mod download %s: %w: %s%s", module, err, stderr.String(), stdout.String())
	}
	var mod struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &mod); err != nil {
		return "", fmt.Errorf("go mod download %s: decoding output: %w", module, err)
	}
	if mod.Error != "" || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", module, mod.Error)
	}
	return mod.Dir, nil
}

// KubernetesVersion is the version kube-apiserver, kube-controller-manager
// and kube-scheduler are built to report (`make cluster-binaries` stamps
// it), as `kubectl version` and Helm charts read it.
const KubernetesVersion = "v1.37.2"

// checkVersions fails, wrapping ErrBinariesMissing, when a Kubernetes
// binary in dir does not report KubernetesVersion (built before the
// version was stamped).
func checkVersions(ctx context.Context, dir string) error {
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		out, err := exec.CommandContext(ctx, filepath.Join(dir, name), "--version").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s --version: %w: %s", name, err, out)
		}
		if got := string(bytes.TrimSpace(out)); got != "Kubernetes "+KubernetesVersion {
			return fmt.Errorf("%w: %s reports %q, not Kubernetes %s (built without the version stamp)", ErrBinariesMissing, filepath.Join(dir, name), got, KubernetesVersion)
		}
	}
	return nil
}
