package alluxio

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// alluxioDurationUnits are the units Alluxio's FormatUtils.parseTimeSize
// reads, each with its length.
var alluxioDurationUnits = map[string]time.Duration{
	"": time.Millisecond, "ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// Durations as a user writes them in spec.properties: any string is read
// or refused, never a panic; a number with a unit Alluxio knows reads as
// that many units (the seeds are Alluxio 2.9's defaults and the ways this
// README and its suites write them); what reads is never negative.
func FuzzParseAlluxioDuration(f *testing.F) {
	for _, seed := range []string{"2min", "2m", "120000", "10sec", "30s", "500ms", "1h", "1day", "1.5min", "3 minutes",
		"10min", "5m", "-1", "", "soon", "2 fortnights", "1e3s", "99999999999999999999d"} {
		f.Add(seed, uint32(0), "")
	}
	f.Add("", uint32(3), "min")
	f.Add("", uint32(180000), "")
	f.Fuzz(func(t *testing.T, s string, n uint32, unit string) {
		d, err := parseAlluxioDuration(s)
		if err == nil {
			m := alluxioDuration.FindStringSubmatch(strings.TrimSpace(s))
			v, _ := strconv.ParseFloat(m[1], 64)
			// Past about 290 years a duration does not fit; no one
			// waits that long for a refresh.
			if v*float64(alluxioDurationUnits[strings.ToLower(m[2])]) < math.MaxInt64/2 && d < 0 {
				t.Fatalf("parseAlluxioDuration(%q) = %s, negative", s, d)
			}
		}
		length, known := alluxioDurationUnits[strings.ToLower(unit)]
		if !known || strings.TrimSpace(unit) != unit {
			return
		}
		for _, written := range []string{fmt.Sprintf("%d%s", n, unit), fmt.Sprintf("%d %s", n, unit)} {
			got, err := parseAlluxioDuration(written)
			if err != nil {
				t.Fatalf("%q is an Alluxio duration, refused: %v", written, err)
			}
			if want := time.Duration(n) * length; got != want {
				t.Fatalf("%q read as %s, want %s", written, got, want)
			}
		}
	})
}
