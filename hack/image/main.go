// Command image builds the controller's container image without a
// container engine (`make image`): an OCI image layout whose one layer
// holds the static controller binary, run as user 65532. It prints the
// image digest; the same source always gives the same digest.
//
// Push it with any OCI tool, e.g. `crane push bin/image REGISTRY/alluxioruntime-controller:TAG`
// or `skopeo copy oci:bin/image docker://REGISTRY/alluxioruntime-controller:TAG`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/fluid-drain/fluid-drain/hack/image/ociimage"
)

func main() {
	out := flag.String("out", "bin/image", "OCI image layout directory to write (replaced)")
	arch := flag.String("arch", runtime.GOARCH, "target architecture (GOARCH)")
	root := flag.String("root", ".", "module root")
	flag.Parse()
	res, err := ociimage.Build(context.Background(), ociimage.Options{Root: *root, Out: *out, Arch: *arch})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Printf("image %s (linux/%s, controller %d bytes) written to %s\n", res.Digest, *arch, res.BinarySize, *out)
	if err := os.WriteFile(*out+".digest", []byte(res.Digest+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
