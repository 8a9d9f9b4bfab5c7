// Package conformance runs one table of cases against a real Alluxio
// cluster (started by test/conformance/realalluxio from Maven Central
// jars) and against the emulator (pkg/ddc/alluxio/emulator) configured
// with the same version, both through the real operations client, and
// compares what they answer: the master's REST view, `fsadmin report
// capacity` text, worker activity, the version, lost-worker detection,
// and decommissionWorker / enableWorker.
//
//	go test ./test/conformance/... -count=1 -v
//
// ALLUXIO_CONFORMANCE_VERSIONS (default "2.9.6,2.9.3") picks the Alluxio
// versions. Without java or mvn on PATH the suite fails and prints the
// install line (apt-get install -y openjdk-17-jre-headless maven);
// SKIP_REAL_ALLUXIO=1 skips it instead, and `make test` says so at the end.
package conformance
