package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// check is what a timed scale-in must have done right; each failure is a
// line. A figure measured on a wrong scale-in is worthless, so every run
// is checked and any failure fails the bench.
//
//   - the emulator recorded no violation (no operation sent to a removed
//     worker, no unpersisted data lost with one);
//   - graceful only: every victim's worker was decommissioned by the
//     master, and removed no sooner than the clients' refresh interval
//     after that; the runtime's status lists every victim as Scaled and
//     its WorkersScaledIn condition says Scaled.
func (c *cluster) check(ctx context.Context, graceful bool, victims map[string]string) []string {
	var out []string
	for _, v := range c.emu.Violations() {
		out = append(out, fmt.Sprintf("%s: emulator violation: %s", c.ns, v))
	}
	if !graceful {
		return out
	}
	mine := map[string]string{} // pod name -> IP, this namespace's victims
	for k, ip := range victims {
		if ns, name, _ := strings.Cut(k, "/"); ns == c.ns {
			mine[name] = ip
		}
	}
	decommissioned, removed := map[string]time.Time{}, map[string]time.Time{}
	for _, e := range c.emu.Record() {
		if e.WebPort != webPort {
			continue
		}
		switch e.Kind {
		case emulator.EventWorkerDecommissioned:
			decommissioned[e.Host] = e.Time
		case emulator.EventWorkerRemoved:
			removed[e.Host] = e.Time
		}
	}
	for name, ip := range mine {
		d, ok := decommissioned[ip]
		switch r, gone := removed[ip]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s/%s: its worker %s was never decommissioned", c.ns, name, ip))
		case gone && r.Sub(d) < refresh:
			out = append(out, fmt.Sprintf("%s/%s: its worker %s was removed %s after its decommission, before the refresh interval %s", c.ns, name, ip, r.Sub(d), refresh))
		}
	}
	rt, err := c.runtime(ctx)
	if err != nil {
		return append(out, fmt.Sprintf("%s: read the runtime: %v", c.ns, err))
	}
	states := map[string]string{}
	if st := rt.Status.ScaleIn; st != nil {
		for _, v := range st.Victims {
			states[v.Pod] = v.State
		}
	}
	for name := range mine {
		if s := states[name]; s != string(drainfsm.Scaled) {
			out = append(out, fmt.Sprintf("%s/%s: status.scaleIn lists it as %q, not Scaled", c.ns, name, s))
		}
	}
	cond := meta.FindStatusCondition(rt.Status.Conditions, datav1alpha1.WorkersScaledInCondition)
	if cond == nil || cond.Reason != datav1alpha1.ScaledReason {
		out = append(out, fmt.Sprintf("%s: condition %s is %v, not Scaled", c.ns, datav1alpha1.WorkersScaledInCondition, cond))
	}
	return out
}
