// Package ociimage builds the controller's container image without a
// container engine: the controller compiled as a static binary, in one
// layer on an empty base, run as a non-root user, written as an OCI image
// layout. The same source gives the same image digest: the binary is
// built with -trimpath and no build ID drift, and every timestamp in the
// layer and the config is the Unix epoch.
package ociimage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// Entrypoint is where the controller binary sits in the image.
	Entrypoint = "/alluxioruntime-controller"
	// UID and GID of the user the image runs as (not root; the "nonroot"
	// user of distroless images, so runAsUser in manifests agrees).
	UID = 65532
	GID = 65532
	// RefName is the tag recorded in the layout's index.json
	// (org.opencontainers.image.ref.name).
	RefName = "latest"
	// Package is the controller's main package, relative to the module root.
	Package = "./cmd/alluxioruntime-controller"
)

// epoch is every timestamp in the image.
var epoch = time.Unix(0, 0).UTC()

// Options say what to build and where.
type Options struct {
	// Root is the module root holding Package.
	Root string
	// Out is the OCI layout directory; it is replaced.
	Out string
	// Arch is the target architecture; default runtime.GOARCH.
	Arch string
	// Version and Revision are stamped into the binary (what --version,
	// the start-up log and fluid_drain_build_info say) and into the
	// image's OCI labels. Empty leaves the binary's placeholders and
	// labels out.
	Version, Revision string
}

// versionPackage holds the variables -ldflags -X stamps.
const versionPackage = "github.com/fluid-drain/fluid-drain/pkg/version"

// ldflags strips the binary and stamps the version.
func (o Options) ldflags() string {
	f := "-s -w -buildid="
	if o.Version != "" {
		f += " -X " + versionPackage + ".version=" + o.Version
	}
	if o.Revision != "" {
		f += " -X " + versionPackage + ".revision=" + o.Revision
	}
	return f
}

// labels are the image config's OCI annotations.
func (o Options) labels() map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":    "alluxioruntime-controller",
		"org.opencontainers.image.source":   "https://github.com/fluid-drain/fluid-drain",
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
	if o.Version != "" {
		l["org.opencontainers.image.version"] = o.Version
	}
	if o.Revision != "" {
		l["org.opencontainers.image.revision"] = o.Revision
	}
	return l
}

// Result describes a built image.
type Result struct {
	// Digest is the image manifest's digest, "sha256:...".
	Digest string
	// BinarySize is the controller binary's size in bytes.
	BinarySize int
}

// Build compiles the controller and writes its image to opts.Out.
func Build(ctx context.Context, opts Options) (Result, error) {
	if opts.Arch == "" {
		opts.Arch = runtime.GOARCH
	}
	bin, err := compile(ctx, opts.Root, opts.Arch, opts.ldflags())
	if err != nil {
		return Result{}, err
	}
	img, err := Image(bin, opts.Arch, opts.labels())
	if err != nil {
		return Result{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return Result{}, err
	}
	if err := writeLayout(opts.Out, img, opts.refName()); err != nil {
		return Result{}, err
	}
	return Result{Digest: digest.String(), BinarySize: len(bin)}, nil
}

// compile builds a static linux binary of Package: no cgo, no local paths
// (-trimpath), no VCS stamp (the image depends on the source alone, not
// on a commit), stripped.
func compile(ctx context.Context, root, arch, ldflags string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "ociimage-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "alluxioruntime-controller")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags="+ldflags, "-o", out, Package)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	var msg bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msg, &msg
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build %s for linux/%s: %w\n%s", Package, arch, err, msg.String())
	}
	return os.ReadFile(out)
}

// Image is bin as the image's only layer, with its config carrying labels.
func Image(bin []byte, arch string, labels map[string]string) (v1.Image, error) {
	layerTar, err := layerTar(bin)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(opener(layerTar), tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "ociimage: " + Package + " (CGO_ENABLED=0 -trimpath)"},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config = v1.Config{
		Entrypoint: []string{Entrypoint},
		User:       fmt.Sprintf("%d:%d", UID, GID),
		WorkingDir: "/",
		Labels:     labels,
	}
	return mutate.ConfigFile(img, cfg)
}

// refName is the tag the layout records: the version, or RefName.
func (o Options) refName() string {
	if o.Version != "" {
		return o.Version
	}
	return RefName
}

// writeLayout replaces dir with an OCI image layout holding img, tagged
// ref.
func writeLayout(dir string, img v1.Image, ref string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		return fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	return nil
}
