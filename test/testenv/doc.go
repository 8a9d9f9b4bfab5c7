// Package testenv starts a real, local Kubernetes control plane for the
// project's envtest suites: etcd and kube-apiserver (through
// controller-runtime's envtest), optionally the real
// kube-controller-manager (StatefulSet and garbage-collector controllers)
// and a fake kubelet that makes pods Running/Ready with loopback IPs.
//
// Every binary comes from <repo root>/bin/k8s (built by `make
// test-binaries`); nothing is downloaded. All traffic stays on 127.0.0.0/8.
//
// Start it once per test package, from TestMain:
//
//	func TestMain(m *testing.M) {
//		env, err := testenv.Start(ctx, testenv.Options{ControllerManager: true,
//			FakeKubelet: &testenv.KubeletOptions{}})
//		if errors.Is(err, testenv.ErrBinariesMissing) { /* skip: run make test-binaries */ }
//		code := m.Run()
//		_ = env.Stop()
//		os.Exit(code)
//	}
package testenv
