package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// The clients' worker list refresh interval
// (alluxio.user.worker.list.refresh.interval in spec.properties) changes
// while a scale-in runs. A client refreshes its list once it is older than
// the interval in force, so a raise makes every client keep a decommissioned
// worker in its list longer: a controller still waiting for the old, shorter
// interval removes a worker clients still route to.

const refreshProperty = "alluxio.user.worker.list.refresh.interval"

// refreshValues are the intervals a schedule moves between, written the
// ways Alluxio reads durations.
var refreshValues = []struct {
	d    time.Duration
	text string
}{
	{10 * time.Second, "10s"}, {20 * time.Second, "20sec"}, {45 * time.Second, "45000"},
	{90 * time.Second, "90s"}, {2 * time.Minute, "2min"}, {4 * time.Minute, "4min"},
}

// drawRefreshChanges gives half the schedules one to three changes of the
// interval, in the first two thirds of the fault phase (scale-ins run
// then), and returns the faults merged in time order.
func drawRefreshChanges(rng *rand.Rand, faults []simFault) []simFault {
	if rng.IntN(2) == 0 {
		return faults
	}
	for range 1 + rng.IntN(3) {
		at := time.Duration(rng.Int64N(int64(simFaultPhase * 2 / 3))).Truncate(simStep)
		faults = append(faults, simFault{at: at, kind: sRefreshChange, n: rng.IntN(len(refreshValues))})
	}
	slices.SortStableFunc(faults, func(a, b simFault) int { return int(a.at - b.at) })
	return faults
}

// changeRefresh writes the new interval into the runtime's properties; the
// clients go by it from now on.
func (w *simWorld) changeRefresh(f simFault) {
	v := refreshValues[f.n]
	rt, ok := w.runtime()
	if !ok {
		return
	}
	from := rt.Spec.Properties[refreshProperty]
	rt.Spec.Properties[refreshProperty] = v.text
	if err := w.store.Update(context.Background(), rt); err != nil {
		w.logf("  refresh interval not changed: %v", err)
		return
	}
	w.alx.set(func(a *simAlluxio) { a.refresh = v.d })
	w.logf("  refresh interval changed from %s to %s (%s)", from, v.text, v.d)
}

// stillListing names the clients whose worker list still holds host: they
// last refreshed before its decommission, and may send it work.
func (a *simAlluxio) stillListing(host string) []string {
	var out []string
	for i, c := range a.clients {
		if slices.Contains(c.hosts, host) {
			out = append(out, fmt.Sprintf("client %d (refreshed at %s)", i, c.refreshedAt.Sub(a.w.start)))
		}
	}
	return out
}
