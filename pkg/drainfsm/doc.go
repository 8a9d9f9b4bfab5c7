// Package drainfsm is the scale-in state machine of one victim worker.
//
// The happy path, and where it can turn off:
//
//	Pending ──decommission──▶ Decommissioning ──decommissioned──▶ Draining ──recache──▶ Recaching ──recached──▶ Scaled
//	   │ timeout, fail, force       │ timeout, fail, force          │ drained (nothing to re-cache) ──────────────▶ Scaled
//	   │                            │                               │ timeout, force, relisted  │ recache-timeout (cold), force, relisted
//	   ▼                            ▼                               ▼                           ▼
//	 TimedOut / Failed / Scaled   TimedOut / Failed / Scaled      TimedOut / Scaled /         Scaled / Decommissioning
//	                                                              Decommissioning
//
// and cancel from every state but Cancelled to Cancelled. The whole
// machine is Table; this list is that table, one row per event (checked
// by a test):
//
//	event            from                                                               to              action
//	decommission     Pending                                                           -> Decommissioning send decommissionWorker
//	decommissioned   Decommissioning,TimedOut                                          -> Draining        record the decommission time
//	drained          Draining,TimedOut                                                 -> Scaled          release the pod
//	recache          Draining,TimedOut                                                 -> Recaching       store the re-cache plan
//	recached         Recaching                                                         -> Scaled          release the pod
//	recache-timeout  Recaching                                                         -> Scaled          release the pod, warning event
//	nothing-to-drain Pending,Decommissioning,Draining,Recaching,TimedOut               -> Scaled          release the pod
//	timeout          Pending,Decommissioning,Draining                                  -> TimedOut        warning event
//	force            Pending,Decommissioning,Draining,Recaching,TimedOut,Failed        -> Scaled          release the pod
//	fail             Pending,Decommissioning                                           -> Failed          warning event
//	retry            Failed                                                            -> Pending         none
//	reappeared       Scaled                                                            -> Pending         forget the decommission
//	relisted         Draining,Recaching,TimedOut                                       -> Decommissioning forget the decommission
//	cancel           Pending,Decommissioning,Draining,Recaching,TimedOut,Failed,Scaled -> Cancelled       enableWorker, restart if decommissioned
//
// A victim can also act without moving: the work done while it waits in
// a state (besides re-reading Alluxio):
//
//	states                     while                                              action
//	Pending,Draining,TimedOut  holds unpersisted data (then every persistRetry)   ask Alluxio to persist them
//	Recaching                  until done or recacheTimeout (every poll)          re-cache the next batch
//
// The package is pure: no client, no I/O and no clock of its own (the
// time is a fact passed in). Each reconcile builds the machine from the
// state stored on the pod, decides at most one event from the facts it
// observed (Decide), and fires it (Fire); nothing lives in memory between
// reconciles, so a restarted controller resumes exactly where it was.
package drainfsm
