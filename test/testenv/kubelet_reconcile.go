package testenv

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// reconcile moves one pod a step along: bind -> run -> (on deletion)
// confirm termination, and notices pods that are gone.
func (k *FakeKubelet) reconcile(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key we made; nothing to retry
	}
	pod, err := k.lister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		k.forget(key, "")
		return nil
	}
	if err != nil {
		return err
	}
	// A new incarnation under the same name means the old one is gone.
	k.forget(key, pod.UID)
	t := k.track(key, pod)

	switch {
	case pod.DeletionTimestamp != nil:
		return k.confirmTermination(ctx, pod)
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return nil
	case pod.Spec.NodeName == "":
		return k.bind(ctx, key, pod)
	case !t.running:
		return k.run(ctx, key, pod, t)
	}
	return nil
}

// track returns the record for pod's current incarnation, creating it.
func (k *FakeKubelet) track(key string, pod *corev1.Pod) *trackedPod {
	k.mu.Lock()
	defer k.mu.Unlock()
	t := k.pods[key]
	if t == nil {
		t = &trackedPod{uid: pod.UID}
		k.pods[key] = t
	}
	t.last = pod
	return t
}

// forget drops the record for key unless it belongs to keepUID, releasing
// its pod IP and calling OnGone if OnRunning was called for it.
func (k *FakeKubelet) forget(key string, keepUID types.UID) {
	k.mu.Lock()
	t := k.pods[key]
	if t == nil || t.uid == keepUID {
		k.mu.Unlock()
		return
	}
	delete(k.pods, key)
	k.mu.Unlock()

	if t.ip != "" {
		k.ips.release(t.ip, string(t.uid))
	}
	k.log.Info("pod gone", "pod", key, "uid", t.uid, "podIP", t.ip)
	if t.running && k.opts.OnGone != nil {
		k.opts.OnGone(t.last.DeepCopy())
	}
}

// live reports whether a pod with this key is known to exist.
func (k *FakeKubelet) live(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.pods[key]
	return ok
}

// bind plays the scheduler: there is none in this control plane, and a
// pod must be bound for the API server to delete it gracefully (an
// unbound pod is removed at once, so it would never be seen Terminating).
// Binding goes through pods/binding like kube-scheduler's.
func (k *FakeKubelet) bind(ctx context.Context, key string, pod *corev1.Pod) error {
	n, err := k.nodes.assign(key, k.live)
	if err != nil {
		return err
	}
	if err := k.nodes.ensureNode(ctx, k.cs, n); err != nil {
		return err
	}
	nodeName := fmt.Sprintf("%s%d", NodeNamePrefix, n)
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: nodeName},
	}
	err = k.cs.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil // bound meanwhile, or deleted: the next event says which
	}
	if err != nil {
		return fmt.Errorf("binding to %s: %w", nodeName, err)
	}
	k.log.V(1).Info("pod bound", "pod", key, "node", nodeName)
	return nil
}

// run sets the pod Running and Ready with its IPs, once per incarnation;
// later edits of the status by others are left alone.
func (k *FakeKubelet) run(ctx context.Context, key string, pod *corev1.Pod, t *trackedPod) error {
	hostIP, err := k.hostIP(ctx, pod.Spec.NodeName)
	if err != nil {
		return err
	}
	podIP := hostIP
	if !pod.Spec.HostNetwork {
		if podIP, err = k.podIP(pod, t); err != nil {
			return err
		}
	}
	running := pod.DeepCopy()
	setRunning(running, hostIP, podIP)
	updated, err := k.cs.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, running, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("setting status: %w", err) // conflicts retry with the fresh pod
	}
	k.mu.Lock()
	t.running, t.last = true, updated
	k.mu.Unlock()
	k.log.Info("pod running", "pod", key, "node", pod.Spec.NodeName, "podIP", podIP, "hostIP", hostIP)
	if k.opts.OnRunning != nil {
		k.opts.OnRunning(updated.DeepCopy())
	}
	return nil
}

// podIP returns the pool address of this incarnation, allocating it on
// first use (or adopting the one already in its status).
func (k *FakeKubelet) podIP(pod *corev1.Pod, t *trackedPod) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t.ip != "" {
		return t.ip, nil
	}
	owner := string(pod.UID)
	if ip := pod.Status.PodIP; ip != "" && k.ips.reserve(ip, owner) {
		t.ip = ip
		return ip, nil
	}
	ip, err := k.ips.allocate(owner)
	if err != nil {
		return "", err
	}
	t.ip = ip
	return ip, nil
}

// hostIP is the InternalIP of the pod's node: computed for fake nodes,
// read from the Node for any other (a nodeName set by the pod's author),
// and 127.0.0.1 when that Node has none or does not exist.
func (k *FakeKubelet) hostIP(ctx context.Context, nodeName string) (string, error) {
	if ip := NodeIP(nodeName); ip != "" {
		return ip, nil
	}
	node, err := k.cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "127.0.0.1", nil
	}
	if err != nil {
		return "", err
	}
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address, nil
		}
	}
	return "127.0.0.1", nil
}

// confirmTermination does what a kubelet does once a bound pod's
// containers have stopped: delete it with grace period 0. It waits for
// the finalizers to go first, so a finalizer keeps the pod Terminating
// (and, here, still Running and Ready) for as long as it is held. Unbound
// pods need nothing: the API server removes them once finalizers are
// empty.
func (k *FakeKubelet) confirmTermination(ctx context.Context, pod *corev1.Pod) error {
	if len(pod.Finalizers) > 0 || pod.Spec.NodeName == "" {
		return nil
	}
	zero := int64(0)
	err := k.cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}
