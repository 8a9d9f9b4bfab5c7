// Package release checks that everything naming the release agrees with
// VERSION, its one source.
package release

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var root = filepath.Join("..", "..")

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChartAndManifestsFollowVERSION(t *testing.T) {
	version := strings.TrimSpace(string(read(t, "VERSION")))
	if !regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`).MatchString(version) {
		t.Fatalf("VERSION %q is not a semantic version", version)
	}
	var chart struct {
		Version, AppVersion, KubeVersion string
	}
	if err := yaml.Unmarshal(read(t, "charts/fluid-drain/Chart.yaml"), &chart); err != nil {
		t.Fatal(err)
	}
	var values struct {
		Image struct{ Tag string }
	}
	if err := yaml.Unmarshal(read(t, "charts/fluid-drain/values.yaml"), &values); err != nil {
		t.Fatal(err)
	}
	var kust struct {
		Images []struct{ NewTag string }
	}
	if err := yaml.Unmarshal(read(t, "config/manager/kustomization.yaml"), &kust); err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]string{
		"charts/fluid-drain/Chart.yaml version":    chart.Version,
		"charts/fluid-drain/Chart.yaml appVersion": chart.AppVersion,
		"charts/fluid-drain/values.yaml image.tag": values.Image.Tag,
		"config/manager/kustomization.yaml newTag": func() string {
			if len(kust.Images) != 1 {
				return ""
			}
			return kust.Images[0].NewTag
		}(),
	} {
		if got != version {
			t.Errorf("%s is %q; VERSION is %q: set it to the release", what, got, version)
		}
	}
	if !strings.Contains(string(read(t, "config/manager/manager.yaml")), "alluxioruntime-controller:"+version+"\n") {
		t.Errorf("config/manager/manager.yaml does not run image tag %s", version)
	}
	if !strings.Contains(string(read(t, "CHANGELOG.md")), "## "+version) {
		t.Errorf("CHANGELOG.md has no section for %s", version)
	}
}
