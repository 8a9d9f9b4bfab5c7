package emulator

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestReportCapacityWithoutWorkersSaysNoWorkersFound(t *testing.T) {
	for _, version := range []string{"2.10.0", "2.9.3"} {
		t.Run(version, func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(version))

			r := runCLI(c, "fsadmin", "report", "capacity")

			g.Expect(r.code).To(Equal(0), r.String())
			g.Expect(r.stdout).To(Equal("No workers found.\n"))
		})
	}
}

func TestReportCapacityLayouts(t *testing.T) {
	for _, tc := range []struct {
		version    string
		vcpus      bool // "Total vCPUs" line (real 2.9.6 has it, 2.9.3 not)
		header     string
		workerLine []string
	}{
		{
			version:    "2.10.0",
			vcpus:      true,
			header:     "Worker Name      State           Last Heartbeat   Storage       MEM              Version          Revision                                ",
			workerLine: []string{"127.0.4.1", "ACTIVE", "0", "capacity", "1024.00MB", "2.10.0", emulatedRevision},
		},
		{
			version:    "2.9.3",
			header:     "Worker Name      Last Heartbeat   Storage       MEM              Version          Revision                                ",
			workerLine: []string{"127.0.4.1", "0", "capacity", "1024.00MB", "2.9.3", emulatedRevision},
		},
	} {
		t.Run(tc.version, func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(tc.version))
			w := addWorker(t, c, "127.0.4.1")
			c.WriteFile("/f", w.Host, w.WebPort, 256<<20, false)

			r := runCLI(c, "fsadmin", "report", "capacity")

			g.Expect(r.code).To(Equal(0), r.String())
			out := lines(r.stdout)
			if tc.vcpus {
				g.Expect(out[1]).To(MatchRegexp(`^    Total vCPUs: \d+$`))
				out = append(out[:1:1], out[2:]...)
			}
			g.Expect(out).To(Equal([]string{
				"Capacity information for all workers: ",
				"    Total Capacity: 1024.00MB",
				"        Tier: MEM  Size: 1024.00MB",
				"    Used Capacity: 256.00MB",
				"        Tier: MEM  Size: 256.00MB",
				"    Used Percentage: 25%",
				"    Free Percentage: 75%",
				"",
				tc.header,
				out[9],
				out[10],
			}))
			g.Expect(strings.Fields(out[9])).To(Equal(tc.workerLine))
			g.Expect(strings.Fields(out[10])).To(Equal([]string{"used", "256.00MB", "(25%)"}))
		})
	}
}

func TestReportCapacityFiltersWorkersByRange(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.10.0"))
	live := addWorker(t, c, "127.0.4.2")
	lost := addWorker(t, c, "127.0.4.3")
	gone := addWorker(t, c, "127.0.4.4")
	c.RemoveWorker(lost.Host, lost.WebPort)
	g.Expect(decommission(c, "-a", gone.Address()).code).To(Equal(ExitOK))

	for _, tc := range []struct {
		flag       string
		wantTitle  string
		wantHosts  []string
		wantStates []string
	}{
		{flag: "-live", wantTitle: "live", wantHosts: []string{live.Host}, wantStates: []string{"ACTIVE"}},
		{flag: "-lost", wantTitle: "lost", wantHosts: []string{lost.Host}, wantStates: []string{"LOST"}},
		{flag: "-decommissioned", wantTitle: "decommissioned", wantHosts: []string{gone.Host}, wantStates: []string{"Decommissioned"}},
		{flag: "--decommissioned", wantTitle: "decommissioned", wantHosts: []string{gone.Host}, wantStates: []string{"Decommissioned"}},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			g := NewWithT(t)
			r := runCLI(c, "fsadmin", "report", "capacity", tc.flag)

			g.Expect(r.code).To(Equal(0), r.String())
			out := lines(r.stdout)
			g.Expect(out[0]).To(Equal("Capacity information for " + tc.wantTitle + " workers: "))
			var gotHosts, gotStates []string
			for _, l := range out[10:] { // after the title, vCPUs, totals, blank line and header
				if f := strings.Fields(l); len(f) > 1 && f[0] != "used" {
					gotHosts, gotStates = append(gotHosts, f[0]), append(gotStates, f[1])
				}
			}
			g.Expect(gotHosts).To(Equal(tc.wantHosts))
			g.Expect(gotStates).To(Equal(tc.wantStates))
		})
	}
}

func TestReportCapacityRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		args    []string
		want    string
	}{
		{name: "2.9.3 has no -decommissioned", version: "2.9.3", args: []string{"-decommissioned"}, want: "Unrecognized option: -decommissioned"},
		{name: "two filters", version: "2.10.0", args: []string{"-live", "-lost"}, want: "Too many arguments passed in."},
		{name: "unknown option", version: "2.10.0", args: []string{"-everything"}, want: "Unrecognized option: -everything"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(tc.version))

			r := runCLI(c, append([]string{"fsadmin", "report", "capacity"}, tc.args...)...)

			g.Expect(r.code).To(Equal(ExitShellError), r.String())
			g.Expect(r.stdout).To(ContainSubstring(tc.want))
		})
	}
}

func TestSizesPrintLikeAlluxio(t *testing.T) {
	for bytes, want := range map[int64]string{
		0:               "0B",
		5120:            "5120B",
		5121:            "5.00KB",
		1 << 30:         "1024.00MB",
		6 << 30:         "6.00GB",
		3 * (1 << 40):   "3072.00GB",
		100 * (1 << 40): "100.00TB",
	} {
		if got := sizeFromBytes(bytes); got != want {
			t.Errorf("sizeFromBytes(%d) = %q, want %q", bytes, got, want)
		}
	}
}
