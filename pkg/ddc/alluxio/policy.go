package alluxio

import (
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
	d, err := clientRefreshInterval(rt)
	if err != nil {
		return p, err
	}
	p.RefreshInterval = d
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
