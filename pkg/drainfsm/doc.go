// Package drainfsm is the scale-in state machine of one victim worker.
//
// The happy path, and where it can turn off:
//
//	Pending ──decommission──▶ Decommissioning ──decommissioned──▶ Draining ──drained──▶ Scaled
//	   │ timeout, fail, force       │ timeout, fail, force          │ timeout, force, relisted
//	   ▼                            ▼                               ▼
//	 TimedOut / Failed / Scaled   TimedOut / Failed / Scaled      TimedOut / Scaled / Decommissioning
//
// and cancel from every state but Cancelled to Cancelled. The whole
// machine is Table; this list is that table, one row per event (checked
// by a test):
//
//	event            from                                                       to              action
//	decommission     Pending                                                 -> Decommissioning send decommissionWorker
//	decommissioned   Decommissioning,TimedOut                                -> Draining        record the decommission time
//	drained          Draining,TimedOut                                       -> Scaled          release the pod
//	nothing-to-drain Pending,Decommissioning,Draining,TimedOut               -> Scaled          release the pod
//	timeout          Pending,Decommissioning,Draining                        -> TimedOut        warning event
//	force            Pending,Decommissioning,Draining,TimedOut,Failed        -> Scaled          release the pod
//	fail             Pending,Decommissioning                                 -> Failed          warning event
//	retry            Failed                                                  -> Pending         none
//	reappeared       Scaled                                                  -> Pending         forget the decommission
//	relisted         Draining,TimedOut                                       -> Decommissioning forget the decommission
//	cancel           Pending,Decommissioning,Draining,TimedOut,Failed,Scaled -> Cancelled       enableWorker, restart if decommissioned
//
// The package is pure: no client, no I/O and no clock of its own (the
// time is a fact passed in). Each reconcile builds the machine from the
// state stored on the pod, decides at most one event from the facts it
// observed (Decide), and fires it (Fire); nothing lives in memory between
// reconciles, so a restarted controller resumes exactly where it was.
package drainfsm
