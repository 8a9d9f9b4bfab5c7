package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"syscall"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The controller runs in the bench's process beside the fake kubelet,
// the emulators and the bench itself. Its goroutines carry this pprof
// label (set where the manager starts; goroutines inherit their
// creator's labels), so a CPU profile of the run tells its share apart.
const partLabel, controllerPart = "part", "controller"

// asController runs f with the controller's label on its goroutine and
// on every goroutine it starts.
func asController(f func()) {
	pprof.Do(context.Background(), pprof.Labels(partLabel, controllerPart), func(context.Context) { f() })
}

// cpuUse is the CPU time of one run.
type cpuUse struct {
	// process: user+system time of the whole bench process (getrusage).
	process time.Duration
	// controller: the profile's samples on the controller's goroutines;
	// the garbage collector's own workers and the API server, etcd and
	// kube-controller-manager (other processes) are not in it.
	controller time.Duration
	// profiled is false when another CPU profile was running (go test
	// -cpuprofile): then controller is unknown.
	profiled bool
}

// cpuMeter measures one run's CPU time.
type cpuMeter struct {
	start   time.Duration
	profile bytes.Buffer
	running bool
}

func startCPU() *cpuMeter {
	m := &cpuMeter{start: processCPU()}
	m.running = pprof.StartCPUProfile(&m.profile) == nil
	return m
}

func (m *cpuMeter) stop() (cpuUse, error) {
	use := cpuUse{process: processCPU() - m.start}
	if !m.running {
		return use, nil
	}
	pprof.StopCPUProfile()
	ns, err := labelledCPU(m.profile.Bytes(), partLabel, controllerPart)
	if err != nil {
		return use, err
	}
	use.controller, use.profiled = time.Duration(ns), true
	return use, nil
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// labelledCPU sums the CPU nanoseconds of a Go CPU profile's samples
// labelled key=value. The profile is gzipped profile.proto: Profile
// {sample = 2, string_table = 6}, Sample {value = 2 (samples, cpu ns;
// packed or not), label = 3}, Label {key = 1, str = 2} (string table
// indexes).
func labelledCPU(gz []byte, key, value string) (int64, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	var samples []parsedSample
	var strs []string
	err = fields(raw, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 2 && typ == protowire.BytesType:
			s, err := parseSample(v)
			samples = append(samples, s)
			return err
		case num == 6 && typ == protowire.BytesType:
			strs = append(strs, string(v))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	str := func(i int64) string {
		if i < 0 || int(i) >= len(strs) {
			return ""
		}
		return strs[i]
	}
	var total int64
	for _, s := range samples {
		for _, l := range s.labels {
			if str(l[0]) == key && str(l[1]) == value {
				total += s.ns
				break
			}
		}
	}
	return total, nil
}

type parsedSample struct {
	ns     int64
	labels [][2]int64
}

func parseSample(b []byte) (parsedSample, error) {
	var s parsedSample
	var values []int64
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 2 && typ == protowire.VarintType: // one value
			x, _ := protowire.ConsumeVarint(v)
			values = append(values, int64(x))
		case num == 2 && typ == protowire.BytesType: // packed values
			for len(v) > 0 {
				x, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return protowire.ParseError(n)
				}
				values, v = append(values, int64(x)), v[n:]
			}
		case num == 3 && typ == protowire.BytesType:
			var l [2]int64
			if err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
				if typ == protowire.VarintType && (num == 1 || num == 2) {
					x, _ := protowire.ConsumeVarint(v)
					l[num-1] = int64(x)
				}
				return nil
			}); err != nil {
				return err
			}
			s.labels = append(s.labels, l)
		}
		return nil
	})
	if len(values) >= 2 {
		s.ns = values[1]
	}
	return s, err
}

// fields calls f for each field of a protobuf message; v is the field's
// payload (for varints, the varint's bytes).
func fields(b []byte, f func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return fmt.Errorf("profile field %d: %w", num, protowire.ParseError(m))
		}
		v := b[:m]
		if typ == protowire.BytesType {
			v, _ = protowire.ConsumeBytes(b)
		}
		if err := f(num, typ, v); err != nil {
			return err
		}
		b = b[m:]
	}
	return nil
}
