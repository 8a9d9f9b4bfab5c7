package ociimage

import (
	"path/filepath"
	"slices"
	"testing"
)

// A release layout holds one index whose images run on linux/amd64 and
// linux/arm64, each labelled with the release; a runtime pulling the index
// picks its platform's image. (Placeholder binaries: what is checked is
// the index, not the compiler; the real binary is checked in build_test.)
func TestReleaseIndexHoldsOneLabelledImagePerPlatform(t *testing.T) {
	bins := map[string][]byte{"amd64": []byte("amd64 binary"), "arm64": []byte("arm64 binary")}
	labels := Options{Version: "1.2.3", Revision: "abc123"}.labels()
	idx, res, err := Index(ReleaseArchs, bins, labels)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "image")
	if err := writeIndexLayout(dir, idx, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := loaded.Digest(); d.String() != res.Digest {
		t.Errorf("layout holds index %s, build reported %s", d, res.Digest)
	}
	m, err := loaded.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, desc := range m.Manifests {
		if desc.Platform == nil {
			t.Fatalf("manifest %s has no platform", desc.Digest)
		}
		platforms = append(platforms, desc.Platform.OS+"/"+desc.Platform.Architecture)
		img, err := loaded.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != desc.Platform.Architecture || cfg.OS != "linux" {
			t.Errorf("%s: config says %s/%s", desc.Digest, cfg.OS, cfg.Architecture)
		}
		for k, want := range map[string]string{
			"org.opencontainers.image.version":  "1.2.3",
			"org.opencontainers.image.revision": "abc123",
			"org.opencontainers.image.licenses": "Apache-2.0",
			"org.opencontainers.image.source":   "https://github.com/fluid-drain/fluid-drain",
		} {
			if got := cfg.Config.Labels[k]; got != want {
				t.Errorf("%s: label %s = %q, want %q", desc.Platform.Architecture, k, got, want)
			}
		}
	}
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(platforms, want) {
		t.Errorf("index platforms %v, want %v", platforms, want)
	}
}
