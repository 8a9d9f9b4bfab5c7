package emulator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sizeFromBytes prints a byte count as Alluxio's FormatUtils.getSizeFromBytes.
func sizeFromBytes(bytes int64) string {
	ret := float64(bytes)
	if ret <= 1024*5 {
		return fmt.Sprintf("%dB", bytes)
	}
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		ret /= 1024
		if ret <= 1024*5 {
			return fmt.Sprintf("%.2f%s", ret, unit)
		}
	}
	return fmt.Sprintf("%.2fPB", ret/1024)
}

// timeSizePattern splits "5m" or "1.5 h" like FormatUtils.parseTimeSize.
var timeSizePattern = regexp.MustCompile(`^([-]?[0-9]*\.?[0-9]*)\s*([a-zA-Z]*)$`)

var timeUnits = map[string]time.Duration{
	"": time.Millisecond, "ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// parseTimeSize reads a human duration as FormatUtils.parseTimeSize
// does: a number (milliseconds) optionally followed by ms, s/sec/second,
// m/min/minute, h/hr/hour or d/day.
func parseTimeSize(s string) (time.Duration, error) {
	m := timeSizePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || m[1] == "" {
		return 0, fmt.Errorf("Fail to parse %s to milliseconds", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("Fail to parse %s to milliseconds", s)
	}
	unit, ok := timeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("Fail to parse %s to milliseconds", s)
	}
	return time.Duration(n * float64(unit)), nil
}

// alluxioDuration prints a duration the way it is written in Alluxio's
// configuration ("2min", "10s", "500ms").
func alluxioDuration(d time.Duration) string {
	switch {
	case d%time.Minute == 0:
		return fmt.Sprintf("%dmin", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
}
