// Package bench measures graceful scale-in against a real control plane
// (kube-apiserver, the real kube-controller-manager, the testenv fake
// kubelet) and the in-process Alluxio emulator, and writes BENCHMARKS.md
// at the repository root.
//
// `make bench` (BENCH=1 go test ./test/bench/ -run TestBench -timeout 3h)
// runs every measurement and checks every run (cluster.check): a run
// whose scale-in was wrong fails the bench after the file is written.
// Knobs: BENCH_RUNS (default 3) is how often each figure is measured,
// BENCH_VICTIMS (default 1,10,50) the victims of the one-runtime cases,
// BENCH_RUNTIMES (default 100) how many runtimes the many-runtimes figure
// scales at once, BENCH_SWEEP (default 2,8) the other numbers of
// concurrent reconciles it is measured with, BENCH_PODS (default 10000)
// how many unrelated pods the memory figure creates. For development:
// BENCH_ONLY=<regexp> measures only the cases whose name matches and
// writes no file, BENCH_CONCURRENCY=n runs the controller with n
// concurrent reconciles, BENCH_LOG=<file> appends the controller's log
// with wall-clock times. test/bench/with_fluid.md, when present, is
// copied into the file as its "With Fluid itself" section. Without
// BENCH=1 only TestSmoke (one tiny checked scale-in, no timing asserted)
// and TestControllerCPU run, and nothing is written.
package bench
