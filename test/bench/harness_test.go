package bench

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/pkg/features"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
)

// concurrency is the controller's MaxConcurrentReconciles: main's
// --concurrency default unless BENCH_CONCURRENCY says otherwise.
var concurrency, concurrencyWhy = 4, "main's --concurrency default"

// manager is the controller, started by framework.StartManager as
// cmd/alluxioruntime-controller starts it, whose API requests are counted.
type manager struct {
	*framework.Manager
	calls *requestCounter
}

func startManager(graceful bool) (*manager, error) {
	gates := features.MutableGates.DeepCopy()
	if err := gates.SetFromMap(map[string]bool{string(features.GracefulScaleIn): graceful}); err != nil {
		return nil, err
	}
	calls := &requestCounter{}
	counted := rest.CopyConfig(env.Config)
	counted.WrapTransport = calls.wrap
	exec, err := newCountedExecutor(counted, &emulators, calls)
	if err != nil {
		return nil, err
	}
	var m *framework.Manager
	asController(func() {
		m, err = framework.StartManager(env.Config, framework.ManagerOptions{
			Gates:                   gates,
			Connector:               alluxio.ClusterConnector{Executor: exec, HTTP: framework.HTTPClient()},
			Logger:                  controllerLogger(),
			MaxConcurrentReconciles: concurrency,
			WrapTransport:           calls.wrap,
		})
	})
	if err != nil {
		return nil, err
	}
	return &manager{Manager: m, calls: calls}, nil
}

func (m *manager) stop() error { return m.Stop() }

// requestCounter counts the controller's requests to the API server by
// verb and resource: GET (get, list, watch) are reads; POST, PUT, PATCH
// and DELETE are writes.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int // "PATCH pods" -> n
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		c.add(req.Method + " " + resourceOf(req.URL.Path))
		return rt.RoundTrip(req)
	})
}

func (c *requestCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[key]++
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// resourceOf reads "pods", "alluxioruntimes/status", "events" ... from
// an API path.
func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	// /api/v1/... or /apis/group/version/...
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return path
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		if len(parts) == 2 {
			return "namespaces"
		}
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return "(discovery)"
	case 1, 2:
		return parts[0]
	default:
		return parts[0] + "/" + parts[2]
	}
}

func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// apiCalls are the requests made between two snapshots.
type apiCalls map[string]int

func diffCalls(before, after map[string]int) apiCalls {
	out := apiCalls{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func (a apiCalls) reads() (n int) {
	for k, v := range a {
		if strings.HasPrefix(k, "GET ") {
			n += v
		}
	}
	return n
}

func (a apiCalls) writes() (n int) {
	for k, v := range a {
		if !strings.HasPrefix(k, "GET ") {
			n += v
		}
	}
	return n
}

// String lists the calls, most first: "PATCH pods 30, ...".
func (a apiCalls) String() string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a[keys[i]] != a[keys[j]] {
			return a[keys[i]] > a[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, a[k])
	}
	return strings.Join(parts, ", ")
}

// histogram is a cumulative bucket count of
// controller_runtime_reconcile_time_seconds, summed over its labels.
type histogram struct {
	bounds []float64
	counts []uint64 // cumulative, per bound; +Inf is total
	total  uint64
}

const reconcileTimeMetric = "controller_runtime_reconcile_time_seconds"

func reconcileTimes() (histogram, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return histogram{}, err
	}
	var h histogram
	for _, f := range families {
		if f.GetName() != reconcileTimeMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			hh := m.GetHistogram()
			if h.bounds == nil {
				for _, b := range hh.GetBucket() {
					h.bounds = append(h.bounds, b.GetUpperBound())
				}
				h.counts = make([]uint64, len(h.bounds))
			}
			for i, b := range hh.GetBucket() {
				if i < len(h.counts) {
					h.counts[i] += b.GetCumulativeCount()
				}
			}
			h.total += hh.GetSampleCount()
		}
	}
	return h, nil
}

func (h histogram) minus(before histogram) histogram {
	out := histogram{bounds: h.bounds, counts: make([]uint64, len(h.counts)), total: h.total - before.total}
	for i := range h.counts {
		out.counts[i] = h.counts[i]
		if i < len(before.counts) {
			out.counts[i] -= before.counts[i]
		}
	}
	return out
}

// quantile interpolates linearly inside the bucket, as Prometheus's
// histogram_quantile does; beyond the last bound it returns that bound.
func (h histogram) quantile(q float64) float64 {
	if h.total == 0 {
		return math.NaN()
	}
	rank := q * float64(h.total)
	prevBound, prevCount := 0.0, 0.0
	for i, b := range h.bounds {
		c := float64(h.counts[i])
		if c >= rank {
			if c == prevCount {
				return b
			}
			return prevBound + (b-prevBound)*(rank-prevCount)/(c-prevCount)
		}
		prevBound, prevCount = b, c
	}
	return prevBound
}

// writeKinds break the writes down by what they are.
var writeKinds = []struct {
	name string
	keys []string
}{
	{"pod patches", []string{"PATCH pods", "PUT pods"}},
	{"events", []string{"POST events", "PATCH events"}},
	{"status patches", []string{"PATCH alluxioruntimes/status", "PUT alluxioruntimes/status"}},
	{"exec", []string{execKey}},
}

// sum is the count of the given "VERB resource" keys.
func (a apiCalls) sum(keys ...string) (n int) {
	for _, k := range keys {
		n += a[k]
	}
	return n
}
