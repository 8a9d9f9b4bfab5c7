// Command image builds the controller's container image without a
// container engine (`make image`, `make release`): an OCI image layout
// whose one layer holds the static controller binary, run as user 65532.
// It prints the image digest; the same source always gives the same
// digest. With -platforms it writes one image index of several
// linux/<arch> images instead.
//
// Push it with any OCI tool, e.g. `crane push bin/image REGISTRY/alluxioruntime-controller:TAG`
// or `skopeo copy --all oci:bin/release/image docker://REGISTRY/alluxioruntime-controller:TAG`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/fluid-drain/fluid-drain/hack/image/ociimage"
)

func main() {
	out := flag.String("out", "bin/image", "OCI image layout directory to write (replaced)")
	arch := flag.String("arch", runtime.GOARCH, "target architecture (GOARCH) of a single-platform image")
	platforms := flag.String("platforms", "", "comma-separated architectures, e.g. amd64,arm64: write one image index of a linux image for each")
	root := flag.String("root", ".", "module root")
	version := flag.String("version", "", "release stamped into the binary and the OCI labels (VERSION)")
	revision := flag.String("revision", "", "commit stamped into the binary and the OCI labels")
	flag.Parse()
	opts := ociimage.Options{Root: *root, Out: *out, Arch: *arch, Version: *version, Revision: *revision}
	var digest string
	if *platforms != "" {
		archs := strings.Split(*platforms, ",")
		res, err := ociimage.BuildIndex(context.Background(), opts, archs)
		if err != nil {
			fail(err)
		}
		digest = res.Digest
		fmt.Printf("image index %s (linux/%s) written to %s\n", res.Digest, strings.Join(archs, ", linux/"), *out)
	} else {
		res, err := ociimage.Build(context.Background(), opts)
		if err != nil {
			fail(err)
		}
		digest = res.Digest
		fmt.Printf("image %s (linux/%s, controller %d bytes) written to %s\n", res.Digest, *arch, res.BinarySize, *out)
	}
	if err := os.WriteFile(*out+".digest", []byte(digest+"\n"), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
