package alluxio

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// alluxioUnitsRead are the units Alluxio 2.9's FormatUtils.parseTimeSize
// reads (from the jar), each with its length: the fuzz target's own
// table, not the parser's.
var alluxioUnitsRead = map[string]time.Duration{
	"": time.Millisecond, "ms": time.Millisecond, "millisecond": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour,
}

// Durations as a user writes them in spec.properties: any string is read
// or refused, never a panic; what reads is never negative; a whole number
// with a unit Alluxio knows, in any case, reads as that many units, and
// the same with a space between (which Alluxio refuses) is refused.
func FuzzParseAlluxioDuration(f *testing.F) {
	for _, seed := range []string{"2min", "2m", "120000", "10sec", "30s", "500ms", "1h", "1day", "1.5min", "3 minutes",
		"10min", "5m", "-1", "", "soon", "2 fortnights", "1e3s", "99999999999999999999d", "2MIN"} {
		f.Add(seed, uint32(0), "")
	}
	f.Add("", uint32(3), "min")
	f.Add("", uint32(180000), "")
	f.Fuzz(func(t *testing.T, s string, n uint32, unit string) {
		if d, err := parseAlluxioDuration(s); err == nil && d < 0 {
			t.Fatalf("parseAlluxioDuration(%q) = %s, negative", s, d)
		}
		length, known := alluxioUnitsRead[strings.ToLower(unit)]
		if !known || time.Duration(n) > 365*24*time.Hour/length {
			return
		}
		written := fmt.Sprintf("%d%s", n, unit)
		got, err := parseAlluxioDuration(written)
		if err != nil {
			t.Fatalf("%q is an Alluxio duration, refused: %v", written, err)
		}
		if want := time.Duration(n) * length; got != want {
			t.Fatalf("%q read as %s, want %s", written, got, want)
		}
		if unit != "" {
			if _, err := parseAlluxioDuration(fmt.Sprintf("%d %s", n, unit)); err == nil {
				t.Fatalf("%q read, though Alluxio refuses a space before the unit", fmt.Sprintf("%d %s", n, unit))
			}
		}
	})
}
