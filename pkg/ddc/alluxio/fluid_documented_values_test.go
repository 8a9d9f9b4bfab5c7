package alluxio

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// The values the README documents for a runtime next to Fluid, each as a
// user writes it: the clients' refresh interval in Alluxio's units in
// spec.properties, and recacheLimit 0 ("caches nothing again") as the
// annotation or the flag.

// A refresh interval written in minutes, the way Alluxio reads it, holds
// a leaving worker for that many minutes after its decommission: any
// other reading lets it leave while clients may still send it work.
func TestFluidRefreshIntervalInMinutesHoldsTheLeavingWorker(t *testing.T) {
	// 3 minutes, not Alluxio's default of 2, so that a value not read at
	// all shows too.
	for _, written := range []string{"3m", "3min", "3minute", "3MIN", "180sec", "180000"} {
		t.Run(written, func(t *testing.T) {
			e := newFluidEngine(t, 3, nil)
			e.setRefresh(written)
			e.fluidScalesTo(2)
			e.reconcileFluidUntil(10, func() bool { return e.state(2) == "Draining" })
			decommissioned := e.decommissionedAt(2)
			for e.clock.Now().Add(poll).Before(decommissioned.Add(3 * time.Minute)) {
				e.clock.Step(poll)
				e.reconcileFluid()
				e.g.Expect(e.left(2)).To(BeFalse(), "refresh interval %q: left %s after its decommission, before 3 minutes",
					written, e.clock.Now().Sub(decommissioned))
			}
			e.reconcileFluidUntil(10, func() bool { return e.state(2) == "gone" })
		})
	}
}

// fluidRecacheSetUp runs a Fluid runtime of 3 workers with room to spare;
// worker 2 caches 8 persisted files of 1MiB.
func fluidRecacheSetUp(t *testing.T, annotations map[string]string) *engine {
	e := newFluidEngine(t, 3, annotations)
	e.master.set(func(m *fakeMaster) {
		for i := range int32(3) {
			m.capacity[host(i)] = 1 << 30
		}
	})
	e.master.cache(host(2), "/data", 8, mib, true)
	return e
}

// fluidStatesUntilGone scales the runtime to 2 and returns every state
// worker 2 was seen in until its pod went.
func (e *engine) fluidStatesUntilGone() []string {
	e.t.Helper()
	e.fluidScalesTo(2)
	var seen []string
	e.reconcileFluidUntil(200, func() bool {
		if s := e.state(2); len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		return e.state(2) == "gone"
	})
	return seen
}

// The annotation recache-limit=0 caches nothing again: the drained worker
// leaves without a Recaching step, and 0 is not refused as a bad value.
func TestFluidRecacheLimitZeroAnnotationCachesNothingAgain(t *testing.T) {
	e := fluidRecacheSetUp(t, map[string]string{datav1alpha1.RecacheLimitAnnotation: "0"})
	seen := e.fluidStatesUntilGone()
	e.g.Expect(seen).NotTo(ContainElement("Recaching"))
	e.g.Expect(e.master.recacheCount()).To(BeZero(), "recacheLimit 0 caches nothing again")
	e.g.Expect(e.eventsText()).NotTo(ContainSubstring(datav1alpha1.RecacheLimitAnnotation), "0 is a documented value, not a bad one")
}

// The flag --recache-limit=0 does the same for every Fluid runtime without
// the annotation; an annotation still overrides it.
func TestFluidRecacheLimitZeroFlagCachesNothingAgain(t *testing.T) {
	zero := resource.MustParse("0")
	e := fluidRecacheSetUp(t, nil)
	e.r.FluidPolicy.RecacheLimit = &zero
	seen := e.fluidStatesUntilGone()
	e.g.Expect(seen).NotTo(ContainElement("Recaching"))
	e.g.Expect(e.master.recacheCount()).To(BeZero(), "--recache-limit=0 caches nothing again")

	e = fluidRecacheSetUp(t, map[string]string{datav1alpha1.RecacheLimitAnnotation: "3Mi"})
	e.r.FluidPolicy.RecacheLimit = &zero
	e.fluidStatesUntilGone()
	e.g.Expect(e.master.recachedPaths()).To(HaveLen(3), "the annotation's 3Mi overrides the flag's 0")
}

// Without a limit (the flag's default, empty) the same worker's files are
// all cached again: what the two tests above turn off.
func TestFluidRecacheWithoutALimitCachesEveryPersistedFileAgain(t *testing.T) {
	e := fluidRecacheSetUp(t, nil)
	seen := e.fluidStatesUntilGone()
	e.g.Expect(strings.Join(seen, ",")).To(ContainSubstring("Recaching"))
	e.g.Expect(e.master.recachedPaths()).To(HaveLen(8))
}

