package scalein

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// On an Alluxio that cannot decommission workers, the scale-in stops in
// Failed and says why and what to do, instead of removing busy workers
// or doing nothing silently. Turning GracefulScaleIn off then gives
// Fluid's plain scale-in, and no finalizer is left behind.
func TestOldAlluxioFailsPlainlyAndTheGateOffReleasesIt(t *testing.T) {
	f := newFixture(t, nil, func(c *emulator.Config) { c.Version = "2.9.3" })
	f.createRuntime(2)
	f.waitReady(2)
	f.scaleTo(1)
	f.g.Eventually(f.conditionText, long, 100*time.Millisecond).Should(And(HavePrefix("DecommissionUnsupported"), ContainSubstring("2.9.3"), ContainSubstring("GracefulScaleIn")))
	p, _ := f.pod("cache-worker-1")
	f.g.Expect(p.Annotations[datav1alpha1.ScaleInStateAnnotation]).To(Equal("Failed"))
	f.g.Expect(f.workerPods()).To(HaveLen(2), "nothing is removed")
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning DecommissionUnsupported"), ContainSubstring("cache-worker-1"))))

	f.stopController()
	f.g.Expect(f.gates.SetFromMap(map[string]bool{"GracefulScaleIn": false})).To(Succeed())
	f.start()
	f.g.Eventually(func() int { return len(f.workerPods()) }, long).Should(Equal(1))
	for _, p := range f.workerPods() {
		f.g.Expect(p.Finalizers).NotTo(ContainElement(datav1alpha1.ScaleInFinalizer))
	}
}
