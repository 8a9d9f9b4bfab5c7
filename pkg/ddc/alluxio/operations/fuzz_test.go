package operations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fuzz targets over what the controller reads from Alluxio. `make test`
// runs each briefly, `make soak` longer; `go test` alone runs the seeds.
// Seeds are shaped like 2.9.0 and 2.9.6 answers (report_shapes_test.go,
// hack/alluxio/README.md).

// answering is an http.RoundTripper that answers every request with body,
// in memory: fuzzing needs no socket.
type answering struct{ body []byte }

func (a answering) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

func fuzzClient(t testing.TB, body string) *Client {
	c, err := NewClient(Config{
		Namespace: "fluid", MasterPod: "hbase-master-0", MasterWebURL: "http://127.0.0.1:19999",
		Executor: &fakeExecutor{}, HTTPClient: &http.Client{Transport: answering{[]byte(body)}, Timeout: time.Second},
		DecommissionAcceptWindow: time.Millisecond, PersistAcceptWindow: time.Millisecond, CommandTimeout: time.Second,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// The master's report: any answer is either read or an ErrBadResponse,
// never a panic; a worker read as lost is never also live.
func FuzzObserveMasterInfo(f *testing.F) {
	for _, seed := range []string{alluxio290MasterInfo, alluxio29MasterInfo, alluxio296MasterInfo,
		`{"version":"2.9.6","workers":[]}`, `{"workers":null}`, `{}`, `[]`, `{"workers":[{"id":"x"}]}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := fuzzClient(t, string(body)).Observe(context.Background())
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("an answer that cannot be read must be ErrBadResponse, got %v", err)
			}
			return
		}
		lost := map[int64]bool{}
		for _, w := range info.Lost {
			lost[w.ID] = true
		}
		for _, w := range info.Live {
			if lost[w.ID] {
				t.Fatalf("worker %d is both live and lost in %q", w.ID, body)
			}
		}
	})
}

// A worker's cached files: any answer is read or refused, never a panic;
// a file counts as safe (persisted) only if Alluxio says PERSISTED.
func FuzzCachedFiles(f *testing.F) {
	for _, seed := range []string{
		`{"fatalError":"","ntotalFile":2,"fileInfos":[{"absolutePath":"/a","size":"1.00MB","persistenceState":"PERSISTED"},{"absolutePath":"/b","size":"512B","persistenceState":"TO_BE_PERSISTED"}]}`,
		`{"fatalError":"","ntotalFile":0,"fileInfos":[]}`,
		`{"fatalError":"File info is disabled","ntotalFile":0}`,
		`{"ntotalFile":1,"fileInfos":[{"absolutePath":"/c","size":"lots","persistenceState":"NOT_PERSISTED"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, string(body))
		w := WorkerAddress{Host: "127.0.0.1", WebPort: 30000}
		cached, err := c.CachedFiles(context.Background(), w)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("an answer that cannot be read must be ErrBadResponse, got %v", err)
			}
			return
		}
		var wire wireBlockInfo
		_ = json.Unmarshal(body, &wire)
		states := map[string]bool{}
		for _, fi := range wire.FileInfos {
			states[fi.AbsolutePath+"\x00"+fi.PersistenceState] = true
		}
		unpersisted := 0
		for _, file := range cached.Files {
			if file.Persisted && !states[file.Path+"\x00PERSISTED"] {
				t.Fatalf("%s read as persisted, Alluxio did not say PERSISTED: %q", file.Path, body)
			}
			if !file.Persisted {
				unpersisted++
			}
		}
		u, err := c.UnpersistedData(context.Background(), w)
		if err != nil {
			t.Fatalf("the same answer read once, refused the second time: %v", err)
		}
		if u.Files != unpersisted {
			t.Fatalf("UnpersistedData counts %d files, CachedFiles has %d not persisted", u.Files, unpersisted)
		}
	})
}

// Sizes: any string gives a size or 0, never a panic; what Alluxio prints
// for a size (FormatUtils.getSizeFromBytes: "%dB" up to 5 KiB, then
// "%.2f" and the unit) reads back within the rounding of two decimals.
func FuzzParseAlluxioSize(f *testing.F) {
	for _, seed := range []string{"512B", "10.00MB", "1024.00MB", "1.50KB", "3.00PB", "lots", "", "1e3B", "99999999999999999999PB"} {
		f.Add(seed, int64(0))
	}
	f.Add("", int64(5121))
	f.Add("", int64(1<<40+12345))
	f.Fuzz(func(t *testing.T, s string, n int64) {
		got := parseAlluxioSize(s)
		// Past 8 EiB a size does not fit an int64; Alluxio never prints one.
		if m := alluxioSize.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			if v < 1<<12 && got < 0 {
				t.Fatalf("parseAlluxioSize(%q) = %d, negative", s, got)
			}
		} else if got != 0 {
			t.Fatalf("parseAlluxioSize(%q) = %d, want 0 for what is not a size", s, got)
		}
		if n < 0 || n > 1<<52 {
			return
		}
		printed := alluxioPrintsSize(n)
		back := parseAlluxioSize(printed)
		if diff := math.Abs(float64(back - n)); diff > float64(n)*0.001+1 {
			t.Fatalf("%d bytes printed %q read back as %d", n, printed, back)
		}
	})
}

// alluxioPrintsSize is FormatUtils.getSizeFromBytes.
func alluxioPrintsSize(n int64) string {
	v := float64(n)
	if v <= 5*1024 {
		return fmt.Sprintf("%dB", n)
	}
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		v /= 1024
		if v <= 5*1024 {
			return fmt.Sprintf("%.2f%s", v, unit)
		}
	}
	return fmt.Sprintf("%.2fPB", v/1024)
}

