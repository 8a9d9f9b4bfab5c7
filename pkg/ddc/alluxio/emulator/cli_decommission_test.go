package emulator

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestDecommissionWorkerExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		version  string
		enforce  bool
		setup    func(c *Cluster, w Worker)
		args     func(w Worker) []string
		wantCode int
		wantOut  string
		// wantState is the worker's state afterwards.
		wantState WorkerState
	}{
		{
			name:     "idle worker is drained",
			args:     func(w Worker) []string { return []string{"--addresses", w.Address()} },
			wantCode: ExitOK, wantOut: msgOK, wantState: WorkerDecommissioned,
		},
		{
			name:     "short flags and a wait",
			args:     func(w Worker) []string { return []string{"-a", w.Address(), "-w", "5m"} },
			wantCode: ExitOK, wantOut: msgOK, wantState: WorkerDecommissioned,
		},
		{
			name:     "address without port matches the host",
			args:     func(w Worker) []string { return []string{"-a", w.Host} },
			wantCode: ExitOK, wantOut: msgOK, wantState: WorkerDecommissioned,
		},
		{
			name:     "operations in flight finish first",
			setup:    func(c *Cluster, w Worker) { c.StartOperations(w.Host, w.WebPort, 5) },
			args:     func(w Worker) []string { return []string{"-a", w.Address()} },
			wantCode: ExitOK, wantOut: msgOK, wantState: WorkerDecommissioned,
		},
		{
			name:     "no live worker at that address",
			args:     func(Worker) []string { return []string{"-a", "127.0.9.9:30000"} },
			wantCode: ExitShellError, wantOut: "Worker 127.0.9.9 is not known by the master", wantState: WorkerLive,
		},
		{
			name:     "hostile address is only a bad host name",
			args:     func(w Worker) []string { return []string{"-a", w.Host + "; touch /tmp/pwned"} },
			wantCode: ExitShellError, wantOut: "is not known by the master", wantState: WorkerLive,
		},
		{
			name:     "quotes and spaces",
			args:     func(Worker) []string { return []string{"-a", `"$(id)" 'x'`} },
			wantCode: ExitShellError, wantOut: "is not known by the master", wantState: WorkerLive,
		},
		{
			name:     "too many colons",
			args:     func(w Worker) []string { return []string{"-a", w.Address() + ":1"} },
			wantCode: ExitShellError, wantOut: "cannot be recognized", wantState: WorkerLive,
		},
		{
			name:     "port is not a number",
			args:     func(w Worker) []string { return []string{"-a", w.Host + ":web"} },
			wantCode: ExitShellError, wantOut: `For input string: "web"`, wantState: WorkerLive,
		},
		{
			name:     "missing addresses",
			args:     func(Worker) []string { return []string{"--wait", "1m"} },
			wantCode: ExitShellError, wantOut: "Missing required option: a", wantState: WorkerLive,
		},
		{
			name:     "bad wait",
			args:     func(w Worker) []string { return []string{"-a", w.Address(), "-w", "soon"} },
			wantCode: ExitShellError, wantOut: "Fail to parse soon to milliseconds", wantState: WorkerLive,
		},
		{
			name:     "master unreachable",
			setup:    func(c *Cluster, _ Worker) { c.InjectFault(Fault{Kind: FaultMasterDown}) },
			args:     func(w Worker) []string { return []string{"-a", w.Address()} },
			wantCode: ExitLostMasterConnection, wantState: WorkerLive,
		},
		{
			name:     "busy worker outlives an enforced wait",
			enforce:  true,
			setup:    func(c *Cluster, w Worker) { c.SetBusy(w.Host, w.WebPort, true) },
			args:     func(w Worker) []string { return []string{"-a", w.Address(), "--wait", "30ms"} },
			wantCode: ExitWorkersNotIdle, wantOut: "Worker.ActiveOperations=1", wantState: WorkerDecommissioned,
		},
		{
			name:     "2.9.3 has no decommissionWorker",
			version:  "2.9.3",
			args:     func(w Worker) []string { return []string{"-a", w.Address()} },
			wantCode: ExitShellError, wantOut: "decommissionWorker is an unknown command.", wantState: WorkerLive,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := fastConfig(tc.version)
			cfg.EnforceWait = tc.enforce
			c := newCluster(t, cfg)
			w := addWorker(t, c, "127.0.0.1")
			if tc.setup != nil {
				tc.setup(c, w)
			}

			r := decommission(c, tc.args(w)...)

			g.Expect(r.code).To(Equal(tc.wantCode), r.String())
			// Alluxio prints "... is an unknown command." on stderr.
			g.Expect(r.stdout + r.stderr).To(ContainSubstring(tc.wantOut))
			g.Expect(state(c, w)).To(Equal(tc.wantState))
		})
	}
}

func TestDecommissionReportsWorkersLostWhileWaiting(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.0.1")
	c.SetBusy(w.Host, w.WebPort, true)
	done := make(chan cliResult)
	go func() { done <- decommission(c, "-a", w.Address()) }()
	waitFor(t, "the worker to be decommissioned", func() bool { return state(c, w) == WorkerDecommissioned })

	c.RemoveWorker(w.Host, w.WebPort)

	r := <-done
	g.Expect(r.code).To(Equal(ExitLostSomeWorkers), r.String())
	g.Expect(r.stdout).To(ContainSubstring("1 workers became inaccessible"))
}

