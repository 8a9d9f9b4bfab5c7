package operations

import (
	"context"
	"regexp"
	"strconv"
)

// Version returns the Alluxio version the master reports in
// /api/v1/master/info, e.g. "2.9.3" or "2.10.0-SNAPSHOT". It costs one
// HTTP GET, much less than running the `alluxio version` JVM.
func (c *Client) Version(ctx context.Context) (string, error) {
	info, err := c.masterInfo(ctx)
	if err != nil {
		return "", err
	}
	return info.Version, nil
}

var majorMinor = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.(\d+))?`)

// SupportsDecommission tells from a version string whether Alluxio has
// `fsadmin decommissionWorker`, `enableWorker` and the workers'
// /api/v1/worker/operations endpoint: open-source 2.9.4 and later 2.x
// (the jars on Maven Central: 2.9.4's shell has DecommissionWorkerCommand,
// 2.9.3's has not; test/conformance runs real 2.9.6 and 2.9.3).
//
// It is a pre-flight hint, deliberately simple:
//   - the 2.8 enterprise line has the commands too, but its version
//     string cannot be told from open-source 2.8 here, so it reads false;
//   - 3.x manages workers through etcd membership, with another
//     procedure, so it reads false;
//   - unparsable versions read false.
//
// The authoritative answer is the CLI's: Decommission returns an
// *UnsupportedError when the command is missing.
func SupportsDecommission(version string) bool {
	m := majorMinor.FindStringSubmatch(version)
	if m == nil {
		return false
	}
	major, errMajor := strconv.Atoi(m[1])
	minor, errMinor := strconv.Atoi(m[2])
	if errMajor != nil || errMinor != nil {
		return false
	}
	patch := 0
	if m[3] != "" {
		patch, _ = strconv.Atoi(m[3])
	}
	return major == 2 && (minor >= 10 || (minor == 9 && patch >= 4))
}
