// Package drainfsm is the scale-in state machine of one victim worker.
//
//	Pending ──decommission──▶ Decommissioning ──decommissioned──▶ Draining ──drained──▶ Scaled
//	   │                          │      │                        │    │
//	   │ fail                     │ fail │ timeout        timeout │    │ force / nothing-to-drain
//	   ▼                          ▼      ▼                        ▼    ▼
//	 Failed ──retry──▶ Pending   Failed  TimedOut ──drained / force──▶ Scaled
//
// and cancel from every unfinished state to Cancelled.
//
// The package is pure: no client, no I/O and no clock of its own (the
// time is a fact passed in). Each reconcile builds the machine from the
// state stored on the pod, decides at most one event from the facts it
// observed (Decide), and fires it (Fire); nothing lives in memory between
// reconciles, so a restarted controller resumes exactly where it was.
package drainfsm
