package alluxio

import (
	"fmt"
	"strings"
	"testing"
	"time"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/gomega"
)

// stuckWaits are the waits with no state of their own to time out into:
// each holds worker 2 of 3 after a scale-in to 2, for as long as it lasts.
var stuckWaits = []struct {
	name   string
	reason string
	stick  func(m *fakeMaster)
}{
	{"Alluxio 2.9.0 cannot decommission", "DecommissionUnsupported", func(m *fakeMaster) { m.version = "2.9.0" }},
	{"unpersisted data in its cache", "UnpersistedData", func(m *fakeMaster) { m.unpersisted[host(2)] = 3 }},
	{"the master does not answer", "AlluxioUnreachable", func(m *fakeMaster) { m.unreachable = true }},
}

// Every wait ends at drainTimeout: with onDrainTimeout Wait the victim
// stays and the condition names the exact command that lets it go; with
// Force it leaves, with a Warning event.
func TestEveryWaitEndsAtDrainTimeout(t *testing.T) {
	timeout := 3 * time.Minute
	for _, w := range stuckWaits {
		for _, action := range []datav1alpha1.DrainTimeoutAction{datav1alpha1.DrainTimeoutWait, datav1alpha1.DrainTimeoutForce} {
			t.Run(fmt.Sprintf("%s, %s", w.name, action), func(t *testing.T) {
				e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{DrainTimeout: &metav1.Duration{Duration: timeout}, OnDrainTimeout: action})
				e.master.set(w.stick)
				e.scaleTo(2)
				e.reconcile()
				e.drainEvents()
				start := e.clock.Now()
				for e.clock.Now().Add(poll).Sub(start) < timeout {
					e.advance(poll)
					e.g.Expect(e.left(2)).To(BeFalse(), "left after %s, before drainTimeout", e.clock.Now().Sub(start))
					e.g.Expect(e.condition().Reason).To(Equal(w.reason))
				}
				e.advance(2 * poll)
				e.advance(poll)
				events := strings.Join(e.drainEvents(), "\n")
				if action == datav1alpha1.DrainTimeoutForce {
					e.g.Expect(e.left(2)).To(BeTrue(), "still there %s after drainTimeout with Force", e.clock.Now().Sub(start)-timeout)
					e.g.Expect(events).To(MatchRegexp(`Warning Forced .*onDrainTimeout is Force`))
					return
				}
				e.g.Expect(e.left(2)).To(BeFalse(), "left after drainTimeout with Wait")
				c := e.condition()
				e.g.Expect(c.Reason).To(Equal(w.reason))
				e.g.Expect(c.Message).To(ContainSubstring("onDrainTimeout is Wait"))
				e.g.Expect(c.Message).To(ContainSubstring("kubectl annotate pod cache-worker-2 -n default data.fluid.io/scale-in-force=true"))
			})
		}
	}
}

// On Alluxio 2.9.0, which cannot decommission, a victim's unpersisted
// files are persisted before it stops in Failed: a later forced exit
// loses none of them.
func TestUnsupportedAlluxioPersistsAVictimsFilesBeforeFailing(t *testing.T) {
	e := newEngine(t, 3, datav1alpha1.ScaleInPolicy{})
	e.master.set(func(m *fakeMaster) { m.version = "2.9.0" })
	e.master.cache(host(2), "/only-here", 2, 1024, false)
	e.scaleTo(2)
	e.reconcileUntil(poll, 10, func() bool { return e.state(2) == "Failed" })
	e.g.Expect(e.master.persists).NotTo(BeEmpty(), "asked to persist before failing")
	e.g.Expect(e.master.persists[0]).To(ConsistOf("/only-here/f000", "/only-here/f001"))
	for _, f := range e.master.files[host(2)] {
		e.g.Expect(f.Persisted).To(BeTrue(), "%s not persisted", f.Path)
	}
}
