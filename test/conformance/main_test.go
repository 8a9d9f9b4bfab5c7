package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/test/conformance/realalluxio"
)

// shimPath is the emulator's `alluxio` shim (cmd/alluxio), built once.
var shimPath string

// versions are the Alluxio versions under test.
var versions []string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// installHint is how to get what the suite needs on Debian or Ubuntu.
const installHint = "apt-get install -y openjdk-17-jre-headless maven"

func runMain(m *testing.M) int {
	if os.Getenv("SKIP_REAL_ALLUXIO") == "1" {
		fmt.Println("conformance: SKIPPED: SKIP_REAL_ALLUXIO=1; the emulator is not compared with real Alluxio")
		return 0
	}
	var missing []string
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "conformance: FAIL: %s not found on PATH; this suite runs real Alluxio servers.\n"+
			"  install them: %s\n  or skip the suite: SKIP_REAL_ALLUXIO=1\n", strings.Join(missing, " and "), installHint)
		return 1
	}
	versions = strings.Split(envOr("ALLUXIO_CONFORMANCE_VERSIONS", "2.9.6,2.9.3"), ",")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, v := range versions {
		if _, err := realalluxio.EnsureJars(ctx, v); err != nil {
			fmt.Fprintf(os.Stderr, "conformance: %v\n", err)
			return 1
		}
	}
	dir, err := os.MkdirTemp("", "conformance-shim-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	shimPath = filepath.Join(dir, "alluxio")
	build := exec.CommandContext(ctx, "go", "build", "-o", shimPath, "github.com/fluid-drain/fluid-drain/cmd/alluxio")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "conformance: building the alluxio shim: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
