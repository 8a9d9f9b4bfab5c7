package scalein

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

func withDrainTimeout(d time.Duration, action datav1alpha1.DrainTimeoutAction) func(*datav1alpha1.AlluxioRuntime) {
	return func(rt *datav1alpha1.AlluxioRuntime) {
		rt.Spec.ScaleIn.DrainTimeout = &metav1.Duration{Duration: d}
		rt.Spec.ScaleIn.OnDrainTimeout = action
	}
}

// events are the runtime's events in the test namespace, "Type Reason: note".
func (f *fixture) events() []string {
	list := &corev1.EventList{}
	_ = k8s.List(f.ctx, list, client.InNamespace(f.ns))
	var out []string
	for _, e := range list.Items {
		out = append(out, fmt.Sprintf("%s %s: %s", e.Type, e.Reason, e.Message))
	}
	return out
}

func TestDrainTimeoutWithWaitKeepsTheWorker(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(2, withDrainTimeout(3*time.Second, datav1alpha1.DrainTimeoutWait))
	f.waitReady(2)
	victim, _ := f.pod("cache-worker-1")
	f.emu.SetBusy(victim.Status.PodIP, 30000, true)
	f.scaleTo(1)
	f.g.Eventually(f.scaledInReason, long, 100*time.Millisecond).Should(Equal("TimedOut"))
	f.g.Expect(f.scaledIn().Message).To(ContainSubstring("onDrainTimeout is Wait"))
	f.g.Expect(f.scaledIn().Message).To(ContainSubstring("1 operations in flight"))
	f.g.Eventually(f.events, long).Should(ContainElement(And(HavePrefix("Warning TimedOut"), ContainSubstring("cache-worker-1"))))
	f.g.Consistently(func() bool { _, ok := f.pod("cache-worker-1"); return ok }, 3*time.Second).Should(BeTrue(),
		"with Wait, a timed-out worker stays")
	// Once it is idle it leaves normally.
	f.emu.SetBusy(victim.Status.PodIP, 30000, false)
	f.waitScaled(1)
}

func TestDrainTimeoutWithForceRemovesTheWorkerAndSaysSo(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(2, withDrainTimeout(3*time.Second, datav1alpha1.DrainTimeoutForce))
	f.waitReady(2)
	victim, _ := f.pod("cache-worker-1")
	f.emu.SetBusy(victim.Status.PodIP, 30000, true)
	f.scaleTo(1)
	f.waitScaled(1)
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning TimedOut"), ContainSubstring("cache-worker-1"))))
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning Forced"), ContainSubstring("onDrainTimeout is Force"))))
}

func TestForceAnnotationSkipsTheWait(t *testing.T) {
	f := newFixture(t, nil)
	f.createRuntime(2)
	f.waitReady(2)
	victim, _ := f.pod("cache-worker-1")
	f.emu.SetBusy(victim.Status.PodIP, 30000, true)
	f.scaleTo(1)
	f.g.Eventually(f.scaledInReason, long, 100*time.Millisecond).Should(Equal("Draining"))
	victim, _ = f.pod("cache-worker-1")
	patch := client.MergeFrom(victim.DeepCopy())
	victim.Annotations[datav1alpha1.ScaleInForceAnnotation] = "true"
	f.g.Expect(k8s.Patch(f.ctx, victim, patch)).To(Succeed())
	f.waitScaled(1)
	f.g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning Forced"), ContainSubstring("data.fluid.io/scale-in-force"), ContainSubstring("cache-worker-1"))))
}

// maxConcurrent: 1 never has two victims decommissioning or draining at
// once; the metrics endpoint tells the story afterwards.
func TestMaxConcurrentOneDrainsOneAtATimeAndMetricsTellIt(t *testing.T) {
	f := newFixture(t, nil)
	addr := freeAddr(t)
	f.stopController()
	f.metricsAddr = addr
	f.start()
	f.createRuntime(4, func(rt *datav1alpha1.AlluxioRuntime) { rt.Spec.ScaleIn.MaxConcurrent = ptr.To[int32](1) })
	f.waitReady(4)
	h := f.record()
	f.scaleTo(1)
	f.waitScaled(1)
	f.g.Expect(h.MaxHolding()).To(Equal(1), "at most one victim decommissioning or draining at any time")

	families := scrape(f, addr)
	labels := map[string]string{"namespace": f.ns, "runtime": f.rtName}
	f.g.Expect(sample(families, "fluid_drain_scale_in_victims", labels, "state", "Scaled")).To(Equal(3.0))
	f.g.Expect(sample(families, "fluid_drain_scale_in_victims", labels, "state", "Draining")).To(Equal(0.0))
	f.g.Expect(sample(families, "fluid_drain_scale_in_duration_seconds", labels, "outcome", "Scaled")).To(Equal(1.0), "one scale-in observed")
	f.g.Expect(sample(families, "fluid_drain_drain_timeouts_total", labels, "", "")).To(Equal(0.0))
	f.g.Expect(sample(families, "fluid_drain_forced_removals_total", labels, "", "")).To(Equal(0.0))
	f.g.Expect(sample(families, "fluid_drain_decommission_failures_total", labels, "", "")).To(Equal(0.0))
	f.g.Expect(sample(families, "fluid_drain_cancelled_victims_total", labels, "", "")).To(Equal(0.0))
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// scrape reads the controller's Prometheus endpoint.
func scrape(f *fixture, addr string) map[string]*dtoFamily {
	var body string
	f.g.Eventually(func() error {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+addr+"/metrics", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err
	}, 10*time.Second).Should(Succeed())
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	f.g.Expect(err).NotTo(HaveOccurred())
	return families
}

// sample returns the value of the family's series with the given labels
// (and extra label key=value, when key is set): a gauge's or counter's
// value, or a histogram's sample count.
func sample(families map[string]*dtoFamily, name string, labels map[string]string, key, value string) float64 {
	fam, ok := families[name]
	if !ok {
		return -1
	}
	for _, m := range fam.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		match := got["namespace"] == labels["namespace"] && got["runtime"] == labels["runtime"] && (key == "" || got[key] == value)
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}
