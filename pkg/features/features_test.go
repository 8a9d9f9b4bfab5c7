package features

import (
	"flag"
	"io"
	"testing"

	. "github.com/onsi/gomega"
)

func TestDefaults(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Gates.Enabled(GracefulScaleIn)).To(BeTrue(), "GracefulScaleIn is beta and on by default")
	g.Expect(Gates.Enabled(AdvancedStatefulSet)).To(BeFalse(), "AdvancedStatefulSet is alpha and off by default")
}

func TestFeatureGatesFlag(t *testing.T) {
	cases := []struct {
		name         string
		value        string
		wantErr      []string
		wantGraceful bool
		wantASTS     bool
	}{
		{name: "turns a gate on", value: "AdvancedStatefulSet=true", wantGraceful: true, wantASTS: true},
		{name: "turns a gate off", value: "GracefulScaleIn=false", wantGraceful: false},
		{name: "both", value: "GracefulScaleIn=false,AdvancedStatefulSet=true", wantASTS: true},
		{name: "unknown gate names the known ones", value: "NoSuchGate=true",
			wantErr: []string{"NoSuchGate", "known gates", "AdvancedStatefulSet", "GracefulScaleIn"}},
		{name: "bad value", value: "GracefulScaleIn=maybe", wantErr: []string{"GracefulScaleIn", "known gates"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			gates := MutableGates.DeepCopy()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.Var(gatesFlag{gates}, "feature-gates", "")
			err := fs.Parse([]string{"--feature-gates=" + tc.value})
			if tc.wantErr != nil {
				g.Expect(err).To(HaveOccurred())
				for _, s := range tc.wantErr {
					g.Expect(err.Error()).To(ContainSubstring(s))
				}
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(gates.Enabled(GracefulScaleIn)).To(Equal(tc.wantGraceful))
			g.Expect(gates.Enabled(AdvancedStatefulSet)).To(Equal(tc.wantASTS))
		})
	}
}