func TestDecommissionBlocksForTheRefreshIntervalBeforePolling(t *testing.T) {
	g := NewWithT(t)
	cfg := fastConfig("")
	cfg.RefreshInterval = 300 * time.Millisecond
	c := newCluster(t, cfg)
	w := addWorker(t, c, "127.0.0.1")

	r := decommission(c, "-a", w.Address(), "--wait", "0s")

	g.Expect(r.code).To(Equal(ExitOK), r.String())
	snap, _ := c.Worker(w.Host, w.WebPort)
	var finished time.Time
	for _, e := range c.Record() {
		if e.Kind == EventCLI {
			finished = e.Time
		}
	}
	g.Expect(finished.Sub(snap.DecommissionedAt)).To(BeNumerically(">=", cfg.RefreshInterval))
	g.Expect(r.stdout).To(ContainSubstring("Clients take alluxio.user.worker.list.refresh.interval=300ms"))
}

func TestDecommissionStopsWhenTheCallerGoesAwayButStaysDecommissioned(t *testing.T) {
	g := NewWithT(t)
	cfg := fastConfig("")
	cfg.RefreshInterval = time.Hour
	c := newCluster(t, cfg)
	w := addWorker(t, c, "127.0.0.1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan cliResult)
	go func() { done <- runCLIContext(ctx, c, "fsadmin", "decommissionWorker", "-a", w.Address()) }()
	waitFor(t, "the worker to be decommissioned", func() bool { return state(c, w) == WorkerDecommissioned })

	cancel()

	var r cliResult
	g.Eventually(done, "10s").Should(Receive(&r))
	g.Expect(r.code).To(Equal(exitInterrupted))
	g.Expect(state(c, w)).To(Equal(WorkerDecommissioned))
}

func TestDecommissionAgainFailsBecauseTheWorkerIsNoLongerLive(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.0.1")
	g.Expect(decommission(c, "-a", w.Address()).code).To(Equal(ExitOK))

	r := decommission(c, "-a", w.Address())

	g.Expect(r.code).To(Equal(ExitShellError), r.String())
	g.Expect(r.stdout).To(ContainSubstring("is not known by the master"))
}

func TestEnableWorker(t *testing.T) {
	for _, tc := range []struct {
		name             string
		disable          bool
		restart          bool
		stateAfterDecom  WorkerState
		stateAfterEnable WorkerState
	}{
		// Real Alluxio 2.9.6 (test/conformance): enableWorker does not
		// bring back a worker that kept running; it comes back when its
		// process restarts.
		{name: "running worker stays decommissioned", stateAfterDecom: WorkerDecommissioned, stateAfterEnable: WorkerDecommissioned},
		{name: "restarted worker re-registers by itself", restart: true, stateAfterDecom: WorkerLive, stateAfterEnable: WorkerLive},
		{name: "restarted disabled worker is refused until enabled", disable: true, restart: true,
			stateAfterDecom: WorkerDecommissioned, stateAfterEnable: WorkerLive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(""))
			w := addWorker(t, c, "127.0.0.1")
			args := []string{"-a", w.Address()}
			if tc.disable {
				args = append(args, "-d")
			}
			g.Expect(decommission(c, args...).code).To(Equal(ExitOK))
			if tc.restart {
				c.RemoveWorker(w.Host, w.WebPort)
				_, err := c.AddWorker(w.Host, w.RPCPort, w.WebPort)
				g.Expect(err).NotTo(HaveOccurred())
			}
			g.Expect(state(c, w)).To(Equal(tc.stateAfterDecom))

			r := runCLI(c, "fsadmin", "enableWorker", "--addresses", w.Address())

			g.Expect(r.code).To(Equal(0), r.String())
			g.Expect(state(c, w)).To(Equal(tc.stateAfterEnable))
			if tc.stateAfterEnable == WorkerLive {
				g.Expect(hosts(masterInfo(t, c)["workers"])).To(ContainElement(w.Host))
			} else {
				g.Expect(hosts(masterInfo(t, c)["workers"])).NotTo(ContainElement(w.Host))
			}
		})
	}
}

func TestEnableWorkerIsUnknownOn29(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig("2.9.3"))

	r := runCLI(c, "fsadmin", "enableWorker", "-a", "127.0.0.1")

	g.Expect(r.code).To(Equal(ExitShellError))
	g.Expect(r.stderr).To(Equal("enableWorker is an unknown command.\n"))
	g.Expect(r.stdout).To(HavePrefix("Usage: alluxio fsadmin [generic options]\n"))
	g.Expect(r.stdout).NotTo(ContainSubstring("decommissionWorker"), "the 2.9 usage lists no decommission")
}

func TestTopLevelCommands(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{args: []string{"version"}, wantCode: 0, wantOut: "2.10.0\n"},
		{args: []string{}, wantCode: exitLauncherError, wantOut: "Usage: alluxio COMMAND"},
		{args: []string{"rm", "-rf", "/"}, wantCode: exitLauncherError, wantOut: "Usage: alluxio COMMAND"},
		{args: []string{"fsadmin"}, wantCode: ExitShellError, wantOut: "Usage: alluxio fsadmin"},
	} {
		t.Run(fmtArgs(tc.args), func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(""))

			r := runCLI(c, tc.args...)

			g.Expect(r.code).To(Equal(tc.wantCode), r.String())
			g.Expect(r.stdout).To(ContainSubstring(tc.wantOut))
		})
	}
}

func fmtArgs(args []string) string {
	if len(args) == 0 {
		return "no arguments"
	}
	return args[0]
}
