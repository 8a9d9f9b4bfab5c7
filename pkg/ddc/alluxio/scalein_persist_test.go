package alluxio

import (
	"errors"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// persistedFiles reads the files-persisted counter of the test runtime.
func (e *engine) persistedFiles() float64 {
	return e.counter(filesPersisted)
}

// counter reads a runtime counter of the test runtime, as a scrape would.
func (e *engine) counter(c *prometheus.CounterVec) float64 {
	m := &dto.Metric{}
	e.g.Expect(c.WithLabelValues(e.rt.Namespace, e.rt.Name).Write(m)).To(Succeed())
	return m.GetCounter().GetValue()
}

// A victim holding unpersisted files asks Alluxio to persist them once,
// says so in an event and in the condition, and asks again only after the
// persist retry, while it stays held.
func TestVictimAsksAlluxioToPersistItsFilesOnceThenAgainAfterTheRetry(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.cache(host(2), "/data", 3, 1024, false)
	e.master.set(func(m *fakeMaster) { m.persistStuck = true })
	before := e.persistedFiles()
	e.scaleTo(2)
	e.reconcile()
	e.drainEvents()
	for e.clock.Now().Before(t0.Add(defaultPersistRetry - poll)) {
		e.advance(poll)
		e.g.Expect(e.state(2)).To(Equal("Pending"))
	}
	e.g.Expect(e.master.persistCount()).To(Equal(1), "asked once, not on every poll")
	e.g.Expect(e.master.persists[0]).To(Equal([]string{"/data/f000", "/data/f001", "/data/f002"}))
	e.g.Expect(e.persistedFiles() - before).To(Equal(3.0))
	e.g.Expect(e.condition().Reason).To(Equal("UnpersistedData"))
	e.g.Expect(e.condition().Message).To(ContainSubstring("3 files"))
	e.g.Expect(e.condition().Message).To(ContainSubstring("Alluxio was asked to persist them at"))
	p, _ := e.pod(2)
	e.g.Expect(p.Annotations).To(HaveKey(datav1alpha1.ScaleInPersistAskedAtAnnotation), "kubectl describe shows when it asked")

	e.reconcileUntil(poll, 5, func() bool { return e.master.persistCount() == 2 })
	e.g.Expect(e.state(2)).To(Equal("Pending"))
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeZero())
}

// The event names the request: how many files, and which.
func TestPersistRequestIsAnEventNamingTheFiles(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.cache(host(2), "/data", 5, 1024, false)
	e.master.set(func(m *fakeMaster) { m.persistStuck = true })
	e.scaleTo(2)
	e.reconcile()
	e.advance(poll)
	e.g.Expect(e.eventsText()).To(ContainSubstring(
		"Normal Persisting pod cache-worker-2: asked Alluxio to persist 5 files (/data/f000, /data/f001, /data/f002, and 2 more)"))
}

// A controller that restarts does not ask again before the retry: when it
// asked is on the pod.
func TestRestartedControllerDoesNotAskToPersistAgainBeforeTheRetry(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.cache(host(2), "/data", 2, 1024, false)
	e.master.set(func(m *fakeMaster) { m.persistStuck = true })
	e.scaleTo(2)
	e.reconcile()
	e.advance(poll)
	e.g.Expect(e.master.persistCount()).To(Equal(1))
	e.r = &Reconciler{Client: e.c, Scheme: e.r.Scheme, Recorder: e.events, Gates: e.r.Gates, Alluxio: fakeConnector{e.master}, Clock: e.clock}
	for range int(defaultPersistRetry/poll) - 2 {
		e.advance(poll)
	}
	e.g.Expect(e.master.persistCount()).To(Equal(1))
}

// Once Alluxio has persisted what it was asked to, the victim is
// decommissioned and leaves as usual.
func TestVictimIsDecommissionedOnceThePersistIsConfirmed(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.cache(host(2), "/data", 3, 1024, false)
	e.scaleTo(2)
	e.reconcile() // the victim is chosen and decided at once: it asks
	e.g.Expect(e.master.persistCount()).To(Equal(1))
	e.g.Expect(e.master.decommissionCount(host(2))).To(BeZero(), "not before UnpersistedData confirms the persist")
	e.reconcileUntil(poll, 3, func() bool { return e.master.decommissionCount(host(2)) > 0 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
	e.g.Expect(e.master.persistCount()).To(Equal(1))
}

// A failed persist request is a normal wait: the condition says so, no
// error is returned, and it is asked again after the retry.
func TestFailedPersistRequestIsRetriedAfterTheRetry(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.cache(host(2), "/data", 1, 1024, false)
	e.master.set(func(m *fakeMaster) { m.persistErr = errors.New("fs persist: exit status 1") })
	e.scaleTo(2)
	e.reconcile() // the victim is chosen and decided at once: it asks
	e.g.Expect(e.condition().Message).To(ContainSubstring("the request failed and is made again after 1m0s: fs persist: exit status 1"))
	e.g.Expect(strings.Count(e.eventsText(), "Persisting")).To(BeZero(), "no event claims a request that failed")
	e.advance(defaultPersistRetry - time.Second)
	e.g.Expect(e.master.persistCount()).To(Equal(1))
	e.master.set(func(m *fakeMaster) { m.persistErr = nil })
	e.reconcileUntil(poll, 3, func() bool { return e.master.persistCount() == 2 })
	e.reconcileUntil(poll, 100, func() bool { return e.state(2) == "gone" })
}
