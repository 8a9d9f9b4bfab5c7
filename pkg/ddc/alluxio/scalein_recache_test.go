package alluxio

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

const mib = 1 << 20

// recacheSetUp runs 3 workers with free bytes each; worker 2 caches n
// persisted files of 1MiB.
func recacheSetUp(t *testing.T, policy datav1alpha1.ScaleInPolicy, free int64, n int) *engine {
	e := newEngine(t, 3, policy)
	e.master.set(func(m *fakeMaster) {
		for i := range int32(3) {
			m.capacity[host(i)] = free
		}
	})
	e.master.cache(host(2), "/data", n, mib, true)
	return e
}

// recacheProgress reads the re-cache record kubectl describe shows on
// victim i's pod.
func (e *engine) recacheProgress(i int32) recacheRecord {
	p, _ := e.pod(i)
	r := recacheRecord{}
	raw, ok := p.Annotations[datav1alpha1.ScaleInRecacheAnnotation]
	e.g.Expect(ok).To(BeTrue(), "no re-cache record on the pod")
	e.g.Expect(json.Unmarshal([]byte(raw), &r)).To(Succeed())
	return r
}

// states reconciles until worker i is gone and returns every state it
// was seen in, in order.
func (e *engine) statesUntilGone(i int32, n int) []string {
	e.t.Helper()
	var seen []string
	for range n {
		if s := e.state(i); len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		if e.state(i) == "gone" {
			return seen
		}
		e.advance(poll)
	}
	e.t.Fatalf("worker %d still there after %d reconciles, states %v", i, n, seen)
	return nil
}

// recachedPaths lists every path sent to Recache, in order.
func (m *fakeMaster) recachedPaths() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, batch := range m.recaches {
		out = append(out, batch...)
	}
	return out
}

// A drained victim's files are cached again on the workers that stay, in
// batches over several polls, before it leaves; the condition and the pod
// say how far it got.
func TestDrainedVictimsFilesAreCachedAgainOnTheWorkersThatStayBeforeItLeaves(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{}, 1<<30, 40)
	recachedBefore := e.counter(bytesRecached)
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	e.g.Expect(e.condition().Reason).To(Equal("Recaching"))
	e.g.Expect(e.master.decommissioned[host(2)]).To(BeTrue(), "re-cached only after its decommission")
	e.g.Expect(e.recacheProgress(2).Target).To(Equal(int64(40 * mib)))

	e.advance(poll)
	e.g.Expect(e.state(2)).To(Equal("Recaching"))
	e.g.Expect(e.recacheProgress(2).Moved).To(Equal(int64(recacheBatchFiles * mib)))
	e.g.Expect(e.condition().Message).To(ContainSubstring("re-cached 16.0MiB of 40.0MiB on the workers that stay"))

	e.reconcileUntil(poll, 10, func() bool { return e.state(2) != "Recaching" })
	e.g.Expect(e.master.recachedPaths()).To(HaveLen(40))
	for path, on := range e.master.recachedOn {
		e.g.Expect(on).NotTo(Equal(host(2)), "%s re-cached on the leaving worker", path)
	}
	e.g.Expect(e.counter(bytesRecached) - recachedBefore).To(Equal(float64(40 * mib)))
	e.g.Expect(e.eventsText()).To(ContainSubstring("re-cached 40.0MiB of 40.0MiB on the workers that stay"))
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.workerReplicas()).To(Equal(int32(2)))
}

// A controller restarted mid re-cache goes on where the pod says it was:
// no file is cached again twice, none is skipped.
func TestRestartedControllerResumesTheRecacheWhereItWas(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{}, 1<<30, 40)
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	e.advance(poll)
	e.g.Expect(e.recacheProgress(2).Moved).To(BeNumerically(">", 0))
	e.r = &Reconciler{Client: e.c, Scheme: e.r.Scheme, Recorder: e.events, Gates: e.r.Gates, Alluxio: fakeConnector{e.master}, Clock: e.clock}
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "gone" })
	paths := e.master.recachedPaths()
	e.g.Expect(paths).To(HaveLen(40))
	e.g.Expect(slices.Compact(slices.Sorted(slices.Values(paths)))).To(HaveLen(40), "a file re-cached twice")
}

// What is cached again is bounded by the free capacity of the workers that
// stay; the rest is counted as left behind.
func TestRecacheIsBoundedByTheFreeCapacityOfTheWorkersThatStay(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{}, 5*mib, 40)
	leftBefore := e.counter(bytesLeftBehind)
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	e.g.Expect(e.recacheProgress(2).Target).To(Equal(int64(10*mib)), "workers 0 and 1 have 5MiB free each")
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.master.recachedPaths()).To(HaveLen(10))
	e.g.Expect(e.counter(bytesLeftBehind) - leftBefore).To(Equal(float64(30 * mib)))
}

