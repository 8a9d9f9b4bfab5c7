package alluxio

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// refreshIntervalKey is the clients' worker list refresh interval: until
// it has passed since a decommission, a client may still route work to
// the decommissioned worker.
const refreshIntervalKey = "alluxio.user.worker.list.refresh.interval"

// clientRefreshInterval is the longest worker list refresh interval any
// Alluxio client of the runtime may use: every place that sets the
// property for a JVM that runs a client (FUSE, the CLI and job workers
// in the master and worker pods, the servers' own clients) is read, and
// the longest value wins, Alluxio's default where none is set. Waiting
// for the longest is safe; a shorter one would let a worker go while a
// client that refreshes less often still routes work to it.
func clientRefreshInterval(rt *datav1alpha1.AlluxioRuntime) (time.Duration, error) {
	settings := []refreshSetting{}
	fromProperties := func(field string, props map[string]string) {
		if v, ok := props[refreshIntervalKey]; ok {
			settings = append(settings, refreshSetting{field: fmt.Sprintf("%s[%s]", field, refreshIntervalKey), value: v})
		}
	}
	fromJvmOptions := func(field string, opts []string) {
		for i, opt := range opts {
			// Fluid joins the options into one JAVA_OPTS string: one
			// entry may hold several options.
			for _, word := range strings.Fields(opt) {
				if v, ok := strings.CutPrefix(word, "-D"+refreshIntervalKey+"="); ok {
					settings = append(settings, refreshSetting{field: fmt.Sprintf("%s[%d]", field, i), value: v})
				}
			}
		}
	}
	fromProperties("spec.properties", rt.Spec.Properties)
	fromJvmOptions("spec.jvmOptions", rt.Spec.JvmOptions)
	fromProperties("spec.master.properties", rt.Spec.Master.Properties)
	fromJvmOptions("spec.master.jvmOptions", rt.Spec.Master.JvmOptions)
	fromProperties("spec.worker.properties", rt.Spec.Worker.Properties)
	fromJvmOptions("spec.worker.jvmOptions", rt.Spec.Worker.JvmOptions)
	// Fluid's own components, kept as written (this API does not model
	// them): FUSE is where most clients run, job workers load and persist.
	for _, c := range []struct {
		field string
		raw   []byte
	}{{"spec.fuse", rawJSON(rt.Spec.Fuse)}, {"spec.jobMaster", rawJSON(rt.Spec.JobMaster)}, {"spec.jobWorker", rawJSON(rt.Spec.JobWorker)}} {
		if len(c.raw) == 0 {
			continue
		}
		var comp struct {
			Properties map[string]string `json:"properties"`
			JvmOptions []string          `json:"jvmOptions"`
		}
		if err := json.Unmarshal(c.raw, &comp); err != nil {
			return 0, fmt.Errorf("%s: cannot read its properties and jvmOptions for %s: %w", c.field, refreshIntervalKey, err)
		}
		fromProperties(c.field+".properties", comp.Properties)
		fromJvmOptions(c.field+".jvmOptions", comp.JvmOptions)
	}

	// A JVM no setting reaches uses Alluxio's default: unless the
	// interval is set for every JVM (spec.properties or spec.jvmOptions),
	// the default is one of the intervals in use.
	longest, global := time.Duration(0), false
	for _, s := range settings {
		d, err := parseAlluxioDuration(s.value)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.field, err)
		}
		longest = max(longest, d)
		global = global || strings.HasPrefix(s.field, "spec.properties") || strings.HasPrefix(s.field, "spec.jvmOptions")
	}
	if !global {
		longest = max(longest, defaultRefreshInterval)
	}
	return longest, nil
}

// refreshSetting is one place the interval is set, and its value.
type refreshSetting struct{ field, value string }

func rawJSON(j *apiextensionsv1.JSON) []byte {
	if j == nil {
		return nil
	}
	return j.Raw
}

// alluxioDuration is the grammar of Alluxio's durations
// (FormatUtils.parseTimeSize): an optionally negative whole number and a
// unit of letters, nothing between or around them.
var alluxioDuration = regexp.MustCompile(`^(-?[0-9]+)([a-zA-Z]*)$`)

// alluxioDurationUnits are the units Alluxio accepts, in any case; no
// unit is milliseconds.
var alluxioDurationUnits = map[string]time.Duration{
	"": time.Millisecond, "ms": time.Millisecond, "millisecond": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour,
}

// parseAlluxioDuration reads a duration exactly as Alluxio does: "2min",
// "2m", "20sec", "500ms", "1h", "1d"; a bare number is milliseconds. What
// Alluxio refuses ("1.5min", "2 min", "2minutes") is refused here too,
// with the accepted forms: a JVM given such a value does not start.
func parseAlluxioDuration(s string) (time.Duration, error) {
	m := alluxioDuration.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not an Alluxio duration: write a whole number and a unit, e.g. 2min, 30s or 500ms (a bare number is milliseconds)", s)
	}
	u, ok := alluxioDurationUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("%q is not an Alluxio duration: unknown unit %q (use ms, s, sec, m, min, h, hr, d or day)", s, m[2])
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n < 0 || n > int64(365*24*time.Hour/u) {
		return 0, fmt.Errorf("%q is not a usable refresh interval: it must be between 0 and a year", s)
	}
	return time.Duration(n) * u, nil
}
