package alluxio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
)

// Fluid's chart allocates its own ports.
const fluidWorkerWebPort, fluidWorkerRPCPort, fluidMasterWebPort = 20017, 20016, 20010

// newFluidEngine runs a runtime whose master and n workers Fluid's chart
// made (host network, Fluid's labels and ports), with this controller
// next to Fluid (it creates no workload).
func newFluidEngine(t *testing.T, n int32, annotations map[string]string) *engine {
	e := newBareEngine(t)
	e.r.DrainOnly = true
	e.r.FluidReader = e.c
	e.r.FluidPolicy = DefaultFluidPolicy()
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: e.rt.Namespace, Name: e.rt.Name, Annotations: annotations, UID: "rt-uid"},
		Spec: datav1alpha1.AlluxioRuntimeSpec{Replicas: n}}
	e.g.Expect(e.c.Create(e.ctx, rt)).To(Succeed())
	rt = e.runtime()
	labels := map[string]string{"app": "alluxio", "release": rt.Name, "role": "alluxio-worker", "heritage": "Helm"}
	owner := metav1.OwnerReference{APIVersion: datav1alpha1.GroupVersion.String(), Kind: "AlluxioRuntime", Name: rt.Name, UID: rt.UID, Controller: ptr.To(true)}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: rt.Namespace, Name: rt.Name + "-worker", Labels: labels, OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To(n), Selector: &metav1.LabelSelector{MatchLabels: labels}}}
	e.g.Expect(e.c.Create(e.ctx, sts)).To(Succeed())
	e.fluidPod(rt.Name+"-master-0", map[string]string{"release": rt.Name, "role": "alluxio-master"}, "alluxio-master", "127.0.9.100", fluidMasterWebPort)
	for i := range n {
		e.fluidPod(fmt.Sprintf("%s-worker-%d", rt.Name, i), labels, "alluxio-worker", host(i), fluidWorkerWebPort)
		e.master.set(func(m *fakeMaster) { m.registered[host(i)] = fluidWorkerWebPort })
	}
	return e
}

func (e *engine) fluidPod(name string, labels map[string]string, container, ip string, web int32) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: e.rt.Namespace, Name: name, Labels: labels},
		Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: container, Image: "alluxio/alluxio:2.9.6",
			Ports: []corev1.ContainerPort{{Name: "rpc", ContainerPort: web - 1}, {Name: "web", ContainerPort: web}}}}}}
	e.g.Expect(e.c.Create(e.ctx, pod)).To(Succeed())
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, HostIP: ip, StartTime: &metav1.Time{Time: t0}}
	e.g.Expect(e.c.Status().Update(e.ctx, pod)).To(Succeed())
}

// fluidScalesTo does what Fluid's own controller does on `kubectl scale`:
// spec.replicas, and its worker set's replicas at once.
func (e *engine) fluidScalesTo(n int32) {
	e.scaleTo(n)
	sts := e.fluidSet()
	sts.Spec.Replicas = ptr.To(n)
	e.g.Expect(e.c.Update(e.ctx, sts)).To(Succeed())
}

func (e *engine) fluidSet() *appsv1.StatefulSet {
	sts := &appsv1.StatefulSet{}
	e.g.Expect(e.c.Get(e.ctx, types.NamespacedName{Namespace: e.rt.Namespace, Name: e.rt.Name + "-worker"}, sts)).To(Succeed())
	return sts
}

// statefulSetControllerBehindTheGuard deletes the pods above the set's
// replicas, as the StatefulSet controller does, except those the
// admission policy refuses: under the guard (labelled), not Failed or
// Succeeded, and not yet marked Scaled or forced. It returns the pods it
// was refused.
func (e *engine) statefulSetControllerBehindTheGuard() []string {
	var refused []string
	replicas := ptr.Deref(e.fluidSet().Spec.Replicas, 0)
	for _, p := range e.pods() {
		o, ok := podOrdinal(e.rt.Name+"-worker", p.Name)
		if !ok || o < replicas || !p.DeletionTimestamp.IsZero() {
			continue
		}
		if guardHolds(&p) {
			refused = append(refused, p.Name)
			continue
		}
		if !guard.Guarded(&p) {
			e.c.Delete(e.ctx, &p) //nolint:errcheck // not held: it goes undrained, as it would
			continue
		}
		e.master.set(func(m *fakeMaster) {
			_, registered := m.registered[p.Status.HostIP]
			if m.busy[p.Status.HostIP] > 0 || registered && !m.decommissioned[p.Status.HostIP] {
				e.t.Errorf("pod %s deleted while its worker was busy or still in service", p.Name)
			}
		})
		e.g.Expect(e.c.Delete(e.ctx, &p)).To(Succeed())
	}
	return refused
}

