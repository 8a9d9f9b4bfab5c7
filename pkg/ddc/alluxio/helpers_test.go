package alluxio

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// The grammar is Alluxio 2.9.0's FormatUtils.parseTimeSize (read from
// the jar): a whole number, a unit in any case, nothing else.
func TestParseAlluxioDuration(t *testing.T) {
	cases := map[string]time.Duration{
		"2m": 2 * time.Minute, "2min": 2 * time.Minute, "2MIN": 2 * time.Minute, "2minute": 2 * time.Minute,
		"45000": 45 * time.Second, "20sec": 20 * time.Second, "20s": 20 * time.Second, "20second": 20 * time.Second,
		"500ms": 500 * time.Millisecond, "500millisecond": 500 * time.Millisecond,
		"1h": time.Hour, "1hr": time.Hour, "1hour": time.Hour, "1d": 24 * time.Hour, "1day": 24 * time.Hour, "0": 0,
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			g := NewWithT(t)
			got, err := parseAlluxioDuration(in)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(want))
		})
	}
	// Alluxio refuses these too (no fraction, no space, no plural).
	for _, bad := range []string{"", "soon", "1.5min", "2 min", " 2min", "2minutes", "2days", "2w", "min"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := parseAlluxioDuration(bad)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring("not an Alluxio duration")))
		})
	}
	for _, bad := range []string{"-1s", "400d"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := parseAlluxioDuration(bad)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring("between 0 and a year")))
		})
	}
}

func TestDrainPolicyReadsTheClientsRefreshInterval(t *testing.T) {
	g := NewWithT(t)
	rt := &datav1alpha1.AlluxioRuntime{}
	p, err := drainPolicy(rt)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p.RefreshInterval).To(Equal(2*time.Minute), "Alluxio's default")
	g.Expect(p.QuietPeriod).To(Equal(20 * time.Second))
	g.Expect(p.DrainTimeout).To(Equal(10 * time.Minute))

	rt.Spec.Properties = map[string]string{refreshIntervalKey: "30sec"}
	rt.Spec.ScaleIn.OnDrainTimeout = datav1alpha1.DrainTimeoutForce
	p, err = drainPolicy(rt)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p.RefreshInterval).To(Equal(30 * time.Second))
	g.Expect(p.OnDrainTimeout).To(Equal(drainfsm.ForceOnTimeout))

	rt.Spec.Properties[refreshIntervalKey] = "whenever"
	_, err = drainPolicy(rt)
	g.Expect(err).To(MatchError(ContainSubstring("spec.properties[alluxio.user.worker.list.refresh.interval]")))
}

func TestPodOrdinal(t *testing.T) {
	g := NewWithT(t)
	o, ok := podOrdinal("rt-worker", "rt-worker-12")
	g.Expect(ok).To(BeTrue())
	g.Expect(o).To(Equal(int32(12)))
	for _, name := range []string{"rt-worker", "rt-worker-x", "rt-worker-1-2", "other-worker-1", "rt-worker-01"} {
		_, ok := podOrdinal("rt-worker", name)
		g.Expect(ok).To(BeFalse(), name)
	}
}

func TestReserveOrdinals(t *testing.T) {
	cases := []struct {
		name     string
		old      []int32
		leaving  []int32
		replicas int32
		want     []intstr.IntOrString
	}{
		{"one in the middle leaves", nil, []int32{1}, 4, []intstr.IntOrString{intstr.FromInt32(1)}},
		{"the highest leaves: nothing to reserve", nil, []int32{4}, 4, nil},
		{"keeps earlier reservations", []int32{1}, []int32{3}, 3, []intstr.IntOrString{intstr.FromInt32(1), intstr.FromInt32(3)}},
		{"drops reservations above the highest running ordinal", []int32{5, 1}, nil, 3, []intstr.IntOrString{intstr.FromInt32(1)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(reserveOrdinals(tc.old, tc.leaving, tc.replicas)).To(Equal(tc.want))
		})
	}
}

func TestExpandOrdinals(t *testing.T) {
	g := NewWithT(t)
	g.Expect(expandOrdinals(intstr.FromInt32(3))).To(Equal([]int32{3}))
	g.Expect(expandOrdinals(intstr.FromString("1-3"))).To(Equal([]int32{1, 2, 3}))
	g.Expect(expandOrdinals(intstr.FromString("7"))).To(Equal([]int32{7}))
	g.Expect(expandOrdinals(intstr.FromString("x"))).To(BeEmpty())
}

