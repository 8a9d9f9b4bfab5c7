// Package runner is a small "kubelet" for Alluxio containers: for each
// Running pod of a Fluid-made Alluxio master or worker set, it runs the
// real Alluxio 2.x server of each container (master, worker, and on
// request the job master and job worker) as a JVM on this machine,
// from the jars hack/alluxio/fetch.sh resolves, and stops it when the pod
// goes.
//
// Each process is configured from its pod (see Translate):
//
//   - the container's env and the ConfigMaps it references
//     (ALLUXIO_JAVA_OPTS and ALLUXIO_<COMPONENT>_JAVA_OPTS, with ${VAR}
//     expanded from the env), so the ports Fluid allocated are the ones
//     served;
//   - bound to the pod's IP (a loopback address on the local cluster);
//   - the journal and every tiered-store directory under the pod's own
//     temporary folder, which goes with the pod (a worker removed before
//     it drained loses what it cached, as on a real node);
//   - names that would need cluster DNS (a pod's or a Service's) mapped to
//     the pod IPs behind them;
//   - the master's update check off: nothing leaves this machine;
//   - other absolute paths (the under store /underFSStorage) under the
//     pod's root folder, where each hostPath or emptyDir volume is a
//     symbolic link to its folder on this machine.
//
// Exec: for every pod it runs, the runner creates a kwok Exec
// (kwok.x-k8s.io/v1alpha1, named after the pod, owned by it) whose env
// names the pod's folder (PodDirEnv). The commands WriteShims puts on
// kwok's exec PATH use it: `alluxio ...` runs the real Alluxio CLI with
// the pod's own client configuration, `du` sees the pod's paths. The
// cluster must run kwok with the Exec CRD enabled (cluster.Options.PodExecs).
//
// The job service (containers alluxio-job-master and alluxio-job-worker)
// is run only for the runtimes named in Config.JobService or
// SetJobService: on two cores, twice the JVMs slow everything down, and
// nothing Fluid does to set a runtime up needs it. Their pods are
// translated like the others (ALLUXIO_JOB_MASTER_JAVA_OPTS,
// ALLUXIO_JOB_WORKER_JAVA_OPTS and the ports Fluid allocated, bound to the
// pod's IP), the job master's journal beside the master's, each with a
// 128 MB heap. Without it, ASYNC_THROUGH files are never persisted (they
// stay TO_BE_PERSISTED, cached only) and `alluxio fs persist` fails; the
// runner logs the two containers as not run (Plan.Skipped).
//
// Not a real kubelet: a process that exits is not restarted (its pod
// stays Running), and probes are not run.
package runner
