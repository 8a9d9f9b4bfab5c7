// Command demo shows a graceful scale-in from start to end on a local
// cluster, then cleans up. `make demo` builds what it needs and runs it.
//
// It starts the local cluster (test/e2e/cluster: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok, OpenKruise), the
// controller (bin/alluxioruntime-controller, its own process, the
// cluster's kubeconfig) and the Alluxio emulator (bin/alluxio-emulator,
// one emulated worker per worker pod, on the pod's IP), creates the sample
// runtime (config/samples/data_v1alpha1_alluxioruntime.yaml, adapted: 5
// workers, short timings, the master on the master node), waits until it
// is ready, makes the victims busy for a few seconds, scales it to 2
// through the scale subresource (as `kubectl scale` does), prints every
// condition and victim state change as it happens, and ends with a
// `kubectl describe`-like view of the runtime.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
	"github.com/fluid-drain/fluid-drain/test/e2e/stack"
)

// The demo's cluster keeps apart from envtest suites (pod IPs 127.0.1.x)
// and the e2e suite (127.0.2.x, nodes 127.0.3.x); its master node is
// 127.0.0.1.
const (
	podCIDR   = "127.0.4.0/24"
	namespace = "demo"
	refresh   = 2 * time.Second
)

type options struct {
	root     string
	from, to int32
	busy     time.Duration
	keep     bool
	verbose  bool
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", "", "repository root (default: found from the working directory)")
	flag.DurationVar(&o.busy, "busy", 5*time.Second, "how long the victims stay busy once the scale-in starts")
	flag.BoolVar(&o.keep, "keep", false, "keep the cluster, controller and emulator running after the demo, until Ctrl-C")
	flag.BoolVar(&o.verbose, "v", false, "print every cluster start-up step")
	flag.Parse()
	o.from, o.to = 5, 2
	start := time.Now()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	say("demo done in %s", time.Since(start).Round(time.Second))
}

