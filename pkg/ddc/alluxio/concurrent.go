package alluxio

import (
	"sync"
)

// concurrentCalls bounds the calls one reconcile has in flight at once
// to the API server (pod patches) or to the workers (probes). Victims are
// independent of each other: a scale-in of many victims would otherwise
// spend its time in round trips made one after another, and every second
// spent before the decommission, or after the victims drained, adds to
// the scale-in.
const concurrentCalls = 16

// forEach calls f(i) for i in [0, n), at most concurrentCalls at once,
// waits for all, and returns the error of the lowest i that failed (so
// the outcome does not depend on which call finished first). With the
// Reconciler's CallOrder set, the calls run one at a time in its order
// instead: every call still runs, and the same error is returned.
func (s *scaleIn) forEach(n int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	errs := make([]error, n)
	if s.r.CallOrder != nil {
		for _, i := range s.r.CallOrder(n) {
			errs[i] = f(i)
		}
		return firstError(errs)
	}
	if n == 1 {
		return f(0)
	}
	sem := make(chan struct{}, concurrentCalls)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
