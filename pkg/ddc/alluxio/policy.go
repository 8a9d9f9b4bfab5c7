package alluxio

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// Defaults of spec.scaleIn, the same as the CRD's (which fills them in
// on the API server); repeated here for objects that bypassed it.
const (
	defaultDrainTimeout = 10 * time.Minute
	defaultPollInterval = 5 * time.Second
	defaultQuietPeriod  = 20 * time.Second
	// defaultRefreshInterval is Alluxio's default for
	// alluxio.user.worker.list.refresh.interval.
	defaultRefreshInterval = 2 * time.Minute
	refreshIntervalKey     = "alluxio.user.worker.list.refresh.interval"
)

// drainPolicy is the runtime's scale-in policy with defaults applied, and
// the clients' worker list refresh interval read from its properties.
func drainPolicy(rt *datav1alpha1.AlluxioRuntime) (drainfsm.Policy, error) {
	s := rt.Spec.ScaleIn
	p := drainfsm.Policy{
		DrainTimeout:    durationOr(s.DrainTimeout, defaultDrainTimeout),
		OnDrainTimeout:  drainfsm.WaitOnTimeout,
		QuietPeriod:     durationOr(s.QuietPeriod, defaultQuietPeriod),
		RefreshInterval: defaultRefreshInterval,
		Moves:           movePolicy(s),
	}
	if s.OnDrainTimeout == datav1alpha1.DrainTimeoutForce {
		p.OnDrainTimeout = drainfsm.ForceOnTimeout
	}
	// Clients read the interval from the global properties (Fluid passes
	// them to FUSE and clients); a worker or master value says nothing of
	// the clients.
	if v, ok := rt.Spec.Properties[refreshIntervalKey]; ok {
		d, err := parseAlluxioDuration(v)
		if err != nil {
			return p, fmt.Errorf("spec.properties[%s]: %w", refreshIntervalKey, err)
		}
		p.RefreshInterval = d
	}
	return p, nil
}

func pollInterval(rt *datav1alpha1.AlluxioRuntime) time.Duration {
	return durationOr(rt.Spec.ScaleIn.PollInterval, defaultPollInterval)
}

func maxConcurrent(rt *datav1alpha1.AlluxioRuntime) int {
	if rt.Spec.ScaleIn.MaxConcurrent == nil {
		return int(^uint(0) >> 1)
	}
	return int(ptr.Deref(rt.Spec.ScaleIn.MaxConcurrent, 1))
}

func durationOr(d *metav1.Duration, def time.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return def
	}
	return d.Duration
}

var alluxioDuration = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$`)

// parseAlluxioDuration reads a duration the way Alluxio's configuration
// does: a number with a unit such as "2min", "30sec", "500ms", "1h";
// a bare number is milliseconds.
func parseAlluxioDuration(s string) (time.Duration, error) {
	m := alluxioDuration.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not an Alluxio duration such as 2min, 30s or 500ms", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	unit := map[string]time.Duration{
		"": time.Millisecond, "ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
		"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
		"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}
	u, ok := unit[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("%q is not an Alluxio duration: unknown unit %q (use ms, s, min, h or d)", s, m[2])
	}
	return time.Duration(n * float64(u)), nil
}
