package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fluid-drain/fluid-drain/test/conformance/realalluxio"
)

const log4j = `log4j.rootLogger=INFO, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File=${alluxio.logs.file}
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n
`

// prepare lays the pod's folder out: conf/ (the CLI's
// alluxio-site.properties, log4j.properties), logs/, rootfs/ with the
// volume links, every process's folders, and bin/alluxio.
func (j jvm) prepare(plan *Plan) error {
	for _, d := range []string{j.confDir(), j.logDir(), filepath.Join(j.dir, "bin"), filepath.Join(j.dir, "rootfs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for link, target := range plan.Links {
		if strings.HasPrefix(target, j.dir) {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(target, link); err != nil && !os.IsExist(err) {
			return err
		}
	}
	for _, p := range plan.Processes {
		for _, d := range p.Dirs {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(j.confDir(), "alluxio-site.properties"), []byte(siteProperties(plan.ClientProperties)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(j.confDir(), "log4j.properties"), []byte(log4j), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(j.dir, "bin", "alluxio"), []byte(j.cliScript()), 0o755)
}

func siteProperties(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# the pod's ALLUXIO_JAVA_OPTS, as the Alluxio runner maps them onto this machine\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return b.String()
}

// cliScript is the pod's `alluxio` command (realalluxio.CLIScript) with
// the pod's client configuration.
func (j jvm) cliScript() string {
	return realalluxio.CLIScript("the Alluxio runner: the real Alluxio CLI of one pod.", append([]string{j.java}, j.args(128, "user.log", nil, nil)...), j.classpath)
}

// PodDirEnv names, in an exec'd command's environment, the folder of the
// pod it runs in.
const PodDirEnv = "ALLUXIO_RUNNER_POD_DIR"

// WriteShims writes `alluxio` and `du` into dir, for kwok's exec PATH:
// in a pod the runner runs they are the pod's real CLI and a du that
// sees the pod's paths; elsewhere `alluxio` fails and `du` is the
// machine's.
func WriteShims(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	alluxio := `#!/bin/sh
# alluxio in a pod run by the Alluxio runner: that pod's real Alluxio CLI.
if [ -z "$` + PodDirEnv + `" ]; then
  echo "alluxio: this pod's Alluxio is not run by the Alluxio runner" >&2
  exit 127
fi
exec "$` + PodDirEnv + `/bin/alluxio" "$@"
`
	du := `#!/bin/sh
# du in a pod run by the Alluxio runner: absolute paths are the pod's,
# resolved under its root folder (where its volumes are linked).
[ -n "$` + PodDirEnv + `" ] || exec /usr/bin/du "$@"
for a; do
  shift
  case "$a" in
    /*) set -- "$@" "$` + PodDirEnv + `/rootfs$a" ;;
    *)  set -- "$@" "$a" ;;
  esac
done
exec /usr/bin/du -L "$@"
`
	if err := os.WriteFile(filepath.Join(dir, "alluxio"), []byte(alluxio), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "du"), []byte(du), 0o755)
}
