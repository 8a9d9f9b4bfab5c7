package scalein

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"

	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// The heart of the product: 5 workers to 2. The three highest ordinals
// are decommissioned, waited on while busy, and removed only once idle;
// every phase shows on the runtime and the pods; nothing is lost.
func TestScaleInFiveToTwoDrainsBeforeRemoving(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(5)
	f.waitReady(5)
	h := f.record()

	// Work in flight on the victims that never ends until we say so, and
	// a client reading throughout.
	victims := []string{"cache-worker-2", "cache-worker-3", "cache-worker-4"}
	ips := map[string]string{}
	for _, name := range victims {
		pod, ok := f.pod(name)
		f.g.Expect(ok).To(BeTrue())
		ips[name] = pod.Status.PodIP
		f.emu.SetBusy(pod.Status.PodIP, 30000, true)
	}
	stopClient := f.runClient()

	f.scaleTo(2)
	// While the victims are busy they stay, and say why.
	f.g.Eventually(f.conditionText, long, 100*time.Millisecond).Should(And(HavePrefix("Draining"), ContainSubstring("operations in flight")))
	f.g.Consistently(func() int { return len(f.workerPods()) }, 3*time.Second, 200*time.Millisecond).Should(Equal(5),
		"no victim may leave while Alluxio reports it busy")
	f.g.Expect(f.workerSetReplicas()).To(Equal(int32(5)), "replicas drop only once every victim drained")

	for _, name := range victims {
		f.emu.SetBusy(ips[name], 30000, false)
	}
	f.waitScaled(2)
	stopClient()
	f.g.Expect(f.workerSetReplicas()).To(Equal(int32(2)))

	reasons, podStates, deletedBusy := h.snapshot()
	// Chosen, decommissioned and confirmed in one reconcile: the first
	// record a victim gets already says Decommissioning, and the
	// condition first says what the scale-in waits for, the drain.
	f.g.Expect(framework.InOrder(reasons, []string{"Draining", "Scaled"})).To(BeTrue(), "condition reasons seen: %v", reasons)
	for _, name := range victims {
		f.g.Expect(podStates[name]).To(Equal([]string{"Decommissioning", "Draining", "Scaled"}), name)
	}
	f.g.Expect(podStates).NotTo(HaveKey("cache-worker-0"))
	f.g.Expect(podStates).NotTo(HaveKey("cache-worker-1"))
	f.g.Expect(deletedBusy).To(BeEmpty(), "pods deleted while their worker was busy")
	f.g.Expect(f.emu.Violations()).To(BeEmpty(), "no operation may reach a removed worker, no data may be lost")
	c := f.scaledIn()
	f.g.Expect(c.Message).To(ContainSubstring("scaled in from 5 to 2 workers"))
	f.g.Expect(f.logs.Lines()).To(BeEmpty(), "a normal scale-in logs no Error")
}

// runClient reads through the emulated Alluxio client until stopped.
func (f *fixture) runClient() (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			_, _ = f.emu.ClientOp(fmt.Sprintf("/data/file-%d", i%17))
		}
	}()
	return func() { close(done); <-stopped }
}

// A worker Alluxio never heard of has nothing to drain: it leaves at once
// and the runtime says why.
func TestScaleInOfUnregisteredWorkerMovesOnAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(3)
	f.waitReady(3)
	pod, _ := f.pod("cache-worker-2")
	// The worker process died without the master noticing yet... or never
	// registered: either way the master does not list it as live.
	f.emu.RemoveWorker(pod.Status.PodIP, 30000)
	h := f.record()
	f.scaleTo(2)
	f.waitScaled(2)
	_, podStates, _ := h.snapshot()
	f.g.Expect(podStates["cache-worker-2"]).To(Equal([]string{"Scaled"}))
}

// With GracefulScaleIn off, scale-in is Fluid's plain replica drop and no
// pod ever carries our finalizer.
func TestGracefulScaleInOffDropsReplicasAtOnce(t *testing.T) {
	f := newFixture(t, map[string]bool{"GracefulScaleIn": false})
	f.createRuntime(3)
	f.waitReady(3)
	h := f.record()
	for _, p := range f.workerPods() {
		f.emu.SetBusy(p.Status.PodIP, 30000, true)
	}
	f.scaleTo(1)
	f.g.Eventually(func() int { return len(f.workerPods()) }, long).Should(Equal(1))
	_, podStates, _ := h.snapshot()
	f.g.Expect(podStates).To(BeEmpty(), "no pod gets a scale-in record with the gate off")
	for _, p := range f.workerPods() {
		f.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
	}
}
