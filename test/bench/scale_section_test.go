package bench

import (
	"fmt"
	"strings"
	"time"
)

// workCase is how busy the victims are during a scale-in.
type workCase struct {
	name     string
	busy     time.Duration
	workload bool
}

// workCases: busy longer than the refresh interval (the victims' work
// sets the floor; an emulated client sends operations meanwhile), busy
// briefly and idle (the refresh interval sets the floor, so the time the
// controller takes to decommission shows in full).
var workCases = []workCase{
	{"busy 3s", busyFor, true},
	{"busy 0.5s", briefFor, false},
	{"idle", 0, false},
}

// scaleSizes measures sections 1–3: one runtime losing n victims, all at
// once for each work case, one at a time, and with the gate off.
func (b *bench) scaleSizes() {
	var timeRows, apiRows strings.Builder
	ratioOK, any := true, false
	// writesOK by mode: all at once (false), maxConcurrent=1 (true).
	writesOK := map[bool]bool{false: true, true: true}
	for _, n := range b.sizes {
		// The gate-off baseline drops the replicas at once: a client would
		// send work to removed workers, so it runs without one.
		base := scaleCase{runtimes: 1, from: int32(n) + 1, to: 1, busy: busyFor}
		type row struct {
			mode  string
			work  workCase
			sc    scaleCase
			floor time.Duration
		}
		var rows []row
		for _, w := range workCases {
			sc := base
			sc.graceful, sc.busy, sc.workload = true, w.busy, w.workload
			rows = append(rows, row{"all at once", w, sc, floorAllAtOnce(w.busy)})
		}
		seq := base
		seq.graceful, seq.maxConcurrent = true, 1
		rows = append(rows, row{"maxConcurrent=1", workCases[0], seq, floorSequential(n, busyFor)})

		gateName := fmt.Sprintf("%d victims, gate off", n)
		var gate *measured
		if b.wants(gateName) {
			gate = b.measure(gateName, base)
		}
		for _, r := range rows {
			name := fmt.Sprintf("%d victims, %s, %s", n, r.mode, r.work.name)
			if !b.wants(name) {
				continue
			}
			any = true
			m := b.measure(name, r.sc)
			var ratio, added, beyond stat
			for _, v := range m.elapsed.samples {
				ratio.add(v / secs(r.floor))
				added.add(v - secs(r.floor))
				if gate != nil {
					beyond.add(v - secs(r.floor) - gate.elapsed.median())
				}
			}
			if r.sc.maxConcurrent == 0 && ratio.median() > 1.10 {
				ratioOK = false
			}
			if n >= 10 && m.writes.median() > 10 {
				writesOK[r.sc.maxConcurrent == 1] = false
			}
			fmt.Fprintf(&timeRows, "| %d | %s | %s | %.1f | %s | %s | %s | %s |\n", n, r.mode, r.work.name, secs(r.floor),
				m.elapsed.fmt("%.2f"), ratio.fmt("%.2f"), added.fmt("%.2f"), beyond.fmt("%.2f"))
			apiRows.WriteString(apiRow(n, r.mode+", "+r.work.name, m))
		}
		if gate != nil {
			fmt.Fprintf(&timeRows, "| %d | gate off (baseline) | – | – | %s | – | – | – |\n", n, gate.elapsed.fmt("%.2f"))
			apiRows.WriteString(apiRow(n, "gate off (baseline)", gate))
		}
	}
	if !any {
		return
	}
	b.section(fmt.Sprintf("## 1–2. Time to scale in, against the floor and the gate-off baseline\n\n"+
		"Time from the replica change (scale subresource) to the last victim pod gone from the API (watched), one runtime scaled from victims+1 to 1 worker. "+
		"Victims' work: *busy 3s* — each victim is busy (emulator SetBusy) for %s after the replica change, and an emulated client sends an operation every %s "+
		"from its cached worker list, so its work, not the refresh interval, sets the floor; *busy 0.5s* — busy for %s only; *idle* — no work. "+
		"Floor, all at once: max(refresh interval, victims' work + quiet period) (the quiet period may run during the refresh wait, never before the decommission): "+
		"%s busy 3s, %s busy 0.5s or idle. With busy 0.5s or idle the refresh interval sets the floor, so every second the controller takes from the replica change "+
		"to the decommission command (marking the victims Pending, then deciding) is added in full. "+
		"Floor, maxConcurrent=1: end_k = max(end_(k-1) + refresh interval, work + quiet period), end_0 = 0, i.e. %s for the first victim and %s for each next one. "+
		"*added* is the time minus the floor; gate off (GracefulScaleIn=false, replicas drop at once) is the API-path floor: what kube-controller-manager, the API server and the kubelet take to remove the pods; "+
		"the last column subtracts it from the added seconds.\n\n"+
		"| victims | mode | victims' work | floor (s) | time to last victim gone (s) | ratio to floor | added (s) | added beyond the gate-off time (s) |\n|---|---|---|---|---|---|---|---|\n%s\n"+
		"Target: ratio <= 1.10 all at once: %s.\n",
		busyFor, opEvery, briefFor, floorAllAtOnce(busyFor), floorAllAtOnce(briefFor), floorSequential(1, busyFor), refresh, timeRows.String(), met(ratioOK)))
	b.section(fmt.Sprintf("## 3. API requests per victim\n\n"+
		"Every request the controller sent (a counting `rest.Config.WrapTransport` on the manager's and the executor's configuration), from the replica change until the runtime reported the scale-in finished plus 1 s, divided by the victims. "+
		"GET (get, list, watch) are reads, mostly served by the informer caches; POST, PUT, PATCH, DELETE are writes. Writes are broken down into pod patches (the victim's record and the finalizer), "+
		"events, status patches of the runtime, and exec into the master pod (the decommission command). "+
		"**Exec is counted, not streamed**: the fake kubelet of this control plane serves no exec stream, so the bench's executor does what the controller's PodExecutor does before an exec — "+
		"a GET of the master pod from the API server (real, counted as a read) — then counts one `pods/exec` request (the websocket upgrade or SPDY POST, counted as a write) "+
		"and runs the command against the emulator through the `alluxio` shim.\n\n"+
		"| victims | mode, victims' work | reads / victim | writes / victim | pod patches | events | status patches | exec | other writes | requests of the last run, by verb and resource |\n|---|---|---|---|---|---|---|---|---|---|\n%s\n"+
		"Target: <= 10 writes per victim from 10 victims on: all at once, %s; maxConcurrent=1, %s.\n", apiRows.String(), met(writesOK[false]), met(writesOK[true])))
}

func apiRow(n int, mode string, m *measured) string {
	var kinds []string
	other := m.writes
	other.samples = append([]float64(nil), m.writes.samples...)
	for _, k := range writeKinds {
		s := m.perKind[k.name]
		kinds = append(kinds, s.fmt("%.1f"))
		for i := range other.samples {
			other.samples[i] -= s.samples[i]
		}
	}
	return fmt.Sprintf("| %d | %s | %s | %s | %s | %s |\n", n, mode, m.reads.fmt("%.1f"), m.writes.fmt("%.1f"),
		strings.Join(append(kinds, other.fmt("%.1f")), " | "), m.last)
}
