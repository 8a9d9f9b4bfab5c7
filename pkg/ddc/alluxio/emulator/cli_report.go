package emulator

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"
)

// reportOptions are ReportCommand's options; -decommissioned came with 2.10.
func reportOptions(cfg Config) []optionSpec {
	specs := []optionSpec{
		{short: "h", long: "help"},
		{long: "live"},
		{long: "lost"},
		{long: "workers", hasArg: true},
	}
	if cfg.hasDecommission() {
		specs = append(specs, optionSpec{long: "decommissioned"})
	}
	return specs
}

const capacityUsage = "alluxio fsadmin report capacity [filter arg]\n" +
	"Report Alluxio capacity information.\n" +
	"Where [filter arg] is an optional argument. If no arguments passed in, " +
	"capacity information of all workers will be printed out.\n" +
	"[filter arg] can be one of the following:\n" +
	"    -live                   Live workers\n" +
	"    -lost                   Lost workers\n" +
	"    -workers <worker_names>  Specified workers, host names or ip addresses separated by \",\"\n"

// reportCmd is `fsadmin report [category]`; only `capacity` is emulated.
func (c *Cluster) reportCmd(ctx context.Context, opts parsedOptions, stdout, stderr io.Writer) int {
	category := "summary"
	if len(opts.args) > 0 {
		category = opts.args[0]
	}
	if category != "capacity" {
		fmt.Fprintf(stderr, "alluxio fsadmin report %s is not emulated by the fluid-drain Alluxio emulator\n", category)
		return exitShellError
	}
	if opts.has("help") {
		fmt.Fprint(stdout, capacityUsage+"\n")
		return 0
	}
	if len(opts.set) > 1 {
		fmt.Fprint(stdout, capacityUsage+"\n")
		fmt.Fprintln(stdout, "Too many arguments passed in.")
		return exitShellError
	}
	if err := c.callMaster(ctx); err != nil {
		if ctx.Err() != nil {
			return interrupted(stderr)
		}
		fmt.Fprintln(stdout, err.Error())
		return exitShellError
	}
	rangeName, rows := c.capacityRows(opts)
	fmt.Fprint(stdout, c.capacityReport(rangeName, rows))
	return 0
}

// capacityRow is one worker of the capacity report.
type capacityRow struct {
	name           string
	state          string
	lastContactSec int64
	capacity, used int64
}

// capacityRows picks the workers of the requested range (all, live,
// lost, decommissioned, specified) sorted by last contact like Alluxio.
func (c *Cluster) capacityRows(opts parsedOptions) (string, []capacityRow) {
	rangeName := "all"
	keep := func(*worker) bool { return true }
	switch {
	case opts.has("live"):
		rangeName, keep = "live", func(w *worker) bool { return w.state == WorkerLive }
	case opts.has("lost"):
		rangeName, keep = "lost", func(w *worker) bool { return w.state == WorkerLost }
	case opts.has("decommissioned"):
		rangeName, keep = "decommissioned", func(w *worker) bool { return w.state == WorkerDecommissioned }
	case opts.has("workers"):
		names := map[string]bool{}
		for _, n := range strings.Split(opts.values["workers"], ",") {
			names[n] = true
		}
		rangeName, keep = "specified", func(w *worker) bool { return names[w.Host] }
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	var rows []capacityRow
	for _, w := range c.workers {
		if !keep(w) {
			continue
		}
		j := c.workerInfoLocked(w, now)
		rows = append(rows, capacityRow{name: w.Host, state: j.State, lastContactSec: j.LastContactSec,
			capacity: j.CapacityBytes, used: j.UsedBytes})
	}
	sort.SliceStable(rows, func(i, k int) bool { return rows[i].lastContactSec < rows[k].lastContactSec })
	return rangeName, rows
}

// capacityReport lays the report out as CapacityCommand does: totals,
// a blank line, then each worker on two lines (capacity, then used). The
// 2.10 layout adds State, Version and Revision columns.
func (c *Cluster) capacityReport(rangeName string, rows []capacityRow) string {
	if len(rows) == 0 {
		return "No workers found.\n"
	}
	var b strings.Builder
	var total, used int64
	for _, r := range rows {
		total += r.capacity
		used += r.used
	}
	fmt.Fprintf(&b, "Capacity information for %s workers: \n", rangeName)
	if c.cfg.publishesVCPUs() {
		fmt.Fprintf(&b, "    Total vCPUs: %d\n", len(rows)*runtime.NumCPU())
	}
	fmt.Fprintf(&b, "    Total Capacity: %s\n", sizeFromBytes(total))
	fmt.Fprintf(&b, "        Tier: MEM  Size: %s\n", sizeFromBytes(total))
	fmt.Fprintf(&b, "    Used Capacity: %s\n", sizeFromBytes(used))
	fmt.Fprintf(&b, "        Tier: MEM  Size: %s\n", sizeFromBytes(used))
	if total != 0 {
		pct := 100 * used / total
		fmt.Fprintf(&b, "    Used Percentage: %d%%\n", pct)
		fmt.Fprintf(&b, "    Free Percentage: %d%%\n", 100-pct)
	}
	b.WriteString("\n")

	nameWidth := 16
	for _, r := range rows {
		if len(r.name) >= nameWidth {
			nameWidth = len(r.name) + 5
		}
	}
	usedInfo := func(r capacityRow) string {
		s := sizeFromBytes(r.used)
		if r.capacity != 0 {
			s += fmt.Sprintf(" (%d%%)", 100*r.used/r.capacity)
		}
		return s
	}
	// Layouts of real 2.9.6 (with State) and 2.9.3 (without); both end
	// with Version and Revision and pad every column, the last to 40.
	if c.cfg.hasDecommission() {
		format := "%-" + fmt.Sprint(nameWidth) + "s %-15s %-16s %-13s %-16s %-16s %-40s\n"
		fmt.Fprintf(&b, format, "Worker Name", "State", "Last Heartbeat", "Storage", "MEM", "Version", "Revision")
		for _, r := range rows {
			fmt.Fprintf(&b, format, r.name, r.state, fmt.Sprint(r.lastContactSec), "capacity",
				sizeFromBytes(r.capacity), c.cfg.Version, emulatedRevision)
			fmt.Fprintf(&b, format, "", "", "", "used", usedInfo(r), "", "")
		}
		return b.String()
	}
	format := "%-" + fmt.Sprint(nameWidth) + "s %-16s %-13s %-16s %-16s %-40s\n"
	fmt.Fprintf(&b, format, "Worker Name", "Last Heartbeat", "Storage", "MEM", "Version", "Revision")
	for _, r := range rows {
		fmt.Fprintf(&b, format, r.name, fmt.Sprint(r.lastContactSec), "capacity", sizeFromBytes(r.capacity),
			c.cfg.Version, emulatedRevision)
		fmt.Fprintf(&b, format, "", "", "used", usedInfo(r), "", "")
	}
	return b.String()
}

func interrupted(stderr io.Writer) int {
	fmt.Fprintln(stderr, "interrupted: the caller went away")
	return exitInterrupted
}
