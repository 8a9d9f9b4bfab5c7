package scalein

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// A controller stopped in any phase and replaced by a new one resumes the
// scale-in from the pods' records: it completes, and no worker is
// decommissioned twice or taken back into service.
func TestControllerRestartInEachPhaseResumesTheScaleIn(t *testing.T) {
	for _, phase := range []string{"Pending", "Decommissioning", "Draining"} {
		t.Run("stopped in "+phase, func(t *testing.T) {
			f := newFixture(t, nil)
			// One at a time, so some victims wait in Pending while
			// another is decommissioned or drains.
			f.createRuntime(4, func(rt *datav1alpha1.AlluxioRuntime) { rt.Spec.ScaleIn.MaxConcurrent = ptr.To[int32](1) })
			f.waitReady(4)
			h := f.record()
			f.scaleTo(1)

			f.g.Eventually(func() bool {
				for _, p := range f.workerPods() {
					if p.Annotations[datav1alpha1.ScaleInStateAnnotation] == phase {
						return true
					}
				}
				return false
			}, long, 20*time.Millisecond).Should(BeTrue())
			f.stopController()
			time.Sleep(time.Second)
			f.start()

			f.waitScaled(1)
			_, podStates, _ := h.snapshot()
			// The first victim is decommissioned in the reconcile that
			// chose it; the others wait for its slot in Pending.
			f.g.Expect(podStates["cache-worker-3"]).To(Equal([]string{"Decommissioning", "Draining", "Scaled"}), "cache-worker-3")
			for _, name := range []string{"cache-worker-1", "cache-worker-2"} {
				f.g.Expect(podStates[name]).To(Equal([]string{"Pending", "Decommissioning", "Draining", "Scaled"}), name)
			}
			decommissions := map[string]int{}
			for _, e := range f.emu.Record() {
				f.g.Expect(e.Kind).NotTo(Equal(emulator.EventWorkerEnabled), "no victim may be taken back into service")
				if e.Kind == emulator.EventWorkerDecommissioned {
					decommissions[e.Host]++
				}
			}
			f.g.Expect(decommissions).To(HaveLen(3))
			for host, n := range decommissions {
				f.g.Expect(n).To(Equal(1), "worker %s decommissioned %d times", host, n)
			}
			f.g.Expect(f.emu.Violations()).To(BeEmpty())
		})
	}
}