var decimalPort = regexp.MustCompile(`^[0-9]+$`)

// Ports: a property that is a port number wins over the pod's port and
// the default, the worker's own properties over the global ones; any
// other value is an error naming the property, never a guess.
func FuzzResolveWorkerPorts(f *testing.F) {
	f.Add("", "", "", 0, 0)
	f.Add("29999", "30000", "", 0, 0)
	f.Add("", "", "20017", 20016, 20017)
	f.Add("0", "65536", "abc", 1, 70000)
	f.Add("+80", " 80", "080", -1, 443)
	f.Fuzz(func(t *testing.T, globalWeb, workerRPC, workerWeb string, podRPC, podWeb int) {
		global := map[string]string{}
		worker := map[string]string{}
		if globalWeb != "" {
			global[PropertyWorkerWebPort] = globalWeb
		}
		if workerRPC != "" {
			worker[PropertyWorkerRPCPort] = workerRPC
		}
		if workerWeb != "" {
			worker[PropertyWorkerWebPort] = workerWeb
		}
		ports := map[string]int{}
		if podRPC != 0 {
			ports[PortNameRPC] = podRPC
		}
		if podWeb != 0 {
			ports[PortNameWeb] = podWeb
		}
		rpc, web, err := ResolveWorkerPorts(global, worker, ports)
		if err != nil {
			if !strings.Contains(err.Error(), "fix it in the AlluxioRuntime") {
				t.Fatalf("the error must say what to fix: %v", err)
			}
			return
		}
		for _, p := range []int32{rpc, web} {
			if p < 1 || p > 65535 {
				t.Fatalf("port %d out of range (props %v %v, ports %v)", p, global, worker, ports)
			}
		}
		wantWeb := func() string {
			if workerWeb != "" {
				return workerWeb
			}
			return globalWeb
		}()
		if wantWeb != "" {
			if !decimalPort.MatchString(wantWeb) {
				// strconv.Atoi takes a sign: "+80" is port 80, as Java's
				// Integer.parseInt reads it too.
				if n, err := strconv.Atoi(wantWeb); err != nil || strconv.Itoa(n) != strings.TrimPrefix(wantWeb, "+") {
					t.Fatalf("web property %q is not a number, yet read as port %d", wantWeb, web)
				}
			}
			if n, _ := strconv.Atoi(wantWeb); int32(n) != web {
				t.Fatalf("web property %q, read as port %d", wantWeb, web)
			}
		} else if podWeb != 0 && int32(podWeb) != web {
			t.Fatalf("no web property: the pod's port %d must be used, got %d", podWeb, web)
		} else if podWeb == 0 && web != DefaultWorkerWebPort {
			t.Fatalf("nothing set: Alluxio's default %d, got %d", DefaultWorkerWebPort, web)
		}
	})
}

// Versions: any string gives an answer, never a panic; only a 2.x line
// from 2.9.4 on can decommission.
func FuzzSupportsDecommission(f *testing.F) {
	for _, seed := range []string{"2.9.0", "2.9.3", "2.9.4", "2.9.6", "2.10.0-SNAPSHOT", "v2.9.5", "3.0.0", "2.8.1", "", "2.9", "2.99999999999999999999.1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !SupportsDecommission(v) {
			return
		}
		rest := strings.TrimPrefix(v, "v")
		if !strings.HasPrefix(rest, "2.") {
			t.Fatalf("%q read as able to decommission: only 2.x can", v)
		}
		minorPatch := strings.SplitN(strings.TrimPrefix(rest, "2."), ".", 2)
		if minor, err := strconv.Atoi(minorPatch[0]); err == nil && minor < 9 {
			t.Fatalf("%q read as able to decommission: 2.%d cannot", v, minor)
		}
	})
}
