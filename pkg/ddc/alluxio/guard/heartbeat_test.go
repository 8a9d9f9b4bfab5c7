package guard

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func newHeartbeat(t *testing.T, objs ...client.Object) (*Heartbeat, client.Client, *clocktesting.FakeClock, *events.FakeRecorder) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := datav1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	clock := clocktesting.NewFakeClock(t0)
	rec := events.NewFakeRecorder(10)
	return &Heartbeat{Client: c, Reader: c, Pods: c, Recorder: rec, Clock: clock, Timeout: 5 * time.Minute, ClockLease: DefaultClockLease}, c, clock, rec
}

func heartbeatOf(g Gomega, c client.Client, ns string) time.Time {
	n := &corev1.Namespace{}
	g.Expect(c.Get(context.Background(), client.ObjectKey{Name: ns}, n)).To(Succeed())
	t, err := time.Parse(time.RFC3339, n.Annotations[datav1alpha1.DrainGuardHeartbeatAnnotation])
	g.Expect(err).NotTo(HaveOccurred(), "heartbeat %q", n.Annotations[datav1alpha1.DrainGuardHeartbeatAnnotation])
	return t
}

// Before a namespace's first pod is put under the guard it gets a fresh
// heartbeat; later calls within a period write nothing more.
func TestEnsureWritesAFreshHeartbeatFirst(t *testing.T) {
	g := NewWithT(t)
	h, c, clock, _ := newHeartbeat(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}})
	g.Expect(h.Ensure(context.Background(), "team-a")).To(Succeed())
	g.Expect(heartbeatOf(g, c, "team-a")).To(Equal(t0))
	clock.Step(h.Period() / 2)
	g.Expect(h.Ensure(context.Background(), "team-a")).To(Succeed())
	g.Expect(heartbeatOf(g, c, "team-a")).To(Equal(t0), "renewed within a period: not written again")
	clock.Step(h.Period())
	g.Expect(h.Ensure(context.Background(), "team-a")).To(Succeed())
	g.Expect(heartbeatOf(g, c, "team-a")).To(Equal(t0.Add(h.Period() * 3 / 2)))
}

// The heartbeat is renewed well within its timeout, so a missed write
// or two never lets it lapse.
func TestHeartbeatPeriodIsAFractionOfTheTimeout(t *testing.T) {
	h := &Heartbeat{Timeout: 5 * time.Minute}
	if p := h.Period(); p > h.Timeout/3 || p <= 0 {
		t.Fatalf("period %s for a timeout of %s", p, h.Timeout)
	}
}

// Every namespace holding guarded pods is renewed, and only those.
func TestRenewAllCoversTheNamespacesOfGuardedPods(t *testing.T) {
	g := NewWithT(t)
	guarded := map[string]string{datav1alpha1.DrainGuardLabel: datav1alpha1.DrainGuardValue}
	h, c, _, _ := newHeartbeat(t,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "w-0", Labels: guarded}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "w-0"}},
	)
	g.Expect(h.renewAll(context.Background())).To(Succeed())
	g.Expect(heartbeatOf(g, c, "team-a")).To(Equal(t0))
	n := &corev1.Namespace{}
	g.Expect(c.Get(context.Background(), client.ObjectKey{Name: "team-b"}, n)).To(Succeed())
	g.Expect(n.Annotations).NotTo(HaveKey(datav1alpha1.DrainGuardHeartbeatAnnotation), "no guarded pod there")
}

// A heartbeat found older than the timeout means the guard held nothing
// for a while: each runtime of the namespace gets a Warning event saying
// from when to when.
func TestALapsedHeartbeatIsToldToEveryRuntime(t *testing.T) {
	g := NewWithT(t)
	old := t0.Add(-20 * time.Minute)
	h, _, _, rec := newHeartbeat(t,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Annotations: map[string]string{datav1alpha1.DrainGuardHeartbeatAnnotation: old.Format(time.RFC3339)}}},
		&datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "hbase"}},
	)
	g.Expect(h.Ensure(context.Background(), "team-a")).To(Succeed())
	got := drain(rec)
	g.Expect(got).To(HaveLen(1))
	g.Expect(got[0]).To(HavePrefix("Warning " + datav1alpha1.GuardLapsedReason))
	g.Expect(got[0]).To(ContainSubstring(old.Add(5 * time.Minute).Format(time.RFC3339)))
	g.Expect(got[0]).To(ContainSubstring(t0.Format(time.RFC3339)))

	// Fresh again: no more events.
	h2, _, _, rec2 := newHeartbeat(t,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Annotations: map[string]string{datav1alpha1.DrainGuardHeartbeatAnnotation: t0.Add(-time.Minute).Format(time.RFC3339)}}},
		&datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "hbase"}},
	)
	g.Expect(h2.Ensure(context.Background(), "team-a")).To(Succeed())
	g.Expect(strings.Join(drain(rec2), "\n")).To(BeEmpty(), "a heartbeat within its timeout did not lapse")
}

func drain(rec *events.FakeRecorder) []string {
	var out []string
	for len(rec.Events) > 0 {
		out = append(out, <-rec.Events)
	}
	return out
}
