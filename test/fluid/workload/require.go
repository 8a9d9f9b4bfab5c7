package workload

import (
	"fmt"
	"os"
	"os/exec"
)

// SkipEnv, set to 1, skips the suites that run real Alluxio JVMs, with a
// notice; otherwise they fail when a tool is missing.
const SkipEnv = "SKIP_REAL_ALLUXIO"

// InstallHint says how to get the tools real Alluxio needs here.
const InstallHint = "apt-get install openjdk-17-jdk-headless maven"

// RequireTools returns skip=true (after printing a notice) when SkipEnv
// is 1, else an error naming what is missing of java, javac and mvn
// (mvn resolves the jars), with the install line.
func RequireTools(suite string) (skip bool, err error) {
	if os.Getenv(SkipEnv) == "1" {
		fmt.Printf("NOTICE: %s skipped: %s=1\n", suite, SkipEnv)
		return true, nil
	}
	var missing []string
	for _, tool := range []string{"java", "javac", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return false, fmt.Errorf("%s runs real Alluxio and needs %v on the PATH: %s (or set %s=1 to skip it)", suite, missing, InstallHint, SkipEnv)
	}
	return false, nil
}
