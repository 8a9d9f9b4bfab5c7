package testenv

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// DefaultPodCIDRPrefix is where pod IPs come from unless
// KubeletOptions.PodCIDRPrefix says otherwise: 127.0.1.1 .. 127.0.1.254.
const DefaultPodCIDRPrefix = "127.0.1."

// KubeletOptions configure the fake kubelet.
type KubeletOptions struct {
	// PodSelector limits the pods the fake kubelet schedules and runs;
	// nil means every pod. A pod whose labels stop matching is treated as
	// gone.
	PodSelector labels.Selector
	// PodCIDRPrefix is the first three octets plus dot of the pod IP pool
	// (prefix+1 .. prefix+254); default DefaultPodCIDRPrefix. Keep it in
	// 127.0.0.0/8 and away from 127.0.0.x, which the fake nodes use.
	PodCIDRPrefix string
	// MorePodCIDRPrefixes extend the pool past 254 pods: their addresses
	// are handed out after PodCIDRPrefix's, e.g. "127.0.2.", "127.0.3.".
	// The same rules as for PodCIDRPrefix apply.
	MorePodCIDRPrefixes []string
	// ShareNodes lets pods share a fake node once all 253 are held by
	// live pods (otherwise binding fails until one is free). Shared
	// nodes are handed out round-robin. Only for pods without
	// hostNetwork: two hostNetwork pods on one node share its address.
	ShareNodes bool
	// OnRunning is called once per pod (per UID) right after its status
	// was set Running/Ready, with the updated pod. Emulators start here,
	// listening on the pod's IP.
	OnRunning func(*corev1.Pod)
	// OnGone is called once the pod has disappeared from the API (or no
	// longer matches the selector), with the last pod seen, for every pod
	// OnRunning was called for. Its pod IP is released right before.
	OnGone func(*corev1.Pod)
}

// FakeKubelet plays scheduler and kubelet for the pods it selects; it
// never sends traffic to pod or node IPs. See Env for what it does.
//
// Callbacks run on its single worker goroutine, one at a time and in
// event order; a slow callback delays every other pod.
type FakeKubelet struct {
	opts   KubeletOptions
	cs     kubernetes.Interface
	log    logr.Logger
	ips    *ipPool
	nodes  *nodePool
	queue  workqueue.TypedRateLimitingInterface[string]
	lister corelisters.PodLister

	mu   sync.Mutex
	pods map[string]*trackedPod // by namespace/name

	cancel  context.CancelFunc
	stopped chan struct{}
}

// trackedPod is what the kubelet remembers about one incarnation of a pod.
type trackedPod struct {
	uid     types.UID
	last    *corev1.Pod // last state seen, handed to OnGone
	ip      string      // from the pool; "" for hostNetwork pods
	running bool        // status set and OnRunning called
}

func newFakeKubelet(cs kubernetes.Interface, opts KubeletOptions, log logr.Logger) *FakeKubelet {
	if opts.PodSelector == nil {
		opts.PodSelector = labels.Everything()
	}
	if opts.PodCIDRPrefix == "" {
		opts.PodCIDRPrefix = DefaultPodCIDRPrefix
	}
	k := &FakeKubelet{
		opts:  opts,
		cs:    cs,
		log:   log,
		ips:   newIPPool(append([]string{opts.PodCIDRPrefix}, opts.MorePodCIDRPrefixes...)...),
		nodes: newNodePool(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 2*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "testenv-fake-kubelet"}),
		pods: map[string]*trackedPod{},
	}
	k.nodes.share = opts.ShareNodes
	return k
}

// start runs the informer and the worker until stop; ctx bounds only the
// wait for the first list.
func (k *FakeKubelet) start(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k.cancel = cancel
	k.stopped = make(chan struct{})

	factory := informers.NewSharedInformerFactoryWithOptions(k.cs, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = k.opts.PodSelector.String() }))
	informer := factory.Core().V1().Pods()
	k.lister = informer.Lister()
	if _, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    k.enqueue,
		UpdateFunc: func(_, obj any) { k.enqueue(obj) },
		DeleteFunc: k.onDelete,
	}); err != nil {
		cancel()
		return err
	}
	factory.Start(runCtx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			cancel()
			factory.Shutdown()
			return fmt.Errorf("fake kubelet: cache for %v did not sync", typ)
		}
	}
	go func() {
		defer close(k.stopped)
		defer factory.Shutdown()
		go func() { <-runCtx.Done(); k.queue.ShutDown() }()
		for k.processNext(runCtx) {
		}
	}()
	return nil
}

// stop ends the worker and the informer and waits for both.
func (k *FakeKubelet) stop() {
	if k.cancel == nil {
		return
	}
	k.cancel()
	<-k.stopped
}

// AllocatedIPs returns pod IP -> "namespace/name" for the addresses of the
// pool now in use.
func (k *FakeKubelet) AllocatedIPs() map[string]string {
	byUID := k.ips.inUse()
	k.mu.Lock()
	defer k.mu.Unlock()
	names := map[types.UID]string{}
	for key, t := range k.pods {
		names[t.uid] = key
	}
	out := make(map[string]string, len(byUID))
	for ip, uid := range byUID {
		out[ip] = names[types.UID(uid)]
	}
	return out
}

func (k *FakeKubelet) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		k.queue.Add(key)
	}
}

// onDelete keeps the final state of a deleted pod for OnGone.
func (k *FakeKubelet) onDelete(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		key := cache.MetaObjectToName(pod).String()
		k.mu.Lock()
		if t := k.pods[key]; t != nil && t.uid == pod.UID {
			t.last = pod
		}
		k.mu.Unlock()
	}
	k.enqueue(obj)
}

func (k *FakeKubelet) processNext(ctx context.Context) bool {
	key, quit := k.queue.Get()
	if quit {
		return false
	}
	defer k.queue.Done(key)
	if err := k.reconcile(ctx, key); err != nil {
		if ctx.Err() == nil {
			k.log.V(1).Info("retrying pod", "pod", key, "error", err.Error())
		}
		k.queue.AddRateLimited(key)
		return true
	}
	k.queue.Forget(key)
	return true
}
