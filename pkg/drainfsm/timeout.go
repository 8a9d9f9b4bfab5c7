package drainfsm

import (
	"fmt"
	"time"
)

// ForceAnnotation, set to "true" on a victim's pod, lets it leave at once.
const ForceAnnotation = "data.fluid.io/scale-in-force"

// ForceCommand is the command a person runs to let a victim leave at
// once; placeholders stand in for what is not known.
func ForceCommand(namespace, pod string) string {
	if pod == "" {
		pod = "<pod>"
	}
	if namespace == "" {
		namespace = "<namespace>"
	}
	return fmt.Sprintf("kubectl annotate pod %s -n %s %s=true", pod, namespace, ForceAnnotation)
}

// forceCommand is ForceCommand for the victim of f.
func (f Facts) forceCommand() string { return ForceCommand(f.Namespace, f.Pod) }

// waitStart is when the victim's current wait began, the start of its
// drainTimeout: its decommission once draining, else its entry into its
// state.
func waitStart(f Facts) time.Time {
	if f.State == Draining && !f.DecommissionedAt.IsZero() {
		return f.DecommissionedAt
	}
	return f.Since
}

// overdue reports whether the victim has waited longer than drainTimeout
// in its current wait.
func overdue(f Facts, p Policy) bool {
	if f.State == TimedOut {
		return true
	}
	start := waitStart(f)
	return !start.IsZero() && f.Now.Sub(start) > p.DrainTimeout
}

// onTimeout is the decision for a wait that passed drainTimeout and has
// no state of its own to go to: with Force the victim leaves (a Warning
// event); with Wait it stays where it is and says, in its message, what
// it waits for and the command that lets it go.
func onTimeout(f Facts, p Policy, reason, what string) Decision {
	if p.OnDrainTimeout == ForceOnTimeout && Can(f.State, Force) {
		return Decision{Event: Force, Reason: ForcedReason, Message: fmt.Sprintf("%s after drainTimeout %s; onDrainTimeout is Force, so it leaves now", what, p.DrainTimeout)}
	}
	return Decision{Reason: reason, Message: fmt.Sprintf("%s after drainTimeout %s; onDrainTimeout is Wait: still waiting, or run `%s` to remove it anyway", what, p.DrainTimeout, f.forceCommand())}
}

// untilTimeout is d, a wait, until the victim is overdue; then onTimeout
// decides, what saying what it waited for.
func (d Decision) untilTimeout(f Facts, p Policy, what string) Decision {
	if overdue(f, p) {
		return onTimeout(f, p, d.Reason, what)
	}
	return d
}
