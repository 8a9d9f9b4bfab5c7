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
//	var env *testenv.Env
//
//	func TestMain(m *testing.M) {
//		root, err := testenv.RepoRoot()
//		// ... handle err
//		env, err = testenv.Start(ctx, testenv.Options{
//			CRDDirs:           []string{filepath.Join(root, "config", "crd", "bases")},
//			ControllerManager: true,
//			FakeKubelet:       &testenv.KubeletOptions{PodSelector: workerPods},
//		})
//		if errors.Is(err, testenv.ErrBinariesMissing) {
//			fmt.Println("SKIP:", err) // names `make test-binaries`
//			os.Exit(0)
//		}
//		if err != nil {
//			fmt.Println(err)
//			os.Exit(1)
//		}
//		code := m.Run()
//		if err := env.Stop(); err != nil && code == 0 {
//			code = 1
//		}
//		os.Exit(code)
//	}
//
// The fake kubelet (Options.FakeKubelet) stands in for both kube-scheduler
// and kubelet, which this control plane lacks. For each selected pod it
//   - binds it (pods/binding) to its own fake Node, NodeNamePrefix+"N"
//     with InternalIP 127.0.0.N, N>=2, kept for the pod's namespace/name;
//   - sets its status once: Running, conditions True, containers ready,
//     podIP from KubeletOptions.PodCIDRPrefix (127.0.1.1..254, unique,
//     released when the pod is gone) or, with hostNetwork, the node's IP;
//     hostIP is the node's IP; then calls OnRunning;
//   - once the pod is Terminating and has no finalizers left, deletes it
//     with grace period 0, as a kubelet confirms termination; then, when
//     it is gone, calls OnGone.
//
// Binding is needed: kube-apiserver v1.37 accepts podIP and a Running
// status on an unbound pod, but deletes an unbound pod at once, so it is
// never seen Terminating; a bound pod stays Terminating until its kubelet
// confirms, as in a real cluster.
package testenv