// Each annotation of the README's table overrides its flag for one
// runtime; without annotations the flags' values are the policy.
func TestFluidAnnotationsOverrideEveryFlag(t *testing.T) {
	g := NewWithT(t)
	flags := DefaultFluidPolicy()
	flags.MaxConcurrent = 3
	got, problems := flags.policyFor(runtimeAnnotated(nil))
	g.Expect(problems).To(BeEmpty())
	g.Expect(got.DrainTimeout.Duration).To(Equal(10 * time.Minute))
	g.Expect(got.OnDrainTimeout).To(Equal(datav1alpha1.DrainTimeoutWait))
	g.Expect(got.QuietPeriod.Duration).To(Equal(20 * time.Second))
	g.Expect(got.PollInterval.Duration).To(Equal(5 * time.Second))
	g.Expect(*got.MaxConcurrent).To(Equal(int32(3)))

	got, problems = flags.policyFor(runtimeAnnotated(map[string]string{
		datav1alpha1.DrainTimeoutAnnotation:   "3m",
		datav1alpha1.OnDrainTimeoutAnnotation: "Force",
		datav1alpha1.QuietPeriodAnnotation:    "7s",
		datav1alpha1.PollIntervalAnnotation:   "2s",
		datav1alpha1.MaxConcurrentAnnotation:  "1",
	}))
	g.Expect(problems).To(BeEmpty())
	g.Expect(got.DrainTimeout.Duration).To(Equal(3 * time.Minute))
	g.Expect(got.OnDrainTimeout).To(Equal(datav1alpha1.DrainTimeoutForce))
	g.Expect(got.QuietPeriod.Duration).To(Equal(7 * time.Second))
	g.Expect(got.PollInterval.Duration).To(Equal(2 * time.Second))
	g.Expect(*got.MaxConcurrent).To(Equal(int32(1)))
}

// The flag --max-concurrent=0 means no cap, not "none at a time".
func TestFluidMaxConcurrentZeroFlagIsNoCap(t *testing.T) {
	g := NewWithT(t)
	got, _ := DefaultFluidPolicy().policyFor(runtimeAnnotated(nil))
	g.Expect(got.MaxConcurrent).To(BeNil(), "0: no cap")
}

// An annotated quiet period not shorter than the drain timeout is refused,
// naming both, and the flags' pair is used (a worker could never count as
// drained before it timed out).
func TestFluidQuietPeriodMustBeShorterThanTheDrainTimeout(t *testing.T) {
	g := NewWithT(t)
	got, problems := DefaultFluidPolicy().policyFor(runtimeAnnotated(map[string]string{
		datav1alpha1.QuietPeriodAnnotation: "15m",
	}))
	g.Expect(problems).To(ConsistOf(ContainSubstring("the quiet period 15m0s must be shorter than the drain timeout 10m0s")))
	g.Expect(got.QuietPeriod.Duration).To(Equal(20 * time.Second))
	g.Expect(got.DrainTimeout.Duration).To(Equal(10 * time.Minute))
}

// Bad values of the other annotations are named, and the flags used.
func TestBadFluidAnnotationsAreNamedAndTheFlagsUsed(t *testing.T) {
	g := NewWithT(t)
	got, problems := DefaultFluidPolicy().policyFor(runtimeAnnotated(map[string]string{
		datav1alpha1.DrainTimeoutAnnotation:   "-1m",
		datav1alpha1.OnDrainTimeoutAnnotation: "Later",
		datav1alpha1.PollIntervalAnnotation:   "0s",
		datav1alpha1.MaxConcurrentAnnotation:  "0",
	}))
	g.Expect(problems).To(HaveLen(4))
	for _, key := range []string{datav1alpha1.DrainTimeoutAnnotation, datav1alpha1.OnDrainTimeoutAnnotation,
		datav1alpha1.PollIntervalAnnotation, datav1alpha1.MaxConcurrentAnnotation} {
		g.Expect(strings.Join(problems, "\n")).To(ContainSubstring(key))
	}
	g.Expect(got.DrainTimeout.Duration).To(Equal(10 * time.Minute))
	g.Expect(got.OnDrainTimeout).To(Equal(datav1alpha1.DrainTimeoutWait))
	g.Expect(got.PollInterval.Duration).To(Equal(5 * time.Second))
	g.Expect(got.MaxConcurrent).To(BeNil())
}
