// Package bench measures graceful scale-in against a real control plane
// (kube-apiserver, the real kube-controller-manager, the testenv fake
// kubelet) and the in-process Alluxio emulator, and writes BENCHMARKS.md
// at the repository root.
//
// `make bench` (BENCH=1 go test ./test/bench/ -run TestBench -timeout 2h)
// runs every measurement; BENCH_RUNS (default 3) is how often each
// figure is measured, BENCH_RUNTIMES (default 100) how many runtimes the
// many-runtimes figure scales at once, BENCH_PODS (default 10000) how many
// unrelated pods the memory figure creates. Without BENCH=1 only
// TestSmoke runs: one tiny scale-in, no timing asserted, and nothing is
// written.
package bench
