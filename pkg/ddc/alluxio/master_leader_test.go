package alluxio

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// masterByPod is one Alluxio master per master pod.
type masterByPod map[string]*fakeMaster

func (c masterByPod) Connect(_ context.Context, _ *datav1alpha1.AlluxioRuntime, pod *corev1.Pod) (operations.Interface, error) {
	m, ok := c[pod.Name]
	if !ok {
		return nil, fmt.Errorf("no master in pod %s", pod.Name)
	}
	return m, nil
}

// A runtime with two masters whose master-0 is a standby: the scale-in
// finds the leader (master-1), decommissions through it, and drains;
// the standby is never asked to decommission. A standby refuses REST
// (Alluxio's default) or, with its web server on, lists no workers.
func TestScaleInAsksTheLeadingMaster(t *testing.T) {
	for _, standby := range []struct {
		name string
		set  func(m *fakeMaster)
	}{
		{"standby refuses", func(m *fakeMaster) { m.unreachable = true }},
		{"standby answers with no workers", func(m *fakeMaster) {}},
	} {
		t.Run(standby.name, func(t *testing.T) {
			e := newFluidEngine(t, 3, nil)
			rt := e.runtime()
			rt.Spec.Master.Replicas = 2
			e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
			e.fluidPod(rt.Name+"-master-1", map[string]string{"release": rt.Name, "role": "alluxio-master"}, "alluxio-master", "127.0.9.101", fluidMasterWebPort)
			standbyMaster := newFakeMaster(t0.Add(-time.Hour))
			standby.set(standbyMaster)
			e.r.Alluxio = masterByPod{rt.Name + "-master-0": standbyMaster, rt.Name + "-master-1": e.master}

			e.fluidScalesTo(2)
			e.reconcileFluidUntil(100, func() bool { return e.state(2) == "gone" })
			e.g.Expect(e.master.decommissionCount(host(2))).To(Equal(1))
			e.g.Expect(standbyMaster.decommissions).To(BeEmpty())
		})
	}
}

// With every master silent the scale-in waits, saying which master
// failed how.
func TestScaleInWaitsWhenNoMasterAnswers(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	rt := e.runtime()
	rt.Spec.Master.Replicas = 2
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
	e.fluidPod(rt.Name+"-master-1", map[string]string{"release": rt.Name, "role": "alluxio-master"}, "alluxio-master", "127.0.9.101", fluidMasterWebPort)
	e.master.set(func(m *fakeMaster) { m.unreachable = true })
	e.r.Alluxio = masterByPod{rt.Name + "-master-0": e.master, rt.Name + "-master-1": e.master}

	e.fluidScalesTo(2)
	for range 5 {
		e.clock.Step(poll)
		e.reconcileFluid()
	}
	e.g.Expect(e.state(2)).NotTo(Equal("gone"))
	c := meta.FindStatusCondition(e.runtime().Status.Conditions, datav1alpha1.GracefulScaleInCondition)
	e.g.Expect(c).NotTo(BeNil())
	e.g.Expect(c.Reason).To(Equal(datav1alpha1.AlluxioUnreachableReason))
	e.g.Expect(c.Message).To(And(ContainSubstring("master pod cache-master-0"), ContainSubstring("master pod cache-master-1")))
}
