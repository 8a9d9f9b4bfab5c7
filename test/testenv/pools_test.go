package testenv

import (
	"strconv"
	"testing"

	. "github.com/onsi/gomega"
)

func TestIPPoolHandsOutEachAddressOnceAndReusesReleasedOnesLast(t *testing.T) {
	g := NewWithT(t)
	p := newIPPool("127.0.1.")
	a, _ := p.allocate("a")
	b, _ := p.allocate("b")
	g.Expect([]string{a, b}).To(Equal([]string{"127.0.1.1", "127.0.1.2"}))
	p.release(a, "a")
	c, _ := p.allocate("c")
	g.Expect(c).To(Equal("127.0.1.3"), "round-robin, not lowest free")
	g.Expect(p.reserve("127.0.1.2", "other")).To(BeFalse(), "taken")
	g.Expect(p.reserve("10.0.0.1", "x")).To(BeFalse(), "not from the pool")
	for i := 0; i < 252; i++ {
		_, err := p.allocate("fill")
		g.Expect(err).NotTo(HaveOccurred())
	}
	_, err := p.allocate("one too many")
	g.Expect(err).To(HaveOccurred())
	g.Expect(p.inUse()).To(HaveLen(254))
}

func TestNodePoolKeepsANodePerPodNameAndRecyclesOnlyWhenFull(t *testing.T) {
	g := NewWithT(t)
	p := newNodePool()
	live := map[string]bool{}
	isLive := func(k string) bool { return live[k] }
	n, _ := p.assign("ns/w-0", isLive)
	g.Expect(n).To(Equal(2))
	again, _ := p.assign("ns/w-0", isLive)
	g.Expect(again).To(Equal(n), "same name, same node")
	for i := 3; i <= 254; i++ {
		key := "ns/p-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		live[key] = true
		_, err := p.assign(key, isLive)
		g.Expect(err).NotTo(HaveOccurred())
	}
	recycled, err := p.assign("ns/new", isLive)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(recycled).To(Equal(2), "ns/w-0 is not live, its node is reused")
	live["ns/new"] = true
	_, err = p.assign("ns/another", isLive)
	g.Expect(err).To(HaveOccurred())
}

func TestNodeIPIsDerivedFromFakeNodeNamesOnly(t *testing.T) {
	g := NewWithT(t)
	g.Expect(NodeIP(NodeNamePrefix + "7")).To(Equal("127.0.0.7"))
	g.Expect(NodeIP(NodeNamePrefix + "1")).To(BeEmpty())
	g.Expect(NodeIP(NodeNamePrefix + "07")).To(BeEmpty())
	g.Expect(NodeIP("worker-node")).To(BeEmpty())
}

func TestMissingBinariesAreReportedByName(t *testing.T) {
	g := NewWithT(t)
	err := checkBinaries(t.TempDir(), requiredBinaries(Options{ControllerManager: true}))
	g.Expect(err).To(MatchError(ErrBinariesMissing))
	g.Expect(err.Error()).To(ContainSubstring("etcd, kube-apiserver, kube-controller-manager"))
}

func TestIPPoolSpansSeveralPrefixes(t *testing.T) {
	g := NewWithT(t)
	p := newIPPool("127.0.1.", "127.0.2.")
	seen := map[string]bool{}
	for i := 0; i < 508; i++ {
		ip, err := p.allocate("o")
		g.Expect(err).NotTo(HaveOccurred())
		seen[ip] = true
	}
	g.Expect(seen).To(HaveLen(508))
	g.Expect(seen).To(HaveKey("127.0.1.254"))
	g.Expect(seen).To(HaveKey("127.0.2.1"))
	g.Expect(seen).To(HaveKey("127.0.2.254"))
	_, err := p.allocate("one too many")
	g.Expect(err).To(HaveOccurred())
	p.release("127.0.2.7", "o")
	g.Expect(p.reserve("127.0.2.7", "x")).To(BeTrue())
	g.Expect(p.reserve("127.0.3.7", "x")).To(BeFalse(), "not from the pool")
}

func TestNodePoolSharesNodesWhenFullOnlyIfAsked(t *testing.T) {
	g := NewWithT(t)
	p := newNodePool()
	p.share = true
	isLive := func(string) bool { return true }
	for i := 0; i < 253; i++ {
		_, err := p.assign("ns/p-"+strconv.Itoa(i), isLive)
		g.Expect(err).NotTo(HaveOccurred())
	}
	a, err := p.assign("ns/extra-a", isLive)
	g.Expect(err).NotTo(HaveOccurred())
	b, _ := p.assign("ns/extra-b", isLive)
	g.Expect([]int{a, b}).To(Equal([]int{2, 3}), "round-robin over the full nodes")
	again, _ := p.assign("ns/extra-a", isLive)
	g.Expect(again).To(Equal(a), "same name, same node")
}