func say(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func run(o options) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.root == "" {
		if o.root, err = cluster.RepoRoot(); err != nil {
			exe, _ := os.Executable()
			o.root = filepath.Dir(filepath.Dir(exe))
		}
	}
	bins := stack.BinariesIn(filepath.Join(o.root, "bin"))
	if missing := bins.Missing(); len(missing) > 0 {
		return fmt.Errorf("missing %s: run `make build` (or `make demo`)", strings.Join(missing, ", "))
	}
	if err := cluster.CheckBinaries(o.root, true); err != nil {
		return err
	}
	logDir := filepath.Join(o.root, "bin", "demo-logs")
	if err := os.RemoveAll(logDir); err != nil {
		return err
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}

	// The master runs under HostNetwork on the master node (127.0.0.1):
	// the emulator's master listens there on a free port, which becomes
	// the runtime's master web port.
	masterIP := cluster.DefaultNodeIPPrefix + "1"
	webPort, err := stack.FreePort(masterIP)
	if err != nil {
		return err
	}
	rpcPort, err := stack.FreePort(masterIP)
	if err != nil {
		return err
	}
	masterAddr := net.JoinHostPort(masterIP, fmt.Sprint(webPort))

	say("starting the local cluster: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (3 worker nodes), OpenKruise")
	logf := func(string, ...any) {}
	if o.verbose {
		logf = func(format string, args ...any) { say("  cluster: "+format, args...) }
	}
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	began := time.Now()
	kc, err := cluster.Start(startCtx, cluster.Options{
		Root:     o.root,
		LogDir:   filepath.Join(logDir, "cluster"),
		Nodes:    3,
		Kruise:   true,
		PodCIDR:  podCIDR,
		ExecPath: []string{bins.ShimDir()},
		ExecEnv:  map[string]string{"ALLUXIO_EMULATOR_URL": "http://" + masterAddr},
		CRDDirs:  []string{filepath.Join(o.root, "config", "crd", "bases")},
		Logf:     logf,
	})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping the cluster")
		err = errors.Join(err, kc.Stop())
	}()
	say("cluster ready in %s (KUBECONFIG=%s while the demo runs)", time.Since(began).Round(100*time.Millisecond), kc.KubeconfigPath)

	k8s, err := client.NewWithWatch(kc.Config, client.Options{Scheme: stack.Scheme()})
	if err != nil {
		return err
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return err
	}
	emu, err := stack.StartEmulator(ctx, stack.EmulatorOptions{
		Bin: bins.Emulator, MasterAddr: masterAddr, Kubeconfig: kc.KubeconfigPath, Namespace: namespace,
		LogPath: filepath.Join(logDir, "alluxio-emulator.log"), RefreshInterval: refresh,
		OperationDuration: 300 * time.Millisecond, IdlePollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, emu.Stop(10*time.Second)) }()
	say("Alluxio emulator up: master at %s, one worker per Running worker pod of namespace %s (pid %d)", emu.URL, namespace, emu.Pid())
	ctrl, err := stack.StartController(ctx, stack.ControllerOptions{
		Bin: bins.Controller, Kubeconfig: kc.KubeconfigPath, LogPath: filepath.Join(logDir, "alluxioruntime-controller.log"),
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, ctrl.Stop(10*time.Second)) }()
	say("controller up: %s --kubeconfig %s (pid %d)", bins.Controller, kc.KubeconfigPath, ctrl.Pid())

	rt, err := sampleRuntime(o, rpcPort, webPort)
	if err != nil {
		return err
	}
	if err := k8s.Create(ctx, rt); err != nil {
		return err
	}
	say("created AlluxioRuntime %s/%s from config/samples/data_v1alpha1_alluxioruntime.yaml (%d workers; master on node %s under HostNetwork, web port %d; scaleIn quietPeriod %s, pollInterval %s; refresh interval %s)",
		namespace, rt.Name, o.from, kc.MasterNode, webPort, rt.Spec.ScaleIn.QuietPeriod.Duration, rt.Spec.ScaleIn.PollInterval.Duration, refresh)

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if err := printChanges(watchCtx, k8s, rt); err != nil {
		return err
	}
	if err := waitFor(ctx, 2*time.Minute, "the runtime to be ready", func() (bool, error) {
		return ready(ctx, k8s, emu, rt, int(o.from))
	}); err != nil {
		return err
	}
	say("runtime Ready: %d workers running and registered with Alluxio", o.from)

	pods := &corev1.PodList{}
	if err := k8s.List(ctx, pods, client.InNamespace(namespace), client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent}); err != nil {
		return err
	}
	var victims []corev1.Pod
	for _, p := range pods.Items {
		// Compared as numbers: as strings, "10" would sort before "2".
		if ord, err := strconv.Atoi(p.Name[strings.LastIndex(p.Name, "-")+1:]); err == nil && ord >= int(o.to) {
			victims = append(victims, p)
		}
	}
	var names []string
	for _, p := range victims {
		if err := emu.SetBusy(ctx, p.Status.PodIP, stack.WorkerWebPort, true); err != nil {
			return err
		}
		names = append(names, p.Name)
	}
	say("workers %s are busy for %s (operations in flight in Alluxio), so the drain has something to wait for", strings.Join(names, ", "), o.busy)
	go func() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(o.busy):
		}
		for _, p := range victims {
			_ = emu.SetBusy(ctx, p.Status.PodIP, stack.WorkerWebPort, false)
		}
		say("workers %s are idle now", strings.Join(names, ", "))
	}()

	say("scaling %s from %d to %d workers through the scale subresource (kubectl scale alluxioruntime %s --replicas=%d)", rt.Name, o.from, o.to, rt.Name, o.to)
	scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: o.to}}
	if err := k8s.SubResource("scale").Update(ctx, rt, client.WithSubResourceBody(scale)); err != nil {
		return err
	}
	if err := waitFor(ctx, 3*time.Minute, "the scale-in to finish", func() (bool, error) {
		return scaled(ctx, k8s, rt, int(o.to))
	}); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond) // let the last changes print
	stopWatch()

	if v, err := emu.Violations(ctx); err == nil {
		if len(v) == 0 {
			say("the emulator recorded no violation: no operation reached a removed worker, no data was lost")
		} else {
			say("the emulator recorded %d violations:", len(v))
			for _, e := range v {
				fmt.Println("   ", e)
			}
		}
	}
	fmt.Printf("\n$ kubectl describe alluxioruntime %s -n %s   (as the demo prints it)\n", rt.Name, namespace)
	if err := stack.Describe(ctx, os.Stdout, k8s, rt); err != nil {
		return err
	}
	fmt.Printf("\nLogs of this run: %s\n", logDir)
	if o.keep {
		fmt.Printf("\nEverything keeps running. In another shell:\n\n    export KUBECONFIG=%s\n    kubectl -n %s get alluxioruntime,pods -o wide\n\nCtrl-C stops it.\n", kc.KubeconfigPath, namespace)
		select {
		case <-ctx.Done():
		case <-kc.Failed():
			return kc.Err()
		}
		return nil
	}
	fmt.Printf(`
To keep a local cluster running and use kubectl on it:
    make cluster                              # until Ctrl-C; state in bin/cluster
    export KUBECONFIG=%s
    kubectl get nodes -o wide
or run this demo with everything left running until Ctrl-C:
    make demo DEMO_FLAGS=-keep

`, filepath.Join(o.root, "bin", "cluster", "kubeconfig"))
	return nil
}

