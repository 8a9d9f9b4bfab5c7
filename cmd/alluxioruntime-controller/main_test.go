package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// buildController builds this command, as a user runs it.
func buildController(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "alluxioruntime-controller")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestStartUp(t *testing.T) {
	bin := buildController(t)
	t.Run("an unknown feature gate fails start-up with one line naming the known gates", func(t *testing.T) {
		g := NewWithT(t)
		cmd := exec.Command(bin, "--feature-gates=NoSuchGate=true")
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		g.Expect(errors.As(err, &exitErr)).To(BeTrue(), "must exit non-zero, got %v", err)
		g.Expect(exitErr.ExitCode()).NotTo(Equal(0))
		text := strings.TrimSpace(string(out))
		g.Expect(strings.Split(text, "\n")).To(HaveLen(1), "one line, got:\n%s", text)
		g.Expect(text).To(ContainSubstring("NoSuchGate"))
		g.Expect(text).To(ContainSubstring("GracefulScaleIn"))
		g.Expect(text).To(ContainSubstring("AdvancedStatefulSet"))
	})
	t.Run("a bad gate value fails start-up", func(t *testing.T) {
		g := NewWithT(t)
		out, err := exec.Command(bin, "--feature-gates=GracefulScaleIn=perhaps").CombinedOutput()
		g.Expect(err).To(HaveOccurred())
		g.Expect(string(out)).To(ContainSubstring("GracefulScaleIn"))
	})
	t.Run("an invalid --namespaces name fails start-up naming it", func(t *testing.T) {
		g := NewWithT(t)
		out, err := exec.Command(bin, "--namespaces=team-a,Team_B").CombinedOutput()
		g.Expect(err).To(HaveOccurred())
		g.Expect(string(out)).To(ContainSubstring(`namespace "Team_B" is not a valid namespace name`))
	})
	t.Run("--version prints the stamped version and exits", func(t *testing.T) {
		g := NewWithT(t)
		stamped := filepath.Join(t.TempDir(), "alluxioruntime-controller")
		ldflags := "-X github.com/fluid-drain/fluid-drain/pkg/version.version=9.8.7 -X github.com/fluid-drain/fluid-drain/pkg/version.revision=0123abc"
		out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", stamped, ".").CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), "%s", out)
		out, err = exec.Command(stamped, "--version").CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(out)).To(MatchRegexp(`^alluxioruntime-controller 9\.8\.7 \(revision 0123abc, go[0-9.]+\)\n$`))
	})
	t.Run("--help lists the gates", func(t *testing.T) {
		g := NewWithT(t)
		out, err := exec.Command(bin, "--help").CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(out)).To(ContainSubstring("-feature-gates"))
		g.Expect(string(out)).To(ContainSubstring("GracefulScaleIn=true|false (BETA - default=true)"))
		g.Expect(string(out)).To(ContainSubstring("AdvancedStatefulSet=true|false (ALPHA - default=false)"))
	})
}

func TestBadPolicyFlagsAreRefusedNamingTheFlag(t *testing.T) {
	for args, want := range map[string]string{
		"--mode=sidecar":                        "--mode",
		"--on-drain-timeout=Later":              "--on-drain-timeout",
		"--quiet-period=10m --drain-timeout=5m": "--quiet-period=10m0s must be shorter than --drain-timeout=5m0s",
		"--max-concurrent=-1":                   "--max-concurrent",
		"--poll-interval=0s":                    "must be positive",
		"--max-concurrent=lots":                 "max-concurrent",
		"--recache=Some":                        "recache: want All or Off",
		"--recache-limit=-1Gi":                  "recache-limit",
		"--recache-timeout=0s":                  "recache-timeout",
		"--leader-election-id=Not_A_Name":       "--leader-election-id",
	} {
		t.Run(args, func(t *testing.T) {
			g := NewWithT(t)
			_, err := parseFlags(strings.Fields(args))
			g.Expect(err).To(MatchError(ContainSubstring(want)))
		})
	}
	g := NewWithT(t)
	o, err := parseFlags([]string{"--mode=fluid", "--drain-timeout=3m", "--on-drain-timeout=Force", "--max-concurrent=2"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(o.fluidPolicy.DrainTimeout.String()).To(Equal("3m0s"))
	g.Expect(string(o.fluidPolicy.OnDrainTimeout)).To(Equal("Force"))
	g.Expect(o.fluidPolicy.MaxConcurrent).To(Equal(int32(2)))
	g.Expect(string(o.fluidPolicy.Recache)).To(Equal("All"), "re-caching is on by default")
	g.Expect(o.fluidPolicy.RecacheLimit).To(BeNil())
	g.Expect(o.fluidPolicy.RecacheTimeout.String()).To(Equal("5m0s"))

	o, err = parseFlags([]string{"--recache=Off", "--recache-limit=10Gi", "--recache-timeout=2m"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(o.fluidPolicy.Recache)).To(Equal("Off"))
	g.Expect(o.fluidPolicy.RecacheLimit.String()).To(Equal("10Gi"))
	g.Expect(o.fluidPolicy.RecacheTimeout.String()).To(Equal("2m0s"))
}
