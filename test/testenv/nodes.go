package testenv

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// NodeNamePrefix names the fake nodes: node NodeNamePrefix+"N" has the
// InternalIP 127.0.0.N (N in 2..254; 127.0.0.1 is left to the control
// plane).
const NodeNamePrefix = "testenv-node-"

const (
	firstNodeOctet = 2
	lastNodeOctet  = 254
)

// NodeIP returns the InternalIP of a fake node, or "" if name is not one.
func NodeIP(name string) string {
	n, ok := nodeOctet(name)
	if !ok {
		return ""
	}
	return fmt.Sprintf("127.0.0.%d", n)
}

func nodeOctet(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, NodeNamePrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < firstNodeOctet || n > lastNodeOctet || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n, true
}

// nodePool gives every pod, by namespace/name, its own fake node, and
// keeps that node for the name: a StatefulSet pod that is deleted and
// recreated comes back on the same node, so with hostNetwork it keeps
// its address, as an Alluxio worker identity under HostNetwork expects.
// One node per pod also means no two hostNetwork pods share an address.
// Only when all 253 nodes are taken is a node whose pod no longer exists
// handed to a new name.
type nodePool struct {
	mu      sync.Mutex
	byPod   map[string]int // pod key -> octet
	owner   map[int]string // octet -> pod key
	created map[int]bool   // Node objects already created
	// share: when every node is held by a live pod, hand nodes out
	// round-robin to more than one pod (KubeletOptions.ShareNodes).
	share     bool
	nextShare int
}

func newNodePool() *nodePool {
	return &nodePool{byPod: map[string]int{}, owner: map[int]string{}, created: map[int]bool{}}
}

// assign returns the node octet for podKey; live reports whether a pod
// key still has a pod, to find a node to recycle when all are taken.
func (p *nodePool) assign(podKey string, live func(string) bool) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.byPod[podKey]; ok {
		return n, nil
	}
	for n := firstNodeOctet; n <= lastNodeOctet; n++ {
		if _, taken := p.owner[n]; !taken {
			p.take(n, podKey)
			return n, nil
		}
	}
	for n := firstNodeOctet; n <= lastNodeOctet; n++ {
		if old := p.owner[n]; !live(old) {
			delete(p.byPod, old)
			p.take(n, podKey)
			return n, nil
		}
	}
	if p.share {
		n := firstNodeOctet + p.nextShare%(lastNodeOctet-firstNodeOctet+1)
		p.nextShare++
		p.byPod[podKey] = n // the node's owner stays the first pod
		return n, nil
	}
	return 0, fmt.Errorf("all %d fake nodes are held by live pods", lastNodeOctet-firstNodeOctet+1)
}

func (p *nodePool) take(n int, podKey string) {
	p.byPod[podKey] = n
	p.owner[n] = podKey
}

// ensureNode creates the Node for octet n once. Nodes are created Ready,
// with an InternalIP and a Hostname address; no node-lifecycle controller
// runs, so nobody marks them NotReady later.
func (p *nodePool) ensureNode(ctx context.Context, cs kubernetes.Interface, n int) error {
	p.mu.Lock()
	done := p.created[n]
	p.mu.Unlock()
	if done {
		return nil
	}
	name := fmt.Sprintf("%s%d", NodeNamePrefix, n)
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{corev1.LabelHostname: name, "testenv.fluid-drain.io/fake-node": "true"},
		},
		Status: corev1.NodeStatus{
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: NodeIP(name)},
				{Type: corev1.NodeHostName, Address: name},
			},
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue,
				Reason: "FakeKubeletReady", Message: "testenv fake kubelet",
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
			}},
			Capacity:    fakeNodeResources(),
			Allocatable: fakeNodeResources(),
		},
	}
	created, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
	case err != nil:
		return fmt.Errorf("creating node %s: %w", name, err)
	case len(created.Status.Addresses) == 0:
		// Defensive: should create ever drop status, set it explicitly.
		created.Status = node.Status
		if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("setting status of node %s: %w", name, err)
		}
	}
	p.mu.Lock()
	p.created[n] = true
	p.mu.Unlock()
	return nil
}

func fakeNodeResources() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
}
