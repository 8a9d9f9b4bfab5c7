package mutants

// Property is a claim the scale-in makes, as docs/reliability-and-testing.md states it.
type Property string

const (
	PropRefresh       Property = "a worker leaves only once the clients' worker-list refresh interval has passed since its decommission"
	PropQuiet         Property = "a worker leaves only after it was idle for the quiet period"
	PropRequeue       Property = "a scale-in that waits asks to be reconciled again at its poll interval"
	PropDecommission  Property = "a worker is decommissioned (the master stops routing work to it) before it leaves"
	PropBusy          Property = "no worker leaves while it has operations in flight"
	PropUnpersisted   Property = "no worker leaves holding data that exists only in its cache, unless forced"
	PropFinalizer     Property = "a victim's pod is held by the finalizer until its drain is over, and released once it is"
	PropForce         Property = "the force annotation, or onDrainTimeout Force, lets a victim leave at once, with a Warning event"
	PropCancel        Property = "a scale-out takes the victims it wants back into service"
	PropVictim        Property = "the workers drained are the workers that leave, chosen by the documented order"
	PropCondition     Property = "the WorkersScaledIn condition says what the scale-in waits for, and is True once it is over"
	PropLog           Property = "a normal wait is logged at Info and returns no error, never an Error line"
	PropNeverReg      Property = "a worker leaves undrained only on positive evidence that it never registered, confirmed by a second look"
	PropRelisted      Property = "a decommissioned worker the master lists again is decommissioned again"
	PropDecomTime     Property = "the refresh interval counts from the master's confirmation of the decommission"
	PropAddress       Property = "a worker is reached at the address its running pod has, not the one in the spec"
	PropGateOff       Property = "turning GracefulScaleIn off closes an open scale-in and releases every pod"
	PropMaxConcurrent Property = "at most maxConcurrent workers are decommissioned at once"
	PropTimeout       Property = "drainTimeout bounds the wait, then onDrainTimeout decides"
	PropRuntimeGone   Property = "no pod keeps the finalizer once its runtime, or Fluid's worker set, is gone"
	PropRefreshNow    Property = "the refresh interval waited for is the one the runtime's properties give now, read again on every reconcile"
	PropCacheLag      Property = "the worker set drops a worker only once the API server, not just the cache, shows it drained"
	PropPersist       Property = "a victim holding unpersisted data asks Alluxio to persist it, and asks again only after the persist retry"
	PropRecache       Property = "a drained worker's persisted files are cached again on the workers that stay, within their free capacity, before it leaves"
	PropRecacheBound  Property = "recacheTimeout bounds re-caching: then the worker leaves with the rest not cached again, with a Warning event"
	PropGuardScope    Property = "next to Fluid the admission guard holds only the workers fluid-drain will drain: labelled while the gate is on and the runtime not opted out or deleted, never with a finalizer"
	PropGuardBound    Property = "a controller that is down or gone holds Fluid's scale-ins no longer than the guard's heartbeat timeout, and the runtime is told when the guard lapsed"
	PropDocumented    Property = "each policy flag, annotation, default and special value (0, empty, Off) means what the README says"
	PropParsers       Property = "Alluxio's answers and settings (durations, sizes, ports, versions, persistence states, the master's report) are read as Alluxio writes them"
	PropFluidWiring   Property = "next to Fluid, the controller finds Fluid's master and worker pods through its own cache, drains them, and releases them when their runtime is deleted"
	PropCLIProcesses  Property = "no Alluxio CLI command outlives the controller's interest in it, and at most MaxCLIProcessesPerMaster run at once in one master pod"
	PropNextToFluid   Property = "the controller refuses to start in standalone mode where Fluid is installed, so two controllers never create the same runtime's sets"
)

// Properties lists every property, in the order of docs/reliability-and-testing.md.
var Properties = []Property{
	PropDecommission, PropRefresh, PropRefreshNow, PropQuiet, PropBusy, PropUnpersisted, PropPersist, PropRecache, PropNeverReg, PropRelisted, PropDecomTime,
	PropAddress, PropVictim, PropCacheLag, PropMaxConcurrent, PropTimeout, PropRecacheBound, PropForce, PropCancel, PropFinalizer, PropRuntimeGone,
	PropGateOff, PropGuardScope, PropGuardBound, PropCondition, PropRequeue, PropLog, PropDocumented, PropParsers, PropFluidWiring, PropCLIProcesses, PropNextToFluid,
}

const (
	decide    = "pkg/drainfsm/decide.go"
	act       = "pkg/ddc/alluxio/scalein_act.go"
	observe   = "pkg/ddc/alluxio/scalein_observe.go"
	driver    = "pkg/ddc/alluxio/scalein_driver.go"
	status    = "pkg/ddc/alluxio/scalein_status.go"
	reconcile = "pkg/ddc/alluxio/reconciler.go"
	records   = "pkg/ddc/alluxio/fluid_reconcile.go"
	victims   = "pkg/ddc/alluxio/victims.go"
	selection = "pkg/ddc/alluxio/victim_selection.go"
	executor  = "pkg/ddc/alluxio/operations/pod_executor.go"
	recacheOp = "pkg/ddc/alluxio/operations/recache.go"
	moves     = "pkg/drainfsm/data_moves.go"
	recache   = "pkg/ddc/alluxio/scalein_recache.go"
	fluidRec  = "pkg/ddc/alluxio/fluid_reconcile.go"
	heartbeat = "pkg/ddc/alluxio/guard/heartbeat.go"
	policyGo  = "pkg/ddc/alluxio/policy.go"
	refreshGo = "pkg/ddc/alluxio/refresh_interval.go"
	fluidPol  = "pkg/ddc/alluxio/fluid_policy.go"
	fluidMove = "pkg/ddc/alluxio/fluid_policy_moves.go"
	movesGo   = "pkg/ddc/alluxio/scalein_moves.go"
	flagsGo   = "cmd/alluxioruntime-controller/main.go"
	recFlags  = "cmd/alluxioruntime-controller/recache_flags.go"
	setupGo   = "pkg/ddc/alluxio/setup.go"
	sizes     = "pkg/ddc/alluxio/operations/unpersisted.go"
	portsGo   = "pkg/ddc/alluxio/operations/ports.go"
	versionGo = "pkg/ddc/alluxio/operations/version.go"
	observeGo = "pkg/ddc/alluxio/operations/observe.go"
	fluidStat = "pkg/ddc/alluxio/fluid_status.go"
	detect    = "pkg/ddc/alluxio/fluid_detect.go"
)