// guardHolds is the admission policy's rule for the StatefulSet
// controller's delete of a pod (config/fluid/admission_policy.yaml).
func guardHolds(p *corev1.Pod) bool {
	if !guard.Guarded(p) || p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return false
	}
	return p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "Scaled" && p.Annotations[datav1alpha1.ScaleInForceAnnotation] != "true"
}

func (e *engine) reconcileFluid() {
	e.r.Reconcile(e.ctx, reconcileRequest(e.rt)) //nolint:errcheck // waits are requeues, asserted through the status
	e.statefulSetControllerBehindTheGuard()
}

// reconcileFluidUntil runs reconcileFluid, the clock moving by poll each
// time, until cond holds (at most n times).
func (e *engine) reconcileFluidUntil(n int, cond func() bool) {
	e.t.Helper()
	for range n {
		if cond() {
			return
		}
		e.clock.Step(poll)
		e.reconcileFluid()
	}
	e.g.Expect(cond()).To(BeTrue(), "condition not reached after %d reconciles", n)
}

// A Fluid scale-in 4 → 2: each leaving worker is decommissioned and
// drained before the guard lets it go; Fluid's workloads are never
// written; the runtime tells the drain in its own GracefulScaleIn
// condition.
func TestFluidManagedScaleInDrainsBeforeThePodsGo(t *testing.T) {
	e := newFluidEngine(t, 4, nil)
	e.master.set(func(m *fakeMaster) { m.busy[host(3)] = 2 })
	e.fluidScalesTo(2)
	before := e.fluidSet()

	e.reconcileFluid()
	e.g.Expect(e.statefulSetControllerBehindTheGuard()).To(ConsistOf("cache-worker-2", "cache-worker-3"), "refused until drained")
	for range 60 {
		e.clock.Step(poll)
		e.reconcileFluid()
		if e.state(2) == "gone" && e.state(3) == "gone" {
			break
		}
		if e.clock.Now().After(t0.Add(3 * time.Minute)) {
			e.master.set(func(m *fakeMaster) { m.busy[host(3)] = 0 })
		}
	}
	e.g.Expect(e.state(2)).To(Equal("gone"))
	e.g.Expect(e.state(3)).To(Equal("gone"))
	e.g.Expect(e.master.decommissionCount(host(2))).To(Equal(1))
	e.g.Expect(e.master.decommissions[0][0].WebPort).To(Equal(int32(fluidWorkerWebPort)), "Fluid's allocated port, from the pod")

	after := e.fluidSet()
	e.g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion), "Fluid's worker set is written by Fluid only")
	sets := &appsv1.StatefulSetList{}
	e.g.Expect(e.c.List(e.ctx, sets)).To(Succeed())
	e.g.Expect(sets.Items).To(HaveLen(1), "no workload of ours")
	rt := e.runtime()
	e.g.Expect(rt.Spec.Replicas).To(Equal(int32(2)))
	c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.GracefulScaleInCondition)
	e.g.Expect(c).NotTo(BeNil())
	e.g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	e.g.Expect(c.Message).To(ContainSubstring("scaled in from 4 to 2 workers"))
	e.g.Expect(meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)).To(BeNil(), "Fluid's condition is Fluid's")
	e.g.Expect(e.eventsText()).To(ContainSubstring("cache-worker-3"))
}

// Annotations override the flags for one runtime; a bad one is named in
// a Warning event and the flag's value is used.
func TestFluidPolicyAnnotations(t *testing.T) {
	e := newFluidEngine(t, 3, map[string]string{
		datav1alpha1.DrainTimeoutAnnotation: "1m",
		datav1alpha1.QuietPeriodAnnotation:  "soon",
	})
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.fluidScalesTo(2)
	for range 20 {
		e.clock.Step(poll)
		e.reconcileFluid()
	}
	e.g.Expect(e.state(2)).To(Equal("TimedOut"), "drainTimeout 1m from the annotation")
	e.g.Expect(e.eventsText()).To(ContainSubstring(`annotation data.fluid.io/scale-in-quiet-period="soon" is not a positive duration`))
}

// A runtime whose worker set neither Fluid nor this controller made is
// left alone when the controller runs next to Fluid.
func TestRuntimeWithoutFluidsSetIsLeftAloneNextToFluid(t *testing.T) {
	e := newBareEngine(t)
	e.r.DrainOnly = true
	e.r.FluidReader = e.c
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: e.rt.Namespace, Name: e.rt.Name}, Spec: datav1alpha1.AlluxioRuntimeSpec{Replicas: 3}}
	e.g.Expect(e.c.Create(e.ctx, rt)).To(Succeed())
	e.reconcile()
	sets := &appsv1.StatefulSetList{}
	e.g.Expect(e.c.List(e.ctx, sets)).To(Succeed())
	e.g.Expect(sets.Items).To(BeEmpty())
}

