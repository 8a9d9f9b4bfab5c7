package alluxio

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotYetDrained is what a reconcile returns while a scale-in waits for
// workers: a normal wait, not a failure. errors.Is(err, ErrNotYetDrained)
// holds for every *WaitingError.
var ErrNotYetDrained = errors.New("workers not yet drained")

// WaitingError is a wait with its reason, in the spirit of Flux's
// source-controller: the reconciler logs it at Info and requeues after
// exactly RequeueAfter (no exponential backoff), never as an Error.
type WaitingError struct {
	// Reason is the condition reason the scale-in waits in.
	Reason string
	// Message says what it waits for.
	Message string
	// RequeueAfter is when to look again (the runtime's pollInterval).
	RequeueAfter time.Duration
}

func (e *WaitingError) Error() string {
	return fmt.Sprintf("%s: %s: %s", ErrNotYetDrained, e.Reason, e.Message)
}

// Is makes errors.Is(err, ErrNotYetDrained) true.
func (e *WaitingError) Is(target error) bool { return target == ErrNotYetDrained }

// conflictRetry is how soon a reconcile that lost an update race runs
// again.
const conflictRetry = 200 * time.Millisecond

// reconcileTimeout bounds one reconcile, Alluxio calls included.
const reconcileTimeout = 3 * time.Minute
