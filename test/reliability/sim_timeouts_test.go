package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// stuckWaits hold a victim in a wait with no state of its own to time
// out into, for as long as they last.
var simStuckWaits = []struct {
	name  string
	stick func(a *simAlluxio, victimHost string)
}{
	{"Alluxio 2.9.0 cannot decommission", func(a *simAlluxio, _ string) { a.version = "2.9.0" }},
	{"the master does not answer", func(a *simAlluxio, _ string) { a.masterDown = true }},
	{"unpersisted data that is never persisted", func(a *simAlluxio, host string) {
		a.persistBroken = true
		a.workers[host].files = append(a.workers[host].files, &simFile{path: "/stuck/only-copy", persistAt: a.now().Add(365 * 24 * time.Hour)})
	}},
}

// In the simulated world, every wait without a state of its own ends at
// drainTimeout: with Force the victim leaves (the world's invariants
// accept only a departure the controller forced with a Warning event),
// with Wait it stays and the condition names the command that forces it.
func TestSimulatedWaitsEndAtDrainTimeout(t *testing.T) {
	const drainTimeout = time.Minute
	for _, stuck := range simStuckWaits {
		for _, action := range []datav1alpha1.DrainTimeoutAction{datav1alpha1.DrainTimeoutWait, datav1alpha1.DrainTimeoutForce} {
			t.Run(fmt.Sprintf("%s, %s", stuck.name, action), func(t *testing.T) {
				s := simSchedule{seed: 1, initial: 3, first: 2, graceful: true, drainTimeout: drainTimeout, onTimeout: action,
					poll: time.Second, quiet: 2 * time.Second, refresh: 20 * time.Second, opTime: 300 * time.Millisecond, decomTime: 100 * time.Millisecond}
				w, scaledAt := s.runStuck(stuck.stick)
				if len(w.failed) > 0 {
					t.Fatalf("invariants broken: %v\n%s", w.failed, w.report())
				}
				victim := fmt.Sprintf("%s-worker-2", w.name)
				gone := true
				for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
					if p.Name == victim && p.Annotations[datav1alpha1.ScaleInStateAnnotation] != "Scaled" {
						gone = false
					}
				}
				if action == datav1alpha1.DrainTimeoutForce {
					if !gone {
						t.Fatalf("victim still held %s after the scale-in, drainTimeout %s with Force\n%s", w.clock.Now().Sub(scaledAt), drainTimeout, w.report())
					}
					if !w.rec.forced(victim, time.Time{}) {
						t.Fatalf("victim left without a Warning event saying it was forced\n%s", w.report())
					}
					return
				}
				if gone {
					t.Fatalf("victim left with onDrainTimeout Wait\n%s", w.report())
				}
				rt, _ := w.runtime()
				c := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
				force := fmt.Sprintf("kubectl annotate pod %s -n %s data.fluid.io/scale-in-force=true", victim, w.ns)
				if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, force) {
					t.Fatalf("condition %+v does not name %q\n%s", c, force, w.report())
				}
			})
		}
	}
}

// runStuck brings the runtime up, scales it in, makes the world stick
// the victim (ordinal 2), and runs for three times drainTimeout.
func (s simSchedule) runStuck(stick func(a *simAlluxio, victimHost string)) (*simWorld, time.Time) {
	w := newSimWorld(s.seed, s.kruise, s.cacheLag)
	w.graceful = s.graceful
	w.alx = newSimAlluxio(w, w.clock, rand.New(rand.NewPCG(uint64(s.seed), 0xc11e)), s.refresh, s.opTime, s.decomTime)
	w.newController()
	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: w.name},
		Spec: datav1alpha1.AlluxioRuntimeSpec{
			Replicas:   s.initial,
			Properties: map[string]string{refreshProperty: fmt.Sprintf("%dms", s.refresh.Milliseconds())},
			ScaleIn: datav1alpha1.ScaleInPolicy{
				PollInterval: &metav1.Duration{Duration: s.poll}, QuietPeriod: &metav1.Duration{Duration: s.quiet},
				DrainTimeout: &metav1.Duration{Duration: s.drainTimeout}, OnDrainTimeout: s.onTimeout,
			},
		},
	}
	if err := w.store.Create(context.Background(), rt); err != nil {
		w.failf("create runtime: %v", err)
		return w, w.clock.Now()
	}
	w.scales = append(w.scales, scaleRecord{replicas: s.initial})
	for !w.allLive(s.initial) {
		if w.clock.Now().Sub(w.start) > 5*time.Minute {
			w.failf("bring-up: %d workers not live after 5 minutes", s.initial)
			return w, w.clock.Now()
		}
		w.tick()
	}
	victimHost := ""
	for _, p := range w.listPods(datav1alpha1.WorkerComponent) {
		if p.Name == fmt.Sprintf("%s-worker-2", w.name) {
			victimHost = p.Status.PodIP
		}
	}
	w.alx.set(func(a *simAlluxio) { a.writeThrough = true; stick(a, victimHost) })
	w.userScale(s.first)
	scaledAt := w.clock.Now()
	for w.clock.Now().Sub(scaledAt) < 3*s.drainTimeout {
		w.tick()
	}
	return w, scaledAt
}