func TestKruiseScaleOutReusesReservedOrdinals(t *testing.T) {
	g := NewWithT(t)
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Name: "rt"}}
	k := newWorkerSet(rt, datav1alpha1.AdvancedStatefulSetWorkload).(*kruiseWorkers)
	k.set(corev1.PodTemplateSpec{}, nil, "", 5, nil)
	k.set(corev1.PodTemplateSpec{}, nil, "", 3, []int32{1, 2})
	g.Expect(k.reserved()).To(ConsistOf(int32(1), int32(2)))
	k.set(corev1.PodTemplateSpec{}, nil, "", 4, nil)
	g.Expect(k.reserved()).To(ConsistOf(int32(2)), "one more worker takes ordinal 1 back")
	k.set(corev1.PodTemplateSpec{}, nil, "", 6, nil)
	g.Expect(k.reserved()).To(BeEmpty())
}

func victimPod(name string, ordinal int32, annotations map[string]string, ready bool) victim {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations},
		Status:     corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
	return readVictim(pod, ordinal)
}

func TestChooseLeaving(t *testing.T) {
	rt := func(sel datav1alpha1.VictimSelection) *datav1alpha1.AlluxioRuntime {
		return &datav1alpha1.AlluxioRuntime{Spec: datav1alpha1.AlluxioRuntimeSpec{ScaleIn: datav1alpha1.ScaleInPolicy{VictimSelection: sel}}}
	}
	five := func(mod func([]victim)) []victim {
		pods := []victim{}
		for i := int32(0); i < 5; i++ {
			pods = append(pods, victimPod("w-"+string(rune('0'+i)), i, nil, true))
		}
		if mod != nil {
			mod(pods)
		}
		return pods
	}
	cases := []struct {
		name   string
		rt     *datav1alpha1.AlluxioRuntime
		anyPod bool
		pods   []victim
		target int32
		cached map[string]int64
		want   []int32
	}{
		{"native: the highest ordinals", rt(""), false, five(nil), 2, nil, []int32{2, 3, 4}},
		{"any pod, highest ordinal by default", rt(datav1alpha1.HighestOrdinal), true, five(nil), 3, nil, []int32{3, 4}},
		{"annotated victims first", rt(""), true, five(func(p []victim) {
			p[1] = victimPod("w-1", 1, map[string]string{datav1alpha1.ScaleInVictimAnnotation: "true"}, true)
		}), 4, nil, []int32{1}},
		{"not ready before ready", rt(""), true, five(func(p []victim) { p[0] = victimPod("w-0", 0, nil, false) }), 4, nil, []int32{0}},
		{"least cached", rt(datav1alpha1.LeastCached), true, five(nil), 4,
			map[string]int64{"w-0": 5, "w-1": 9, "w-2": 1, "w-3": 7, "w-4": 8}, []int32{2}},
		{"least cached ties go to the highest ordinal", rt(datav1alpha1.LeastCached), true, five(nil), 4,
			map[string]int64{"w-0": 5, "w-1": 1, "w-2": 5, "w-3": 1, "w-4": 8}, []int32{3}},
		{"victims already chosen are kept", rt(""), true, five(func(p []victim) {
			p[0] = victimPod("w-0", 0, map[string]string{datav1alpha1.ScaleInStateAnnotation: "Draining"}, true)
		}), 3, nil, []int32{0, 4}},
		{"nothing leaves on scale-out", rt(""), true, five(nil), 6, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := chooseLeaving(tc.rt, tc.anyPod, tc.pods, 5, tc.target, tc.cached)
			NewWithT(t).Expect(got).To(Equal(tc.want))
		})
	}
}

func TestFindWorkerMatchesHostAndPort(t *testing.T) {
	g := NewWithT(t)
	workers := []operations.WorkerInfo{
		{Address: operations.WorkerAddress{Host: "127.0.1.5", RPCPort: 29999, WebPort: 30000}},
		{Address: operations.WorkerAddress{Host: "10.0.0.9", ContainerHost: "127.0.1.6", RPCPort: 29999, WebPort: 30000}},
	}
	_, ok := operations.FindWorker(workers, operations.WorkerAddress{Host: "127.0.1.5", RPCPort: 29999, WebPort: 30000})
	g.Expect(ok).To(BeTrue())
	_, ok = operations.FindWorker(workers, operations.WorkerAddress{Host: "127.0.1.6", RPCPort: 29999, WebPort: 30000})
	g.Expect(ok).To(BeTrue(), "a worker registered by node IP is found by its container host")
	_, ok = operations.FindWorker(workers, operations.WorkerAddress{Host: "127.0.1.5", RPCPort: 1, WebPort: 2})
	g.Expect(ok).To(BeFalse())
	_, ok = operations.FindWorker(workers, operations.WorkerAddress{})
	g.Expect(ok).To(BeFalse())
}
