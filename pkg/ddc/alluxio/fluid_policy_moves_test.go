package alluxio

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

func runtimeAnnotated(a map[string]string) *datav1alpha1.AlluxioRuntime {
	return &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Annotations: a}}
}

// A Fluid-managed runtime re-caches as the flags say unless its
// annotations say otherwise.
func TestFluidRecachePolicyFromFlagsAndAnnotations(t *testing.T) {
	g := NewWithT(t)
	flags := DefaultFluidPolicy()
	got, problems := flags.policyFor(runtimeAnnotated(nil))
	g.Expect(problems).To(BeEmpty())
	g.Expect(got.Recache).To(Equal(datav1alpha1.RecacheAll))
	g.Expect(got.RecacheLimit).To(BeNil())
	g.Expect(got.RecacheTimeout.Duration).To(Equal(5 * time.Minute))

	got, problems = flags.policyFor(runtimeAnnotated(map[string]string{
		datav1alpha1.RecacheAnnotation:        "Off",
		datav1alpha1.RecacheLimitAnnotation:   "2Gi",
		datav1alpha1.RecacheTimeoutAnnotation: "90s",
	}))
	g.Expect(problems).To(BeEmpty())
	g.Expect(got.Recache).To(Equal(datav1alpha1.RecacheOff))
	g.Expect(got.RecacheLimit.Value()).To(Equal(int64(2 << 30)))
	g.Expect(got.RecacheTimeout.Duration).To(Equal(90 * time.Second))
}

// A bad re-cache annotation is one problem naming it; the flag's value is
// used.
func TestBadFluidRecacheAnnotationsAreNamedAndTheFlagsUsed(t *testing.T) {
	g := NewWithT(t)
	flags := DefaultFluidPolicy()
	limit := resource.MustParse("1Gi")
	flags.RecacheLimit = &limit
	got, problems := flags.policyFor(runtimeAnnotated(map[string]string{
		datav1alpha1.RecacheAnnotation:        "Some",
		datav1alpha1.RecacheLimitAnnotation:   "-3Gi",
		datav1alpha1.RecacheTimeoutAnnotation: "later",
	}))
	g.Expect(problems).To(ConsistOf(
		`annotation data.fluid.io/scale-in-recache="Some" must be All or Off; using All`,
		`annotation data.fluid.io/scale-in-recache-limit="-3Gi" is not a size such as 10Gi (0 caches nothing again); using the flag's value`,
		`annotation data.fluid.io/scale-in-recache-timeout="later" is not a positive duration such as 5m; using 5m0s`,
	))
	g.Expect(got.Recache).To(Equal(datav1alpha1.RecacheAll))
	g.Expect(got.RecacheLimit.String()).To(Equal("1Gi"))
	g.Expect(got.RecacheTimeout.Duration).To(Equal(5 * time.Minute))
}

// The bad annotation reaches the user as a Warning event naming it.
func TestBadFluidRecacheAnnotationIsAWarningEvent(t *testing.T) {
	e := newFluidEngine(t, 3, map[string]string{datav1alpha1.RecacheTimeoutAnnotation: "forever"})
	e.fluidScalesTo(2)
	e.clock.Step(poll)
	e.reconcileFluid()
	e.g.Expect(e.eventsText()).To(ContainSubstring(`Warning InvalidScaleInPolicy annotation data.fluid.io/scale-in-recache-timeout="forever" is not a positive duration`))
}