// recache: Off lets a drained victim leave at once, with no Recaching step
// and no record of one.
func TestRecacheOffLeavesWithoutRecaching(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{Recache: datav1alpha1.RecacheOff}, 1<<30, 40)
	e.scaleTo(2)
	seen := e.statesUntilGone(2, 200)
	e.g.Expect(seen).NotTo(ContainElement("Recaching"))
	e.g.Expect(e.master.recacheCount()).To(BeZero())
}

// A victim with nothing to move skips Recaching: no extra state, no
// extra write.
func TestVictimWithNothingToMoveSkipsRecaching(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{}, 1<<30, 0)
	e.scaleTo(2)
	seen := e.statesUntilGone(2, 200)
	// Decommissioned when chosen, Draining in that same write, and the
	// Scaled write releases the pod: no Recaching between.
	e.g.Expect(seen).To(Equal([]string{"", "Draining", "gone"}))
}

// recacheLimit caps the bytes cached again per leaving worker.
func TestRecacheLimitCapsTheBytesCachedAgain(t *testing.T) {
	limit := resource.MustParse("3Mi")
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{RecacheLimit: &limit}, 1<<30, 40)
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	e.g.Expect(e.recacheProgress(2).Target).To(Equal(int64(3 * mib)))
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.master.recachedPaths()).To(HaveLen(3))
}

// A re-cache that keeps failing is retried until recacheTimeout; then the
// victim leaves cold, with a Warning event saying how far it got.
func TestRecacheTimeoutLetsTheVictimLeaveColdWithAWarning(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{RecacheTimeout: &metav1.Duration{Duration: time.Minute}}, 1<<30, 40)
	e.master.set(func(m *fakeMaster) { m.recacheErr = errors.New("alluxio fs load: exit status 1") })
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	entered := e.clock.Now()
	e.advance(poll)
	e.g.Expect(e.condition().Message).To(ContainSubstring("the last batch failed and is retried: alluxio fs load: exit status 1"))
	for e.clock.Now().Before(entered.Add(time.Minute)) {
		e.g.Expect(e.left(2)).To(BeFalse(), "left before recacheTimeout")
		e.advance(poll)
	}
	e.reconcileUntil(poll, 3, func() bool { return e.left(2) })
	e.g.Expect(e.master.recacheCount()).To(BeNumerically(">", 2), "retried")
	e.g.Expect(e.eventsText()).To(ContainSubstring("Warning RecacheTimedOut pod cache-worker-2: re-cached 0B of 40.0MiB on the workers that stay within recacheTimeout 1m0s"))
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "gone" })
}

// A scale-out during the re-cache stops it and takes the victim back into
// service.
func TestScaleOutDuringRecacheTakesTheVictimBack(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{}, 1<<30, 40)
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	e.advance(poll)
	calls := e.master.recacheCount()
	e.scaleTo(3)
	e.reconcileUntil(poll, 10, func() bool {
		p, ok := e.pod(2)
		return ok && p.Annotations[datav1alpha1.ScaleInStateAnnotation] == "" && p.DeletionTimestamp.IsZero()
	})
	e.g.Expect(e.master.recacheCount()).To(Equal(calls), "re-caching went on after the scale-out")
	e.g.Expect(e.master.decommissioned[host(2)]).To(BeFalse(), "the worker serves again")
	p, _ := e.pod(2)
	e.g.Expect(p.Annotations).NotTo(HaveKey(datav1alpha1.ScaleInRecacheAnnotation))
	e.reconcile()
	e.g.Expect(e.condition().Reason).To(Equal(datav1alpha1.CancelledReason))
}

// An Alluxio that cannot cache files again lets the victim leave at once
// instead of at recacheTimeout, and says so.
func TestRecacheUnsupportedLetsTheVictimLeaveAtOnce(t *testing.T) {
	e := recacheSetUp(t, datav1alpha1.ScaleInPolicy{}, 1<<30, 4)
	e.master.set(func(m *fakeMaster) { m.recacheErr = fmt.Errorf("re-cache 4 files: %w", operations.ErrUnsupported) })
	e.scaleTo(2)
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "Recaching" })
	e.reconcileUntil(poll, 2, func() bool { return e.left(2) })
	e.g.Expect(e.eventsText()).To(ContainSubstring("Normal RecacheSkipped pod cache-worker-2: its files cannot be cached again on this Alluxio"))
}
