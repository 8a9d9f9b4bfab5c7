package main

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
)

// The flags' defaults are the ones the README's table documents.
func TestFlagsDefaultToTheDocumentedPolicy(t *testing.T) {
	g := NewWithT(t)
	o, err := parseFlags(nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(o.mode).To(Equal(string(alluxio.StandaloneMode)))
	p := o.fluidPolicy
	g.Expect(p.DrainTimeout).To(Equal(10 * time.Minute))
	g.Expect(p.OnDrainTimeout).To(Equal(datav1alpha1.DrainTimeoutWait))
	g.Expect(p.QuietPeriod).To(Equal(20 * time.Second))
	g.Expect(p.PollInterval).To(Equal(5 * time.Second))
	g.Expect(p.MaxConcurrent).To(BeZero(), "0: no cap")
	g.Expect(p.Recache).To(Equal(datav1alpha1.RecacheAll))
	g.Expect(p.RecacheLimit).To(BeNil(), "empty: no cap beyond free capacity")
	g.Expect(p.RecacheTimeout).To(Equal(5 * time.Minute))
}

// Every policy flag is read into the Fluid policy.
func TestFlagsSetTheFluidPolicy(t *testing.T) {
	g := NewWithT(t)
	o, err := parseFlags([]string{"--mode=fluid", "--drain-timeout=3m", "--on-drain-timeout=Force", "--quiet-period=7s",
		"--poll-interval=2s", "--max-concurrent=2", "--recache=Off", "--recache-limit=10Gi", "--recache-timeout=90s"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(o.mode).To(Equal(string(alluxio.FluidMode)))
	p := o.fluidPolicy
	g.Expect(p.DrainTimeout).To(Equal(3 * time.Minute))
	g.Expect(p.OnDrainTimeout).To(Equal(datav1alpha1.DrainTimeoutForce))
	g.Expect(p.QuietPeriod).To(Equal(7 * time.Second))
	g.Expect(p.PollInterval).To(Equal(2 * time.Second))
	g.Expect(p.MaxConcurrent).To(Equal(int32(2)))
	g.Expect(p.Recache).To(Equal(datav1alpha1.RecacheOff))
	g.Expect(p.RecacheLimit.Value()).To(Equal(int64(10 << 30)))
	g.Expect(p.RecacheTimeout).To(Equal(90 * time.Second))
}

// --recache-limit=0 is the documented "cache nothing again", not "no
// cap": it must reach the policy as a limit of zero bytes.
func TestFlagRecacheLimitZeroIsALimitOfNothing(t *testing.T) {
	g := NewWithT(t)
	o, err := parseFlags([]string{"--recache-limit=0"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(o.fluidPolicy.RecacheLimit).NotTo(BeNil())
	g.Expect(o.fluidPolicy.RecacheLimit.IsZero()).To(BeTrue())

	o, err = parseFlags([]string{"--recache-limit="})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(o.fluidPolicy.RecacheLimit).To(BeNil(), "empty: no cap")
}

// A flag value the scale-in cannot work with stops the controller with an
// error naming the flag.
func TestFlagsRefuseBadValuesNamingTheFlag(t *testing.T) {
	for args, want := range map[string]string{
		"--mode=both":                          "--mode",
		"--on-drain-timeout=Later":             "--on-drain-timeout",
		"--drain-timeout=0s":                   "--drain-timeout",
		"--quiet-period=10m":                   "--quiet-period=10m0s must be shorter than --drain-timeout",
		"--max-concurrent=-1":                  "--max-concurrent",
		"--recache=Some":                       "recache",
		"--recache-limit=-1Gi":                 "recache-limit",
		"--recache-timeout=0s":                 "recache-timeout",
		"--max-concurrent=many":                "max-concurrent",
		"--poll-interval=-5s":                  "--poll-interval",
		"--quiet-period=20s --drain-timeout=1": "drain-timeout",
	} {
		t.Run(args, func(t *testing.T) {
			_, err := parseFlags(strings.Fields(args))
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(want)))
		})
	}
}