// sampleRuntime reads the sample and adapts it to the local cluster.
func sampleRuntime(o options, rpcPort, webPort int) (*datav1alpha1.AlluxioRuntime, error) {
	b, err := os.ReadFile(filepath.Join(o.root, "config", "samples", "data_v1alpha1_alluxioruntime.yaml"))
	if err != nil {
		return nil, err
	}
	rt := &datav1alpha1.AlluxioRuntime{}
	if err := yaml.UnmarshalStrict(b, rt); err != nil {
		return nil, fmt.Errorf("the sample runtime: %w", err)
	}
	rt.Namespace = namespace
	rt.Spec.Replicas = o.from
	if rt.Spec.Properties == nil {
		rt.Spec.Properties = map[string]string{}
	}
	rt.Spec.Properties["alluxio.user.worker.list.refresh.interval"] = refresh.String()
	rt.Spec.Master.NetworkMode = datav1alpha1.HostNetworkMode
	rt.Spec.Master.NodeSelector = map[string]string{cluster.MasterNodeLabel: "true"}
	rt.Spec.Master.Ports = map[string]int{"rpc": rpcPort, "web": webPort}
	rt.Spec.Worker.NetworkMode = datav1alpha1.ContainerNetworkMode
	rt.Spec.Worker.NodeSelector = map[string]string{cluster.WorkerNodeLabel: "true"}
	rt.Spec.ScaleIn.DrainTimeout = &metav1.Duration{Duration: 2 * time.Minute}
	rt.Spec.ScaleIn.PollInterval = &metav1.Duration{Duration: 500 * time.Millisecond}
	rt.Spec.ScaleIn.QuietPeriod = &metav1.Duration{Duration: time.Second}
	return rt, nil
}

func ready(ctx context.Context, k8s client.Client, emu *stack.Emulator, rt *datav1alpha1.AlluxioRuntime, n int) (bool, error) {
	cur := &datav1alpha1.AlluxioRuntime{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(rt), cur); err != nil {
		return false, nil
	}
	if int(cur.Status.WorkerNumberReady) != n {
		return false, nil
	}
	workers, err := emu.Workers(ctx)
	if err != nil {
		return false, nil
	}
	live := 0
	for _, w := range workers {
		if w.State == emulator.WorkerLive {
			live++
		}
	}
	return live == n, nil
}

func scaled(ctx context.Context, k8s client.Client, rt *datav1alpha1.AlluxioRuntime, n int) (bool, error) {
	cur := &datav1alpha1.AlluxioRuntime{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(rt), cur); err != nil {
		return false, nil
	}
	c := meta.FindStatusCondition(cur.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false, nil
	}
	if c.Reason != datav1alpha1.ScaledReason {
		return false, fmt.Errorf("the scale-in ended with %s: %s", c.Reason, c.Message)
	}
	pods := &corev1.PodList{}
	if err := k8s.List(ctx, pods, client.InNamespace(rt.Namespace), client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent}); err != nil {
		return false, nil
	}
	return len(pods.Items) == n, nil
}

func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// printChanges prints, as they happen, every change of the runtime's
// conditions and of the worker pods' scale-in state.
func printChanges(ctx context.Context, k8s client.WithWatch, rt *datav1alpha1.AlluxioRuntime) error {
	rtw, err := k8s.Watch(ctx, &datav1alpha1.AlluxioRuntimeList{}, client.InNamespace(rt.Namespace))
	if err != nil {
		return err
	}
	podw, err := k8s.Watch(ctx, &corev1.PodList{}, client.InNamespace(rt.Namespace),
		client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent})
	if err != nil {
		rtw.Stop()
		return err
	}
	go func() {
		defer rtw.Stop()
		seen := map[string]string{}
		for ev := range rtw.ResultChan() {
			cur, ok := ev.Object.(*datav1alpha1.AlluxioRuntime)
			if !ok || cur.Name != rt.Name {
				continue
			}
			for _, c := range cur.Status.Conditions {
				key := string(c.Status) + "/" + c.Reason + "/" + c.Message
				if seen[c.Type] == key {
					continue
				}
				seen[c.Type] = key
				say("condition %-16s %-5s %-16s %s", c.Type, c.Status, c.Reason, c.Message)
			}
		}
	}()
	go func() {
		defer podw.Stop()
		state := map[string]string{}
		terminating := map[string]bool{}
		for ev := range podw.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			if s := p.Annotations[datav1alpha1.ScaleInStateAnnotation]; s != state[p.Name] && s != "" {
				say("pod %-16s scale-in state %s", p.Name, s)
			}
			state[p.Name] = p.Annotations[datav1alpha1.ScaleInStateAnnotation]
			if p.DeletionTimestamp != nil && !terminating[p.Name] {
				terminating[p.Name] = true
				say("pod %-16s Terminating", p.Name)
			}
			if ev.Type == watch.Deleted {
				say("pod %-16s deleted", p.Name)
				delete(state, p.Name)
				delete(terminating, p.Name)
			}
		}
	}()
	return nil
}
