package stack

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/fluid-drain/fluid-drain/hack/image/ociimage"
)

// ControllerFromImage builds the controller's image as `make image` does
// (dir/image, an OCI layout) and extracts the binary its entrypoint names
// to dir/alluxioruntime-controller: what the suite runs is exactly what
// the image ships. It returns the binary's path and the image's digest.
func ControllerFromImage(ctx context.Context, root, dir string) (bin, digest string, err error) {
	layoutDir := filepath.Join(dir, "image")
	res, err := ociimage.Build(ctx, ociimage.Options{Root: root, Out: layoutDir})
	if err != nil {
		return "", "", fmt.Errorf("build the controller image: %w", err)
	}
	img, err := ociimage.Load(layoutDir)
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "alluxioruntime-controller")
	if _, err := ociimage.ExtractEntrypoint(img, bin); err != nil {
		return "", "", fmt.Errorf("extract the controller from image %s: %w", res.Digest, err)
	}
	return bin, res.Digest, nil
}
