package alluxio

import (
	"errors"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// Victims' calls of one reconcile are in flight together: each call below
// waits until every other one started, which calls made one after
// another would never see.
func TestVictimsCallsOfAReconcileRunTogether(t *testing.T) {
	g := NewWithT(t)
	s := &scaleIn{r: &Reconciler{}}
	const n = 8
	var started sync.WaitGroup
	started.Add(n)
	allStarted := make(chan struct{})
	go func() { started.Wait(); close(allStarted) }()
	err := s.forEach(n, func(int) error {
		started.Done()
		select {
		case <-allStarted:
			return nil
		case <-time.After(5 * time.Second):
			return errors.New("the other calls never started while this one was in flight")
		}
	})
	g.Expect(err).NotTo(HaveOccurred())
}

// With CallOrder set, the calls run one at a time in its order, every one
// runs though an earlier one failed, and the error returned is the
// lowest call's, as it is when they run together.
func TestCallOrderRunsEveryCallInItsOrder(t *testing.T) {
	g := NewWithT(t)
	s := &scaleIn{r: &Reconciler{CallOrder: func(n int) []int { return []int{2, 0, 3, 1} }}}
	var ran []int
	err := s.forEach(4, func(i int) error {
		ran = append(ran, i)
		if i == 1 || i == 2 {
			return errors.New("call " + string(rune('0'+i)) + " failed")
		}
		return nil
	})
	g.Expect(ran).To(Equal([]int{2, 0, 3, 1}))
	g.Expect(err).To(MatchError("call 1 failed"))
}
