package alluxio

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// setRefresh writes the clients' refresh interval into the runtime's
// properties.
func (e *engine) setRefresh(v string) {
	rt := e.runtime()
	if rt.Spec.Properties == nil {
		rt.Spec.Properties = map[string]string{}
	}
	rt.Spec.Properties[refreshIntervalKey] = v
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
}

// An interval raised in the properties while a victim drains holds it
// for the new interval: clients now keep their worker lists that long,
// so the interval the drain started with is no longer enough.
func TestRaisedRefreshIntervalHoldsADrainingVictim(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.setRefresh("30s")
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	decommissioned := e.decommissionedAt(2)
	e.setRefresh("3min")
	for e.clock.Now().Add(poll).Before(decommissioned.Add(3 * time.Minute)) {
		e.advance(poll)
		e.g.Expect(e.left(2)).To(BeFalse(), "left %s after its decommission, before the raised refresh interval (3min)",
			e.clock.Now().Sub(decommissioned))
	}
	e.reconcileUntil(poll, 10, func() bool { return e.left(2) })
}

// A lowered interval lets a draining victim go sooner.
func TestLoweredRefreshIntervalLetsADrainingVictimGoSooner(t *testing.T) {
	e := drainStarted(t, datav1alpha1.ScaleInPolicy{})
	decommissioned := e.decommissionedAt(2)
	e.setRefresh("30s")
	e.reconcileUntil(poll, 20, func() bool { return e.left(2) })
	e.g.Expect(e.clock.Now().Sub(decommissioned)).To(BeNumerically("<", refresh))
}

// Every client-side setting of the interval is read, and the longest
// waited for; where the interval is not set for every JVM, those left
// use Alluxio's default, which then counts too.
func TestClientRefreshIntervalIsTheLongestSetting(t *testing.T) {
	fuse := func(js string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(js)} }
	key := refreshIntervalKey
	cases := []struct {
		name string
		spec datav1alpha1.AlluxioRuntimeSpec
		want time.Duration
	}{
		{"nothing set: Alluxio's default", datav1alpha1.AlluxioRuntimeSpec{}, 2 * time.Minute},
		{"global property, shorter than the default", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "20sec"}}, 20 * time.Second},
		{"global -D in an entry of several options", datav1alpha1.AlluxioRuntimeSpec{JvmOptions: []string{"-Xmx2g -D" + key + "=45000"}}, 45 * time.Second},
		{"fuse properties, longer than the global one", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			FluidOnlyFields: datav1alpha1.FluidOnlyFields{Fuse: fuse(`{"properties":{"` + key + `":"5min"}}`)}}, 5 * time.Minute},
		{"fuse properties only, shorter: the other clients keep the default", datav1alpha1.AlluxioRuntimeSpec{
			FluidOnlyFields: datav1alpha1.FluidOnlyFields{Fuse: fuse(`{"properties":{"` + key + `":"30s"}}`)}}, 2 * time.Minute},
		{"fuse jvmOptions", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			FluidOnlyFields: datav1alpha1.FluidOnlyFields{Fuse: fuse(`{"jvmOptions":["-D` + key + `=3m"]}`)}}, 3 * time.Minute},
		{"job worker jvmOptions", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			FluidOnlyFields: datav1alpha1.FluidOnlyFields{JobWorker: fuse(`{"jvmOptions":["-D` + key + `=4min"]}`)}}, 4 * time.Minute},
		{"master jvmOptions", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			Master: datav1alpha1.AlluxioCompTemplateSpec{JvmOptions: []string{"-D" + key + "=1h"}}}, time.Hour},
		{"worker jvmOptions", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			Worker: datav1alpha1.AlluxioCompTemplateSpec{JvmOptions: []string{"-XX:+UseG1GC", "-D" + key + "=2m"}}}, 2 * time.Minute},
		{"worker properties", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			Worker: datav1alpha1.AlluxioCompTemplateSpec{Properties: map[string]string{key: "90sec"}}}, 90 * time.Second},
		{"another property's -D is not this one", datav1alpha1.AlluxioRuntimeSpec{Properties: map[string]string{key: "30s"},
			JvmOptions: []string{"-D" + key + ".extra=1h"}}, 30 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := clientRefreshInterval(&datav1alpha1.AlluxioRuntime{Spec: c.spec})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(c.want))
		})
	}
}

// A value Alluxio would refuse is an error naming where it is set.
func TestClientRefreshIntervalNamesABadSetting(t *testing.T) {
	g := NewWithT(t)
	rt := &datav1alpha1.AlluxioRuntime{Spec: datav1alpha1.AlluxioRuntimeSpec{
		FluidOnlyFields: datav1alpha1.FluidOnlyFields{Fuse: &apiextensionsv1.JSON{Raw: []byte(`{"jvmOptions":["-Xmx1g","-D` + refreshIntervalKey + `=1.5min"]}`)}}}}
	_, err := clientRefreshInterval(rt)
	g.Expect(err).To(MatchError(And(ContainSubstring("spec.fuse.jvmOptions[1]"), ContainSubstring("1.5min"))))
	rt.Spec.Fuse.Raw = []byte(`{"jvmOptions":"-Xmx1g"}`)
	_, err = clientRefreshInterval(rt)
	g.Expect(err).To(MatchError(ContainSubstring("spec.fuse")))
}

// A draining victim waits for an interval set only in the fuse
// properties.
func TestVictimWaitsForTheFuseRefreshInterval(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	rt := e.runtime()
	rt.Spec.Properties = map[string]string{refreshIntervalKey: "30s"}
	rt.Spec.Fuse = &apiextensionsv1.JSON{Raw: []byte(`{"properties":{"` + refreshIntervalKey + `":"4min"}}`)}
	e.g.Expect(e.c.Update(e.ctx, rt)).To(Succeed())
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Draining" })
	decommissioned := e.decommissionedAt(2)
	for e.clock.Now().Add(poll).Before(decommissioned.Add(4 * time.Minute)) {
		e.advance(poll)
		e.g.Expect(e.left(2)).To(BeFalse(), "left %s after its decommission, before the fuse clients' refresh interval (4min)",
			e.clock.Now().Sub(decommissioned))
	}
	e.reconcileUntil(poll, 10, func() bool { return e.left(2) })
}