func (e *engine) eventsText() string {
	var b strings.Builder
	for {
		select {
		case ev := <-e.events.Events:
			b.WriteString(ev + "\n")
		default:
			return b.String()
		}
	}
}

var _ client.Object = &appsv1.StatefulSet{}

// Fluid's worker set deleted while a worker drains (by hand, or by
// Fluid's uninstall while the runtime stays): the garbage collector
// deletes its pods, and none is kept Terminating by our finalizer.
func TestFluidWorkerSetDeletedMidDrainLeavesNoPodStuck(t *testing.T) {
	e := newFluidEngine(t, 3, nil)
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 1 })
	e.fluidScalesTo(2)
	e.reconcileFluidUntil(5, func() bool { return e.state(2) == "Draining" })
	// An earlier fluid-drain put its finalizer on Fluid's victims too.
	p, _ := e.pod(2)
	p.Finalizers = append(p.Finalizers, datav1alpha1.ScaleInFinalizer)
	e.g.Expect(e.c.Update(e.ctx, &p)).To(Succeed())
	e.g.Expect(e.c.Delete(e.ctx, e.fluidSet())).To(Succeed())
	for i := range int32(3) {
		p, ok := e.pod(i)
		e.g.Expect(ok).To(BeTrue())
		e.g.Expect(e.c.Delete(e.ctx, &p)).To(Succeed(), "the garbage collector deletes the set's pods")
	}
	e.reconcile()
	for i := range int32(3) {
		e.g.Expect(e.state(i)).To(Equal("gone"), "worker %d kept by a finalizer after its set was deleted", i)
	}
}

// Fluid writes the runtime's status too: when it wrote between our read
// and our condition patch, the patch conflicts, and that is a retry
// logged at Info (a nil error), never a "Reconciler error".
func TestFluidConditionConflictIsARetryNotAnError(t *testing.T) {
	e := newFluidEngine(t, 4, nil)
	e.fluidScalesTo(3)
	conflicts := 0
	e.r.Client = interceptor.NewClient(e.c.(client.WithWatch), interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			if sub == "status" && conflicts == 0 {
				conflicts++
				return apierrors.NewConflict(schema.GroupResource{Group: datav1alpha1.GroupVersion.Group, Resource: "alluxioruntimes"}, obj.GetName(), errors.New("the object has been modified"))
			}
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
	})
	res, err := e.r.Reconcile(e.ctx, reconcileRequest(e.rt))
	e.g.Expect(conflicts).To(Equal(1), "the condition patch met Fluid's write")
	e.g.Expect(err).NotTo(HaveOccurred())
	e.g.Expect(res.RequeueAfter).To(BeNumerically(">", 0), "retried")
	e.reconcileFluid()
	c := meta.FindStatusCondition(e.runtime().Status.Conditions, datav1alpha1.GracefulScaleInCondition)
	e.g.Expect(c).NotTo(BeNil(), "written on the retry")
}

// Next to Fluid each leaving pod goes as soon as it is Scaled, so the
// victims of one scale-in leave one after another (here the highest
// first, the other busy longer): a Scaled pod still on
// its way out once the scale-in completed starts no new one, and the
// condition keeps telling the whole scale-in, 4 to 2.
func TestFluidVictimsLeavingOneAfterAnotherAreOneScaleIn(t *testing.T) {
	e := newFluidEngine(t, 4, nil)
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 2 })
	e.fluidScalesTo(2)
	e.reconcileFluidUntil(60, func() bool { return e.state(3) == "gone" })
	e.master.set(func(m *fakeMaster) { m.busy[host(2)] = 0 })
	// The StatefulSet controller has not got to the last pod yet.
	for range 60 {
		e.clock.Step(poll)
		e.r.Reconcile(e.ctx, reconcileRequest(e.rt)) //nolint:errcheck // asserted through the status
		if e.state(2) == "Scaled" {
			break
		}
	}
	e.g.Expect(e.state(2)).To(Equal("Scaled"))
	for range 3 {
		e.clock.Step(poll)
		e.r.Reconcile(e.ctx, reconcileRequest(e.rt)) //nolint:errcheck // asserted through the status
	}
	e.reconcileFluid()
	e.clock.Step(poll)
	e.reconcileFluid()
	e.g.Expect(e.state(2)).To(Equal("gone"))
	c := meta.FindStatusCondition(e.runtime().Status.Conditions, datav1alpha1.GracefulScaleInCondition)
	e.g.Expect(c).NotTo(BeNil())
	e.g.Expect(c.Message).To(HavePrefix("scaled in from 4 to 2 workers"))
}
