package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// podWorkers keeps one emulated worker per live worker pod, the way each
// worker pod's Alluxio process would run and register with the master:
// a pod that is Running with an IP gets a worker on podIP (the node's IP
// under hostNetwork) and its "rpc"/"web" container ports; the worker is
// removed (the process is killed) once the pod is terminating (a kubelet
// stops its containers then), stops running, loses its IP, or is gone.
type podWorkers struct {
	emu                    *emulator.Cluster
	defaultRPC, defaultWeb int32
	out                    io.Writer

	mu      sync.Mutex
	running map[string]podWorker // pod namespace/name -> its worker
}

type podWorker struct {
	host     string
	rpc, web int32
}

// watchWorkerPods runs until ctx ends: it lists and watches the pods of
// namespace ("" for all) matching selector and keeps their workers.
func watchWorkerPods(ctx context.Context, cs kubernetes.Interface, namespace, selector string, pw *podWorkers) error {
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 10*time.Minute,
		informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }))
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { pw.sync(obj) },
		UpdateFunc: func(_, obj any) { pw.sync(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				pw.remove(pod.Namespace + "/" + pod.Name)
			}
		},
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("watching worker pods: %w", ctx.Err())
	}
	fmt.Fprintf(pw.out, "alluxio-emulator: watching pods %q in %s\n", selector, namespaceName(namespace))
	<-ctx.Done()
	return nil
}

func namespaceName(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}

func (pw *podWorkers) sync(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	key := pod.Namespace + "/" + pod.Name
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "" {
		pw.remove(key)
		return
	}
	want := podWorker{host: pod.Status.PodIP, rpc: pw.defaultRPC, web: pw.defaultWeb}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			switch p.Name {
			case "rpc":
				want.rpc = p.ContainerPort
			case "web":
				want.web = p.ContainerPort
			}
		}
	}
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if have, ok := pw.running[key]; ok {
		if have == want || (want.web == 0 && have.host == want.host && have.rpc == want.rpc) {
			return
		}
		pw.emu.RemoveWorker(have.host, have.web)
		delete(pw.running, key)
	}
	w, err := pw.emu.AddWorker(want.host, want.rpc, want.web)
	if err != nil {
		fmt.Fprintf(pw.out, "alluxio-emulator: pod %s: %v\n", key, err)
		return
	}
	pw.running[key] = want
	if want.web == 0 { // a free port was picked: remember which
		pw.running[key] = podWorker{host: want.host, rpc: want.rpc, web: w.WebPort}
		want.web = w.WebPort
	}
	fmt.Fprintf(pw.out, "alluxio-emulator: pod %s: worker %s:%d (rpc %d) started\n", key, want.host, want.web, want.rpc)
}

func (pw *podWorkers) remove(key string) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	have, ok := pw.running[key]
	if !ok {
		return
	}
	pw.emu.RemoveWorker(have.host, have.web)
	delete(pw.running, key)
	fmt.Fprintf(pw.out, "alluxio-emulator: pod %s: worker %s:%d removed\n", key, have.host, have.web)
}

// watchFlags configure the pod-watching mode (-kubeconfig).
type watchFlags struct {
	kubeconfig, namespace, selector string
	rpcPort, webPort                int
}

func (f watchFlags) run(ctx context.Context, c *emulator.Cluster) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", f.kubeconfig)
	if err != nil {
		return fmt.Errorf("-kubeconfig %s: %w", f.kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := labels.Parse(f.selector); err != nil {
		return fmt.Errorf("-watch-selector: %w", err)
	}
	// Fail at start if the cluster cannot be reached; keep watching after.
	listCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Pods(f.namespace).List(listCtx, metav1.ListOptions{LabelSelector: f.selector, Limit: 1}); err != nil {
		return fmt.Errorf("listing worker pods with -kubeconfig %s: %w", f.kubeconfig, err)
	}
	pw := &podWorkers{emu: c, defaultRPC: int32(f.rpcPort), defaultWeb: int32(f.webPort), out: os.Stderr, running: map[string]podWorker{}}
	go func() {
		if err := watchWorkerPods(ctx, cs, f.namespace, f.selector, pw); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "alluxio-emulator:", err)
		}
	}()
	return nil
}
