// Package cluster runs a real, local Kubernetes cluster made of separate
// processes, for the end-to-end tests and `make cluster` / `make demo`:
//
//   - etcd and kube-apiserver (RBAC, a client-certificate admin in group
//     system:masters, exec/logs sent to each node's InternalIP);
//   - kube-controller-manager (ControllerManagerControllers) as
//     ControllerManagerUser, each controller under its own service
//     account in kube-system (the StatefulSet controller's requests come
//     from StatefulSetControllerUser), and kube-scheduler as
//     SchedulerUser, as kubeadm sets them up; all three binaries must
//     report KubernetesVersion (`make cluster-binaries` stamps it);
//   - kwok as the kubelet of every node: pods become Running with IPs
//     from Options.PodCIDR (127.0.1.0/24), hostNetwork pods get their
//     node's IP, deleted pods go away once their finalizers are gone, and
//     exec runs the command on this machine, looked up on a PATH that
//     starts with Root/bin (where `make build` puts the `alluxio` shim),
//     with Options.ExecEnv set (e.g. ALLUXIO_EMULATOR_URL);
//   - with Options.PodExecs, kwok also takes per-pod Exec objects from
//     the API, so a pod's exec can have its own environment;
//   - with Options.Kruise, the OpenKruise manager, its CRDs and webhooks
//     (apps.kruise.io/v1beta1 StatefulSets with reserveOrdinals).
//
// Nodes: MasterNodeName (label MasterNodeLabel=true, InternalIP
// NodeIPPrefix+"1") and Options.Nodes workers, WorkerNodePrefix+"1", ...
// (label WorkerNodeLabel=true, InternalIPs NodeIPPrefix+"2", ...). No
// taints. kwok serves the kubelet API on the master node's address; each
// worker node's address is forwarded to it, so exec works on every node.
//
// Every binary comes from Root/bin/k8s (`make cluster-binaries`); kwok's
// stages and Kruise's manifests come from the Go module cache. Everything
// listens on, and talks to, 127.0.0.0/8 only; ports are picked free at
// Start, so several clusters can run at once (give them distinct PodCIDR
// and NodeIPPrefix if their pods serve on their IPs).
//
// Usage:
//
//	c, err := cluster.Start(ctx, cluster.Options{
//		Kruise:  true,
//		ExecEnv: map[string]string{"ALLUXIO_EMULATOR_URL": "http://127.0.0.1:19999"},
//		Logf:    t.Logf,
//	})
//	if errors.Is(err, cluster.ErrBinariesMissing) {
//		t.Skip(err) // names `make cluster-binaries`
//	}
//	defer c.Stop()
//	// c.Config, c.Clientset, c.KubeconfigPath (for a controller process or kubectl)
//
// Start returns once every node is Ready and Kruise's webhooks answer.
// Each component runs in its own process group and dies with the process
// that started it (Pdeathsig), so a killed test leaves nothing behind;
// Stop ends them all, newest first, and waits for each. Failed is closed
// if a component exits while the cluster runs (Err says which; its log
// is in LogDir).
//
// Run starts further processes beside the cluster (e.g. controllers
// under test), watched and stopped like its components.
//
// Options.Dir (`make cluster` uses bin/cluster) is locked while its
// cluster runs (Dir+".lock"), so a second Start on it fails instead of
// wiping it.
//
// Alluxio workers: `alluxio-emulator -kubeconfig KUBECONFIG
// -watch-namespace NS` (cmd/alluxio-emulator) runs one emulated worker per
// Running worker pod, on the pod's IP and its "rpc"/"web" container ports,
// and removes it once the pod terminates, as the pod's Alluxio process
// would come and go.
//
// Not a real kubelet: no containers run, a pod's exec runs on this
// machine whatever its image, and a non-zero exit comes back as an error
// whose message ends with "exit status N" rather than as an exit code.
// Nothing routes Service ClusterIPs (ServiceCIDR).
package cluster
