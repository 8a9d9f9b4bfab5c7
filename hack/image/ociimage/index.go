package ociimage

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ReleaseArchs are the architectures a release image is built for.
var ReleaseArchs = []string{"amd64", "arm64"}

// IndexResult describes a built multi-platform image.
type IndexResult struct {
	// Digest is the image index's digest, "sha256:...": what a
	// deployment pins to run the right image on any of the platforms.
	Digest string
	// Images are the per-platform manifests' digests, by architecture.
	Images map[string]string
}

// BuildIndex compiles the controller for each of archs and writes one
// OCI image index holding a linux/<arch> image of each to opts.Out
// (opts.Arch is ignored).
func BuildIndex(ctx context.Context, opts Options, archs []string) (IndexResult, error) {
	bins := map[string][]byte{}
	for _, arch := range archs {
		bin, err := compile(ctx, opts.Root, arch, opts.ldflags())
		if err != nil {
			return IndexResult{}, err
		}
		bins[arch] = bin
	}
	idx, res, err := Index(archs, bins, opts.labels())
	if err != nil {
		return IndexResult{}, err
	}
	if err := writeIndexLayout(opts.Out, idx, opts.refName()); err != nil {
		return IndexResult{}, err
	}
	return res, nil
}

// Index is one image index holding, for each of archs in that order, the
// linux/<arch> image of bins[arch].
func Index(archs []string, bins map[string][]byte, labels map[string]string) (v1.ImageIndex, IndexResult, error) {
	res := IndexResult{Images: map[string]string{}}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range archs {
		img, err := Image(bins[arch], arch, labels)
		if err != nil {
			return nil, IndexResult{}, err
		}
		d, err := img.Digest()
		if err != nil {
			return nil, IndexResult{}, err
		}
		res.Images[arch] = d.String()
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{MediaType: types.OCIManifestSchema1, Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, IndexResult{}, err
	}
	res.Digest = d.String()
	return idx, res, nil
}

// writeIndexLayout replaces dir with an OCI image layout holding idx,
// tagged ref.
func writeIndexLayout(dir string, idx v1.ImageIndex, ref string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		return fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	return nil
}

// LoadIndex reads the one image index of the OCI layout in dir.
func LoadIndex(dir string) (v1.ImageIndex, error) {
	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("read OCI layout %s: %w (build it with `make release`)", dir, err)
	}
	m, err := root.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) != 1 || !m.Manifests[0].MediaType.IsIndex() {
		return nil, fmt.Errorf("OCI layout %s does not hold exactly one image index", dir)
	}
	return root.ImageIndex(m.Manifests[0].Digest)
}
