package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// KruiseModule is the OpenKruise release whose CRDs KruiseCRDs installs.
// The proxy serves this exact version (version lists are refused), so it
// is pinned rather than resolved.
const KruiseModule = "github.com/openkruise/kruise@v1.8.2"

// kruiseCRDDir locates config/crd/bases of KruiseModule in the module
// cache, downloading the module through the Go module proxy if needed.
// It runs in a temporary directory so that `go mod download` cannot touch
// the project's go.mod/go.sum.
func kruiseCRDDir(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", KruiseModule)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go mod download %s: %w: %s%s", KruiseModule, err, stderr.String(), stdout.String())
	}
	var mod struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &mod); err != nil {
		return "", fmt.Errorf("go mod download %s: decoding output: %w", KruiseModule, err)
	}
	if mod.Error != "" || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", KruiseModule, mod.Error)
	}
	return filepath.Join(mod.Dir, "config", "crd", "bases"), nil
}