// The unit suite narrowed to one package, for the mutants of the
// documented values and the parsers.
var (
	alluxioPkg    = []string{"./pkg/ddc/alluxio/"}
	operationsPkg = []string{"./pkg/ddc/alluxio/operations/"}
	guardPkg      = []string{"./pkg/ddc/alluxio/guard/"}
	drainfsmPkg   = []string{"./pkg/drainfsm/"}
	commandPkg    = []string{"./cmd/alluxioruntime-controller/"}
	policyPkgs    = []string{"./pkg/ddc/alluxio/", "./cmd/alluxioruntime-controller/"}
)

// fluidMode is the envtest suite that runs the controller in mode fluid
// as the command wires it.
const fluidMode = "./test/envtest/fluidmode/"

// Catalogue is every mutant `make mutants` runs.
var Catalogue = []Mutant{
	{
		Name: "no-refresh-wait", Property: PropRefresh,
		Change:   "a drained worker does not wait for the clients' refresh interval",
		Edits:    []Edit{{decide, "case sinceDecommission < p.RefreshInterval:", "case false && sinceDecommission < p.RefreshInterval:"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "refresh-interval-cached", Property: PropRefreshNow,
		Change: "the controller reads each runtime's refresh interval once and keeps it for as long as it runs",
		Edits: []Edit{
			{reconcile, "\tCallOrder func(n int) []int\n}", "\tCallOrder func(n int) []int\n\trefresh   map[string]any\n}"},
			{driver, "\tpolicy, err := drainPolicy(rt)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n",
				"\tpolicy, err := drainPolicy(rt)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n" +
					"\tif r.refresh == nil {\n\t\tr.refresh = map[string]any{}\n\t}\n" +
					"\tif d, ok := r.refresh[rt.Name]; ok {\n\t\tpolicy.RefreshInterval = d.(time.Duration)\n\t} else {\n\t\tr.refresh[rt.Name] = policy.RefreshInterval\n\t}\n"},
		},
		UnitPkgs: alluxioPkg, UnitRun: "^TestRaisedRefreshIntervalHoldsADrainingVictim$",
	},
	{
		Name: "no-quiet-period", Property: PropQuiet,
		Change:   "a worker seen idle once counts as drained",
		Edits:    []Edit{{decide, "case elapsed(f.Now, f.IdleSince) < p.QuietPeriod:", "case false:"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "no-requeue-while-waiting", Property: PropRequeue,
		Change:   "a waiting reconcile returns no RequeueAfter",
		Edits:    []Edit{{reconcile, "return ctrl.Result{RequeueAfter: waiting.RequeueAfter}, nil", "return ctrl.Result{}, nil"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestWaitingScaleInAsksToBeReconciledAtItsPollInterval$",
	},
	{
		Name: "decommission-skipped", Property: PropDecommission,
		Change:   "the decommission command is never sent to the master",
		Edits:    []Edit{{act, "err := s.conn.Decommission(ctx, addrs)", "err := error(nil)"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidManagedScaleInDrainsBeforeThePodsGo$",
	},
	{
		Name: "decommission-not-awaited", Property: PropDecommission,
		Change:   "a victim in Decommissioning counts as decommissioned while the master still lists it",
		Edits:    []Edit{{decide, "\tcase !f.Worker.Live:\n\t\treturn Decision{Event: Decommissioned, Reason: string(Draining)", "\tcase true:\n\t\treturn Decision{Event: Decommissioned, Reason: string(Draining)"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "busy-victim-removed", Property: PropBusy,
		Change: "the worker's own count of work in flight is never asked",
		Edits: []Edit{
			{observe, "act, err := s.conn.WorkerActivity(ctx, v.obs.addr)", "act, err := operations.Activity{}, error(nil)"},
			{act, "if activity, err := s.conn.WorkerActivity(ctx, v.obs.addr); err == nil && activity.Idle() {", "if activity, err := (operations.Activity{}), error(nil); err == nil && activity.Idle() {"},
		},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidManagedScaleInDrainsBeforeThePodsGo$",
	},
	{
		Name: "busy-counts-ignored", Property: PropBusy,
		Change: "a worker seen busy keeps its idle-since time and its counts are not passed on",
		Edits: []Edit{
			{observe, "\tdefault:\n\t\tv.obs.activity = act\n\t\tv.idleSince = time.Time{}", "\tdefault:\n\t\tv.obs.activity = operations.Activity{}\n\t\tif v.idleSince.IsZero() {\n\t\t\tv.idleSince = s.now\n\t\t}"},
		},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidManagedScaleInDrainsBeforeThePodsGo$",
	},
	{
		Name: "unpersisted-check-skipped", Property: PropUnpersisted,
		Change:   "victims are never asked for data only in their cache",
		Edits:    []Edit{{observe, "if needsUnpersistedCheck(v) {", "if false && needsUnpersistedCheck(v) {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestVictimAsksAlluxioToPersistItsFilesOnceThenAgainAfterTheRetry$",
	},
	{
		Name: "unpersisted-ignored-while-draining", Property: PropUnpersisted,
		Change:   "a draining worker holding unpersisted data counts as drained",
		Edits:    []Edit{{decide, "\tcase f.Unpersisted != \"\":\n\t\treturn false, f.Unpersisted + unpersistedHint", "\tcase false:\n\t\treturn false, f.Unpersisted + unpersistedHint"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecideDataMoves$",
	},
	{
		Name: "lost-worker-with-unpersisted-data-leaves", Property: PropUnpersisted,
		Change:   "a lost worker still seen holding unpersisted data leaves",
		Edits:    []Edit{{decide, "\tif f.Unpersisted != \"\" {\n\t\treturn Decision{Reason: UnpersistedDataReason, Message: \"lost by the Alluxio master, but \"", "\tif false {\n\t\treturn Decision{Reason: UnpersistedDataReason, Message: \"lost by the Alluxio master, but \""}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "recache-past-free-space", Property: PropUnpersisted,
		Change:   "a leaving worker's files are loaded again even where no live worker has room, so Alluxio evicts other cached blocks, maybe the only copy of unpersisted data",
		Edits:    []Edit{{recacheOp, "if worker < 0 || s.free[worker] < n {", "if worker < 0 {"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestRecacheNeverLoadsMoreThanALiveWorkerHasRoomFor$",
	},
	{
		Name: "persist-never-asked", Property: PropPersist,
		Change:   "a victim holding unpersisted data waits for Alluxio to persist it on its own",
		Edits:    []Edit{{moves, "d.Work, asked = AskPersist, f.Now", "asked = f.Now"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecideDataMoves$",
	},
	{
		Name: "persist-asked-every-poll", Property: PropPersist,
		Change:   "Alluxio is asked to persist a victim's files on every poll",
		Edits:    []Edit{{moves, "if asked.IsZero() || elapsed(f.Now, asked) >= p.Moves.PersistRetry {", "if true {"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecideDataMoves$",
	},
	{
		Name: "recache-skipped", Property: PropRecache,
		Change:   "a drained worker leaves without its files being cached again",
		Edits:    []Edit{{moves, "\tcase m.ToRecache > 0:", "\tcase false:"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecideDataMoves$",
	},
	{
		Name: "recache-capacity-ignored", Property: PropRecache,
		Change:   "a re-cache plans every file, whatever room the workers that stay have",
		Edits:    []Edit{{recache, "budget := min(all, s.freeCapacity(v))", "budget := all"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestRecacheIsBoundedByTheFreeCapacityOfTheWorkersThatStay$",
	},
	{
		Name: "recache-timeout-ignored", Property: PropRecacheBound,
		Change:   "a re-cache that keeps failing holds the worker for ever",
		Edits:    []Edit{{moves, "case elapsed(f.Now, f.Since) > p.Moves.RecacheTimeout:", "case false:"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecideDataMoves$",
	},
	{
		Name: "cancel-during-recache-ignored", Property: PropCancel,
		Change: "a victim wanted again while re-caching goes on re-caching",
		Edits: []Edit{{decide, "\tcase f.State == Recaching:\n\t\t// Drained already, and the re-cache reads the under store, not\n\t\t// the victim: stopping it kills no work.\n\t\treturn cancel",
			"\tcase f.State == Recaching:\n\t\treturn Decision{Reason: string(Recaching), Message: \"re-caching\"}"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecideDataMoves$",
	},
	{
		Name: "finalizer-removed-early", Property: PropFinalizer,
		Change:   "a draining pod deleted by hand is released before the clients' refresh",
		Edits:    []Edit{{act, "return v.deleting() && s.observed() && !v.obs.live && !v.decommissionedAt.IsZero() && s.now.Sub(v.decommissionedAt) >= s.policy.RefreshInterval", "return v.deleting()"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestVictimDeletedByHandWhileDrainingIsHeldUntilClientsRefreshed$",
	},
	{
		Name: "finalizer-kept-when-scaled", Property: PropFinalizer,
		Change: "a Scaled pod that is leaving keeps the finalizer",
		Edits: []Edit{
			{act, "return v.deleting() || !s.ws.runs(v.ordinal)", "return false"},
			{act, "if to == drainfsm.Scaled && (v.leaving || v.deleting()) {", "if false && to == drainfsm.Scaled && (v.leaving || v.deleting()) {"},
		},
		UnitPkgs: alluxioPkg, UnitRun: "^TestVictimsTakingAStepTogetherShareOneEvent$",
	},
	{
		Name: "force-ignored", Property: PropForce,
		Change:   "the force annotation is never read",
		Edits:    []Edit{{victims, "return v.pod.Annotations[datav1alpha1.ScaleInForceAnnotation] == \"true\"", "return false"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestForcedVictimWantedBackRestartsAtOnceWithAWarningEvent$",
	},
	{
		Name: "force-without-warning", Property: PropForce,
		Change:   "a forced exit is announced by a Normal event",
		Edits:    []Edit{{act, "if action == drainfsm.WarnEvent || action == drainfsm.LeaveCold || d.Event == drainfsm.Force || d.Reason == drainfsm.ForcedReason {", "if action == drainfsm.WarnEvent || action == drainfsm.LeaveCold {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestForcedVictimWantedBackRestartsAtOnceWithAWarningEvent$",
	},
	{
		Name: "forced-take-back-without-warning", Property: PropForce,
		Change:   "a victim wanted back and forced is taken back undrained with only a Normal event",
		Edits:    []Edit{{act, " || d.Reason == drainfsm.ForcedReason {", " {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestForcedVictimWantedBackRestartsAtOnceWithAWarningEvent$",
	},
	{
		Name: "timeout-force-ignored", Property: PropForce,
		Change:   "onDrainTimeout Force waits like Wait",
		Edits:    []Edit{{decide, "case p.OnDrainTimeout == ForceOnTimeout:", "case false:"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "cancel-ignored", Property: PropCancel,
		Change:   "no victim is ever wanted again",
		Edits:    []Edit{{driver, "v.wanted = s.ws.runs(v.ordinal) && !v.leaving && !v.deleting()", "v.wanted = false && s.ws.runs(v.ordinal) && !v.leaving && !v.deleting()"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestForcedVictimWantedBackRestartsAtOnceWithAWarningEvent$",
	},
	{
		Name: "cancel-without-enable", Property: PropCancel,
		Change:   "a cancelled victim is not re-enabled in Alluxio nor restarted",
		Edits:    []Edit{{act, "if action == drainfsm.TakeBack && (v.state.Holding() || v.state == drainfsm.Scaled) {", "if false && action == drainfsm.TakeBack && (v.state.Holding() || v.state == drainfsm.Scaled) {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestScaleOutTakesADrainingVictimBackIntoService$",
	},
	{
		Name: "gate-off-no-restart", Property: PropCancel,
		Change:   "with GracefulScaleIn off, a decommissioned victim the set still runs is not restarted (Alluxio keeps it out of service)",
		Edits:    []Edit{{records, "if decommissioned && runs(ordinal) && !v.deleting() {", "if false && decommissioned && runs(ordinal) && !v.deleting() {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestGateTurnedOffRestartsADecommissionedVictimWantedBack$",
	},
	{
		Name: "wrong-victim-statefulset", Property: PropVictim,
		Change:   "a StatefulSet drains its lowest ordinals, while the replica drop removes the highest",
		Edits:    []Edit{{selection, "for o := target; o < current; o++ {", "for o := int32(0); o < current-target; o++ {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidManagedScaleInDrainsBeforeThePodsGo$",
	},
	{
		Name: "wrong-victim-order", Property: PropVictim,
		Change:   "among equal candidates the lowest ordinal leaves first",
		Edits:    []Edit{{selection, "return int(b.ordinal - a.ordinal) // highest ordinal first", "return int(a.ordinal - b.ordinal)"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestChooseLeaving$",
	},
	{
		Name: "condition-not-updated", Property: PropCondition,
		Change:   "the condition is not written while the scale-in waits",
		Edits:    []Edit{{status, "s.setCondition(metav1.ConditionFalse, reason, message)", "_, _ = reason, message"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestVictimAsksAlluxioToPersistItsFilesOnceThenAgainAfterTheRetry$",
	},
	{
		Name: "condition-not-closed", Property: PropCondition,
		Change:   "the condition is not set True when the scale-in ends",
		Edits:    []Edit{{status, "s.setCondition(metav1.ConditionTrue, reason, message)", "_ = message"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidManagedScaleInDrainsBeforeThePodsGo$",
	},
	{
		Name: "error-log-while-waiting", Property: PropLog,
		Change:   "a normal wait is logged at Error",
		Edits:    []Edit{{reconcile, "ctrl.LoggerFrom(ctx).Info(\"waiting for the scale-in\",", "ctrl.LoggerFrom(ctx).Error(err, \"waiting for the scale-in\","}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestAWaitIsLoggedAtInfoNeverAsAnError$",
	},
	{
		Name: "wait-returned-as-error", Property: PropLog,
		Change:   "a normal wait is returned as an error (controller-runtime logs it at Error and backs off)",
		Edits:    []Edit{{reconcile, "case errors.As(err, &waiting):", "case false && errors.As(err, &waiting):"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestForcedVictimWantedBackRestartsAtOnceWithAWarningEvent$",
	},
	{
		Name: "never-registered-start-time-ignored", Property: PropNeverReg,
		Change:   "an unlisted worker counts as never registered even when the master restarted after its pod",
		Edits:    []Edit{{observe, "if s.info.StartedAt.IsZero() || started.IsZero() || !s.info.StartedAt.Before(started) {", "if started.IsZero() {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestUnreachableWorkerUnlistedByARestartedMasterIsWaitedFor$",
	},
	{
		Name: "never-registered-worker-not-asked", Property: PropNeverReg,
		Change:   "an unlisted worker counts as never registered although its own server answers",
		Edits:    []Edit{{observe, "return errors.Is(err, operations.ErrWorkerUnreachable)", "return err == nil || errors.Is(err, operations.ErrWorkerUnreachable)"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestUnlistedWorkerThatAnswersIsWaitedFor$",
	},
	{
		Name: "no-second-look", Property: PropNeverReg,
		Change:   "the replicas drop in the reconcile that judged a worker empty",
		Edits:    []Edit{{driver, "case s.unverifiedExit:", "case false:"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestNeverRegisteredVictimLeavesAfterASecondLook$",
	},
	{
		Name: "relisted-scaled-kept", Property: PropRelisted,
		Change:   "a drained Scaled victim that a restarted master lists as live again leaves without a new decommission",
		Edits:    []Edit{{decide, "case !f.Observed || !f.Worker.Live || f.Forced || f.ForcedOut:", "case !f.Observed || !f.Worker.Live || f.Forced || f.ForcedOut || !f.DecommissionedAt.IsZero():"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "relisted-ignored", Property: PropRelisted,
		Change:   "a draining worker listed as live again goes on draining",
		Edits:    []Edit{{decide, "\tcase f.Worker.Live:\n\t\treturn relisted", "\tcase false:\n\t\treturn relisted"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "decommission-time-at-reconcile-start", Property: PropDecomTime,
		Change:   "the decommission time is the reconcile's start, not the master's confirmation",
		Edits:    []Edit{{act, "if _, live := operations.FindWorker(s.info.Live, v.obs.addr); !live {\n\t\t\tv.decommissionedAt = s.observedAt", "if _, live := operations.FindWorker(s.info.Live, v.obs.addr); !live {\n\t\t\tv.decommissionedAt = s.now"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestDecommissionTimeIsTheMastersConfirmation$",
	},
	{
		Name: "address-from-spec", Property: PropAddress,
		Change:   "the worker's web port is taken from the spec, not from its running pod",
		Edits:    []Edit{{observe, "if p, ok := ports[operations.PortNameWeb]; ok {", "if p, ok := ports[operations.PortNameWeb]; ok && false {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidManagedScaleInDrainsBeforeThePodsGo$",
	},
	{
		Name: "gate-off-not-closing", Property: PropGateOff,
		Change:   "turning the gate off leaves the scale-in status open",
		Edits:    []Edit{{reconcile, "\tr.closeOpenScaleIn(rt, datav1alpha1.WorkersScaledInCondition)\n", "\n"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestGateTurnedOffClosesAnOpenScaleIn$",
	},
	{
		Name: "gate-off-keeps-finalizers", Property: PropGateOff,
		Change:   "turning the gate off keeps the finalizers on victims",
		Edits:    []Edit{{records, "if err := v.persist(ctx, r.Client, false); err != nil {", "if err := v.persist(ctx, r.Client, true); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestGateTurnedOffClosesAnOpenScaleIn$",
	},
	{
		Name: "replicas-dropped-on-the-cache", Property: PropCacheLag,
		Change:   "the worker set drops replicas on the cache's word, without reading the pods from the API server",
		Edits:    []Edit{{driver, "if sc.dropsReplicas && replicas < s.current {", "if false && sc.dropsReplicas && replicas < s.current {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestWorkerSetKeepsPodsTheCacheHasNotSeen$",
	},
	{
		Name: "gone-pod-release-fails", Property: PropLog,
		Change:   "removing the finalizer from a pod that left (the cache has not seen it go) fails the reconcile",
		Edits:    []Edit{{act, "if err := patchPod(ctx, s.r.Client, v.pod, removeScaleInFinalizer); client.IgnoreNotFound(err) != nil {", "if err := patchPod(ctx, s.r.Client, v.pod, removeScaleInFinalizer); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestPodGoneButStillCachedIsNotAnError$",
	},
	{
		Name: "max-concurrent-ignored", Property: PropMaxConcurrent,
		Change:   "every victim is decommissioned at once whatever maxConcurrent says",
		Edits:    []Edit{{driver, "d := s.secondLook(v, s.decide(ctx, v, free > 0))", "d := s.secondLook(v, s.decide(ctx, v, free > 0 || true))"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestMaxConcurrentOneDecommissionsOneWorkerAtATime$",
	},
	{
		Name: "drain-timeout-ignored", Property: PropTimeout,
		Change:   "a draining worker never times out",
		Edits:    []Edit{{decide, "case elapsed(f.Now, f.DecommissionedAt) > p.DrainTimeout:", "case false:"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestDecide$",
	},
	{
		Name: "runtime-gone-finalizers-kept", Property: PropRuntimeGone,
		Change:   "pods of a deleted runtime keep the finalizer",
		Edits:    []Edit{{reconcile, "err := patchPod(ctx, r.Client, pod, removeScaleInFinalizer)", "err := error(nil)"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidWorkerSetDeletedMidDrainLeavesNoPodStuck$",
	},
	{
		Name: "fluid-set-gone-finalizers-kept", Property: PropRuntimeGone,
		Change:   "pods of a Fluid worker set deleted while its runtime stays keep the finalizer",
		Edits:    []Edit{{reconcile, "if err := r.releaseFluidPods(ctx, req.NamespacedName, \"Fluid's worker set gone\"); err != nil {", "if err := error(nil); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidWorkerSetDeletedMidDrainLeavesNoPodStuck$",
	},
	{
		Name: "exec-transport-errors-logged", Property: PropLog,
		Change:   "the exec stream's transport hiccups during a drain reach the log as Error lines",
		Edits:    []Edit{{executor, "streamer.StreamWithContext(quietTransportLog(ctx),", "streamer.StreamWithContext(ctx,"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestPodExecutorLogsTransportHiccupsBelowError$",
	},
	{
		Name: "finished-pods-restart-the-scale-in", Property: PropCondition,
		Change:   "a Scaled pod still on its way out after the scale-in completed opens a new scale-in, so the condition tells only its end",
		Edits:    []Edit{{status, " && !(st != nil && s.leavingFinished()) {", " {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidVictimsLeavingOneAfterAnotherAreOneScaleIn$",
	},
	{
		Name: "fluid-status-conflict-is-error", Property: PropLog,
		Change:   "a Fluid runtime's condition patch that meets Fluid's own status write is returned as an error (a \"Reconciler error\" line)",
		Edits:    []Edit{{reconcile, "\t\t\treturn r.waitOrFail(ctx, err)\n\t\t}\n\t\treturn res, nil", "\t\t\treturn res, err\n\t\t}\n\t\treturn res, nil"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestFluidConditionConflictIsARetryNotAnError$",
	},
	{
		Name: "guard-kept-with-the-gate-off", Property: PropGuardScope,
		Change:   "with GracefulScaleIn off (or the runtime opted out) the worker pods stay under the guard, so Fluid's plain scale-in is held for ever",
		Edits:    []Edit{{fluidRec, "if err := guard.Sync(ctx, r.Client, workers, false); err != nil {", "if err := error(nil); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidWorkersAreGuardedWhileTheGateIsOn|TestFluidRuntimeOptedOutIsNeverHeld",
	},
	{
		Name: "guard-kept-after-the-runtime", Property: PropGuardScope,
		Change:   "the pods of a deleted runtime stay under the guard",
		Edits:    []Edit{{reconcile, "if err := guard.Sync(ctx, r.Client, pods, false); err != nil {", "if err := error(nil); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidRuntimeDeletedMidDrainReleasesTheGuard",
	},
	{
		Name: "fluid-victims-finalized", Property: PropGuardScope,
		Change:   "next to Fluid a victim's pod carries the finalizer while it drains, so an uninstall leaves it Terminating",
		Edits:    []Edit{{act, "if err := v.persist(ctx, s.r.Client, keep && s.finalizes); err != nil {", "if err := v.persist(ctx, s.r.Client, keep); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidVictimsCarryNoFinalizer",
	},
	{
		Name: "fluid-nothing-to-drain-one-look", Property: PropNeverReg,
		Change:   "next to Fluid a victim judged to have nothing to drain is marked Scaled (released by the guard) on one look",
		Edits:    []Edit{{driver, "\tif s.dropsReplicas || v.deleting() {\n\t\treturn d\n\t}", "\tif true {\n\t\treturn d\n\t}"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidNothingToDrainIsActedOnAfterASecondLook|TestNeverRegistered",
	},
	{
		Name: "guard-lapse-untold", Property: PropGuardBound,
		Change:   "a heartbeat found expired is renewed without telling the runtimes that the guard lapsed",
		Edits:    []Edit{{heartbeat, "if !prev.IsZero() && now.Sub(prev) > h.Timeout {", "if false {"}},
		UnitPkgs: guardPkg, UnitRun: "TestALapsedHeartbeatIsToldToEveryRuntime",
	},
	{
		Name: "heartbeat-renewed-too-rarely", Property: PropGuardBound,
		Change:   "the heartbeat is renewed once per timeout, so one late write lets the guard lapse",
		Edits:    []Edit{{heartbeat, "return max(h.Timeout/renewalsPerTimeout, time.Second)", "return max(h.Timeout, time.Second)"}},
		UnitPkgs: guardPkg, UnitRun: "TestHeartbeatPeriodIsAFractionOfTheTimeout",
	},
	{
		Name: "rollout-held", Property: PropGuardScope,
		Change:   "the pods a rolling update of Fluid's worker set replaces stay under the guard, so the rollout never finishes",
		Edits:    []Edit{{fluidRec, "return ordinal >= partition && ordinal < newFluidWorkers(sts).replicas()", "return false && ordinal >= partition"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidRollingUpdateIsNotHeld",
	},
	{
		Name: "refresh-minutes-misread", Property: PropRefresh,
		Change:   "a refresh interval written in minutes as \"2m\" is read as seconds",
		Edits:    []Edit{{refreshGo, `"m": time.Minute, "min": time.Minute,`, `"m": time.Second, "min": time.Minute,`}},
		UnitPkgs: alluxioPkg, UnitRun: "TestParseAlluxioDuration|TestFluidRefreshIntervalInMinutes",
	},
	{
		Name: "fluid-recache-limit-zero-refused", Property: PropDocumented,
		Change:   "the annotation recache-limit=0 is refused as a bad value, and the flag's (no cap) is used",
		Edits:    []Edit{{fluidMove, "if err != nil || q.Sign() < 0 {", "if err != nil || q.Sign() <= 0 {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidRecache",
	},
	{
		Name: "recache-limit-zero-means-no-cap", Property: PropDocumented,
		Change:   "a recacheLimit of 0 is taken as no cap instead of \"caches nothing again\"",
		Edits:    []Edit{{movesGo, "if q == nil {\n\t\treturn 0, false", "if q == nil || q.IsZero() {\n\t\treturn 0, false"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidRecache",
	},
	{
		Name: "recache-limit-flag-zero-refused", Property: PropDocumented,
		Change:   "--recache-limit=0 is refused at start-up instead of meaning \"caches nothing again\"",
		Edits:    []Edit{{recFlags, "if err != nil || q.Sign() < 0 {", "if err != nil || q.Sign() <= 0 {"}},
		UnitPkgs: commandPkg, UnitRun: "^TestFlag",
	},
	{
		Name: "size-units-misread", Property: PropParsers,
		Change:   "sizes Alluxio prints in MB are read as KB",
		Edits:    []Edit{{sizes, `"MB": 20`, `"MB": 10`}},
		UnitPkgs: operationsPkg, UnitRun: "TestParseAlluxioSize",
	},
	{
		Name: "persisted-state-misread", Property: PropParsers,
		Change:   "a file Alluxio has not persisted yet (TO_BE_PERSISTED, LOST) counts as persisted",
		Edits:    []Edit{{sizes, `Persisted: f.PersistenceState == "PERSISTED"`, `Persisted: f.PersistenceState != "NOT_PERSISTED"`}},
		UnitPkgs: operationsPkg, UnitRun: "TestOnlyPersistedCountsAsSafe|TestUnpersistedData",
	},
	{
		Name: "lost-workers-counted-live", Property: PropParsers,
		Change:   "the lost workers Alluxio 2.9.0–2.9.3 also list among \"workers\" count as live",
		Edits:    []Edit{{observeGo, "toWorkerInfos(withoutLost(*info.Workers, info.LostWorkers))", "toWorkerInfos(*info.Workers)"}},
		UnitPkgs: operationsPkg, UnitRun: "TestObserve",
	},
	{
		Name: "port-precedence-swapped", Property: PropParsers,
		Change:   "a global port property outranks the worker's own",
		Edits:    []Edit{{portsGo, `}{{"component properties", component}, {"properties", global}} {`, `}{{"properties", global}, {"component properties", component}} {`}},
		UnitPkgs: operationsPkg, UnitRun: "TestResolve",
	},
	{
		Name: "container-port-ignored", Property: PropParsers,
		Change:   "the port Fluid allocated (the pod's container port) is ignored for Alluxio's default",
		Edits:    []Edit{{portsGo, "if port, ok := ports[portName]; ok {", "if port, ok := ports[portName]; ok && false {"}},
		UnitPkgs: operationsPkg, UnitRun: "TestResolve",
	},
	{
		Name: "decommission-version-misread", Property: PropParsers,
		Change:   "Alluxio 2.9.3, which has no decommissionWorker, is taken for one that has",
		Edits:    []Edit{{versionGo, "(minor == 9 && patch >= 4)", "(minor == 9 && patch >= 3)"}},
		UnitPkgs: operationsPkg, UnitRun: "TestSupportsDecommission",
	},
	{
		Name: "duration-bare-number-as-seconds", Property: PropParsers,
		Change:   "a refresh interval written as a bare number (Alluxio: milliseconds) is read as seconds",
		Edits:    []Edit{{refreshGo, `"": time.Millisecond, "ms":`, `"": time.Second, "ms":`}},
		UnitPkgs: alluxioPkg, UnitRun: "TestParseAlluxioDuration|TestFluidRefreshIntervalInMinutes",
	},
	{
		Name: "default-drain-timeout-changed", Property: PropDocumented,
		Change:   "the default drainTimeout (and --drain-timeout) is 5m, not the documented 10m",
		Edits:    []Edit{{policyGo, "defaultDrainTimeout = 10 * time.Minute", "defaultDrainTimeout = 5 * time.Minute"}},
		UnitPkgs: policyPkgs, UnitRun: "TestDrainPolicyReadsTheClientsRefreshInterval|TestFluidAnnotationsOverrideEveryFlag|^TestFlagsDefault",
	},
	{
		Name: "default-refresh-interval-changed", Property: PropDocumented,
		Change:   "without the property, the clients' refresh interval is taken as 1 minute, not Alluxio's 2",
		Edits:    []Edit{{policyGo, "defaultRefreshInterval = 2 * time.Minute", "defaultRefreshInterval = time.Minute"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestDrainPolicyReadsTheClientsRefreshInterval",
	},
	{
		Name: "on-drain-timeout-annotation-ignored", Property: PropDocumented,
		Change:   "the annotation scale-in-on-drain-timeout is read but the flag's value kept",
		Edits:    []Edit{{fluidPol, "\t\t\tout.OnDrainTimeout = action\n", "\t\t\t_ = action\n"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidAnnotationsOverrideEveryFlag",
	},
	{
		Name: "max-concurrent-zero-caps", Property: PropDocumented,
		Change:   "--max-concurrent=0 (documented: no cap) caps at 0",
		Edits:    []Edit{{fluidPol, "if p.MaxConcurrent > 0 {", "if p.MaxConcurrent >= 0 {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidMaxConcurrentZeroFlagIsNoCap",
	},
	{
		Name: "fluid-quiet-period-unchecked", Property: PropDocumented,
		Change:   "an annotated quiet period as long as the drain timeout is accepted",
		Edits:    []Edit{{fluidPol, "if out.QuietPeriod.Duration >= out.DrainTimeout.Duration {", "if false {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidQuietPeriodMustBeShorterThanTheDrainTimeout",
	},
	{
		Name: "recache-off-annotation-ignored", Property: PropDocumented,
		Change:   "the annotation scale-in-recache=Off is read but the flag's All kept",
		Edits:    []Edit{{fluidMove, "\t\t\tout.Recache = mode\n", "\t\t\t_ = mode\n"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluidRecachePolicyFromFlagsAndAnnotations",
	},
	{
		Name: "fluid-cache-misses-the-master", Property: PropFluidWiring,
		Change: "the cache of Fluid's workloads selects only role=alluxio-worker, so Fluid's master pod is never found",
		Edits: []Edit{{setupGo, `" in (" + datav1alpha1.FluidMasterRole + "," + datav1alpha1.FluidWorkerRole + ")"`,
			`" in (" + datav1alpha1.FluidWorkerRole + ")"`}},
		Suites: []string{"envtest"}, EnvtestPkg: fluidMode, EnvtestRun: "TestFluidScaleInDrainsTheLeavingWorkerBeforeItGoes",
	},
	{
		Name: "fluid-cache-not-started", Property: PropFluidWiring,
		Change: "the cache of Fluid's workloads is made but never started with the manager",
		Edits:  []Edit{{setupGo, "return c, mgr.Add(c)", "return c, nil"}},
		Suites: []string{"envtest"}, EnvtestPkg: fluidMode, EnvtestRun: "TestFluidScaleInDrainsTheLeavingWorkerBeforeItGoes",
	},
	{
		Name: "fluid-mode-makes-workloads", Property: PropFluidWiring,
		Change: "--mode=fluid is not passed on: a runtime whose sets Fluid did not make gets the controller's own",
		Edits:  []Edit{{setupGo, "o.Mode == FluidMode,", "false,"}},
		Suites: []string{"envtest"}, EnvtestPkg: fluidMode, EnvtestRun: "TestFluidScaleInDrainsTheLeavingWorkerBeforeItGoes",
	},
	{
		Name: "fluid-runtime-deleted-pods-kept", Property: PropFluidWiring,
		Change: "a deleted runtime's pods that Fluid's chart made keep the finalizer",
		Edits: []Edit{{reconcile, `r.releasePods(ctx, pods.Items, "runtime gone"), r.releaseFluidPods(ctx, runtime, "runtime gone")`,
			`r.releasePods(ctx, pods.Items, "runtime gone")`}},
		Suites: []string{"envtest"}, EnvtestPkg: fluidMode, EnvtestRun: "TestRuntimeDeletedMidDrainLeavesNoFluidPodBehind",
	},
	{
		Name: "victim-annotation-ignored", Property: PropVictim,
		Change: "a worker annotated scale-in-victim=true is not chosen first",
		Edits: []Edit{{selection, `if d := boolRank(b.pod.Annotations[datav1alpha1.ScaleInVictimAnnotation] == "true") - boolRank(a.pod.Annotations[datav1alpha1.ScaleInVictimAnnotation] == "true"); d != 0 {`,
			"if d := 0; d != 0 {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestChooseLeaving",
	},
	{
		Name: "least-cached-ignored", Property: PropVictim,
		Change:   "victimSelection LeastCached picks the highest ordinals instead",
		Edits:    []Edit{{selection, "if rt.Spec.ScaleIn.VictimSelection == datav1alpha1.LeastCached {", "if false {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestChooseLeaving",
	},
	{
		Name: "recache-off-ignored", Property: PropDocumented,
		Change:   "recache: Off still caches a drained worker's files again",
		Edits:    []Edit{{movesGo, "return rt.Spec.ScaleIn.Recache != datav1alpha1.RecacheOff", "return true"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestRecacheOffLeavesWithoutRecaching",
	},
	{
		Name: "recache-limit-ignored", Property: PropDocumented,
		Change:   "recacheLimit is not applied: every file that fits is cached again",
		Edits:    []Edit{{movesGo, "return max(q.Value(), 0), true", "return 0, false"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestRecacheLimitCapsTheBytesCachedAgain",
	},
	{
		Name: "flag-on-drain-timeout-ignored", Property: PropDocumented,
		Change:   "--on-drain-timeout=Force is accepted but Wait kept",
		Edits:    []Edit{{flagsGo, "\t\to.fluidPolicy.OnDrainTimeout = action\n", "\t\t_ = action\n"}},
		UnitPkgs: commandPkg, UnitRun: "^TestFlag",
	},
	{
		Name: "flag-quiet-period-unchecked", Property: PropDocumented,
		Change:   "--quiet-period not shorter than --drain-timeout starts the controller",
		Edits:    []Edit{{flagsGo, "case p.QuietPeriod >= p.DrainTimeout:", "case false:"}},
		UnitPkgs: commandPkg, UnitRun: "^TestFlag",
	},
	{
		Name: "fluid-summary-not-written", Property: PropFluidWiring,
		Change:   "the scale-in summary is never kept on Fluid's master pod",
		Edits:    []Edit{{fluidStat, "if err := writeScaleInSummary(ctx, r.Client, master, scratch.Status.ScaleIn); err != nil {", "if err := error(nil); err != nil {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestFluid",
	},
	{
		Name: "waits-unbounded", Property: PropTimeout,
		Change:   "a victim held for its data, on an Alluxio that cannot decommission, or by an unreachable master waits without bound",
		Edits:    []Edit{{"pkg/drainfsm/timeout.go", "return !start.IsZero() && f.Now.Sub(start) > p.DrainTimeout", "return false && !start.IsZero()"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestEveryWaitIsBoundedByDrainTimeout$",
	},
	{
		Name: "overdue-force-ignored", Property: PropTimeout,
		Change:   "onDrainTimeout Force does not let a victim go from a wait without a state of its own to time out into",
		Edits:    []Edit{{"pkg/drainfsm/timeout.go", "if p.OnDrainTimeout == ForceOnTimeout && Can(f.State, Force) {", "if false {"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestEveryWaitIsBoundedByDrainTimeout$",
	},
	{
		Name: "timeout-wait-silent", Property: PropTimeout,
		Change:   "a victim kept waiting past drainTimeout does not name the command that lets it go",
		Edits:    []Edit{{"pkg/drainfsm/timeout.go", "still waiting, or run `%s` to remove it anyway\", what, p.DrainTimeout, f.forceCommand())", "still waiting\", what, p.DrainTimeout)"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestEveryWaitIsBoundedByDrainTimeout$",
	},
	{
		Name: "fuse-refresh-ignored", Property: PropRefresh,
		Change:   "the refresh interval set in the fuse (or job) properties and jvmOptions is not waited for",
		Edits:    []Edit{{"pkg/ddc/alluxio/refresh_interval.go", "if len(c.raw) == 0 {", "if true {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestClientRefreshIntervalIsTheLongestSetting$",
	},
	{
		Name: "jvm-refresh-ignored", Property: PropRefresh,
		Change:   "a -D setting of the refresh interval in jvmOptions is not read",
		Edits:    []Edit{{"pkg/ddc/alluxio/refresh_interval.go", "if v, ok := strings.CutPrefix(word, \"-D\"+refreshIntervalKey+\"=\"); ok {", "if v, ok := strings.CutPrefix(word, \"-D\"+refreshIntervalKey+\"=\"); ok && false {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestClientRefreshIntervalIsTheLongestSetting$",
	},
	{
		Name: "refresh-default-dropped", Property: PropRefresh,
		Change:   "an interval set for some clients only is waited for alone, although the others keep Alluxio's longer default",
		Edits:    []Edit{{"pkg/ddc/alluxio/refresh_interval.go", "\tif !global {", "\tif false {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestDrainPolicyReadsTheClientsRefreshInterval$",
	},
	{
		Name: "cli-slots-unbounded", Property: PropCLIProcesses,
		Change:   "Alluxio CLI commands run in the master pod without a bound on how many at once",
		Edits:    []Edit{{"pkg/ddc/alluxio/operations/client.go", "\tcfg.Executor = slottedExecutor{Executor: cfg.Executor, slots: masterCLISlots}\n", "\n"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestCLIProcessesPerMasterAreBounded$",
	},
	{
		Name: "abandoned-command-slot-freed", Property: PropCLIProcesses,
		Change:   "a command abandoned through pods/exec frees its slot at once, while it may still run in the container",
		Edits:    []Edit{{"pkg/ddc/alluxio/operations/cli_slots.go", "if l, ok := e.Executor.(lingering); ok && err != nil && ctx.Err() != nil {", "if l, ok := e.Executor.(lingering); ok && false {"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestAbandonedPodCommandKeepsItsSlotUntilTheContainerEndsIt$",
	},
	{
		Name: "remote-command-unbounded", Property: PropCLIProcesses,
		Change:   "a command run through pods/exec is not told its deadline, so it goes on in the master after the controller gives up",
		Edits:    []Edit{{executor, "Command:   withRemoteDeadline(ctx, time.Now(), argv),", "Command:   withRemoteDeadline(ctx, time.Now(), argv)[4:],"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestPodExecutorExecsIntoTheMasterContainer$",
	},
	{
		Name: "local-command-children-survive", Property: PropCLIProcesses,
		Change:   "a local command's children (a script's JVM) survive the command's cancellation",
		Edits:    []Edit{{"pkg/ddc/alluxio/operations/local_executor.go", "\tkillProcessGroupOnCancel(cmd)\n", "\n"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestLocalExecutorKillsTheCommandsChildrenWhenTheContextEnds$",
	},
	{
		Name: "standby-master-asked", Property: PropDecommission,
		Change:   "with several masters, the first that answers is taken for the leader, though a standby lists no workers",
		Edits:    []Edit{{"pkg/ddc/alluxio/master_leader.go", "case best < 0 || workersKnown(a.info) > workersKnown(answers[best].info):", "case best < 0:"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestScaleInAsksTheLeadingMaster$",
	},
	{
		Name: "master-0-only", Property: PropDecommission,
		Change:   "only master-0 is asked, whether or not it leads",
		Edits:    []Edit{{"pkg/ddc/alluxio/master_leader.go", "for i := int32(1); i < rt.Spec.Master.Replicas; i++ {", "for i := int32(1); i < 1; i++ {"}},
		UnitPkgs: alluxioPkg, UnitRun: "^TestScaleInAsksTheLeadingMaster$",
	},
	{
		Name: "container-network-decommissions-pod-ip", Property: PropAddress,
		Change:   "a ContainerNetwork worker is named to the master by its pod IP, not the node IP it registered with",
		Edits:    []Edit{{"pkg/ddc/alluxio/operations/worker_registered_host.go", "registered, err = WorkerHost(pod, true)", "registered, err = WorkerHost(pod, pod.Spec.HostNetwork)"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestWorkerHosts$",
	},
	{
		Name: "worker-asked-at-registered-host", Property: PropAddress,
		Change:   "a ContainerNetwork worker's web server is asked at the node IP it registered with, where nothing answers",
		Edits:    []Edit{{"pkg/ddc/alluxio/operations/addresses.go", "\t\thost = w.ContainerHost\n", "\n"}},
		UnitPkgs: operationsPkg, UnitRun: "^TestWorkerIsAskedAtItsContainerHost$",
	},
	{
		Name: "shared-address-decommissioned", Property: PropAddress,
		Change:   "a victim whose host and web port another live worker registered too is decommissioned by that ambiguous address",
		Edits:    []Edit{{decide, "\tif f.SharedAddress != \"\" {\n", "\tif false {\n"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestEveryWaitIsBoundedByDrainTimeout$",
	},
	{
		Name: "unsupported-fails-before-persisting", Property: PropUnpersisted,
		Change: "on an Alluxio that cannot decommission, a victim stops in Failed without its unpersisted files being persisted first",
		Edits: []Edit{{decide, "\tif hold, held := holdForData(f); held {\n\t\tif overdue(f, p) {",
			"\tif f.Unsupported != \"\" {\n\t\treturn Decision{Event: Fail, Reason: DecommissionUnsupportedReason, Message: f.Unsupported}\n\t}\n\tif hold, held := holdForData(f); held {\n\t\tif overdue(f, p) {"}},
		UnitPkgs: drainfsmPkg, UnitRun: "^TestUnsupportedAlluxioPersistsBeforeFailing$",
	},
	{
		Name: "standalone-next-to-fluid", Property: PropNextToFluid,
		Change:   "standalone mode starts where Fluid's Dataset CRD is served",
		Edits:    []Edit{{detect, "\tif fluid {", "\tif fluid && false {"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestStandaloneIsRefusedWhereFluidIsInstalled",
	},
	{
		Name: "policy-problems-not-warned", Property: PropDocumented,
		Change:   "an annotation that cannot be read is replaced by its flag with a Normal event, not a Warning",
		Edits:    []Edit{{fluidPol, "corev1.EventTypeWarning, datav1alpha1.InvalidPolicyReason,", "corev1.EventTypeNormal, datav1alpha1.InvalidPolicyReason,"}},
		UnitPkgs: alluxioPkg, UnitRun: "TestBadFluidRecacheAnnotationIsAWarningEvent|TestFluidPolicyAnnotations",
	},
}
