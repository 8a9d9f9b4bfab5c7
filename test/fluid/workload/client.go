// Package workload is a test client of a real Alluxio: it writes files
// with chosen write types and keeps reading them, checking each read
// against the file's SHA-256, through Alluxio's own Java client
// (WorkloadClient.java, compiled once against the Alluxio jars).
package workload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ClientDefaults are the client's Alluxio properties unless Properties or
// a call's extra properties say otherwise: small blocks (a block is
// reserved whole in a worker's tier before it is written, and test tiers
// are small), and retries bounded to seconds rather than minutes, so a
// read of a block whose only worker is gone fails in seconds and the
// workload goes on.
var ClientDefaults = map[string]string{
	"alluxio.user.block.size.bytes.default":      "1MB",
	"alluxio.user.block.read.retry.max.duration": "8s",
	"alluxio.user.block.read.retry.sleep.base":   "100ms",
	"alluxio.user.block.read.retry.sleep.max":    "1s",
	"alluxio.user.rpc.retry.max.duration":        "8s",
	"alluxio.user.streaming.data.read.timeout":   "8s",
}

// ReadTimeout bounds one read in WorkloadClient; a read that takes longer
// counts as failed ("timeout").
const ReadTimeout = "60"

// Client runs WorkloadClient with a set of Alluxio client properties.
type Client struct {
	java      string
	classpath string // the compiled client, then the jars
	// Properties are the client's Alluxio configuration (at least
	// alluxio.master.hostname and alluxio.master.rpc.port).
	Properties map[string]string
	// LogDir receives the client's Alluxio log (user.log).
	LogDir string
}

// New compiles WorkloadClient.java into workDir against the jars in
// jarsDir.
func New(ctx context.Context, jarsDir, workDir string, props map[string]string) (*Client, error) {
	jars, _ := filepath.Glob(filepath.Join(jarsDir, "*.jar"))
	if len(jars) == 0 {
		return nil, fmt.Errorf("workload: no Alluxio jars in %s", jarsDir)
	}
	sort.Strings(jars)
	cp := strings.Join(jars, string(os.PathListSeparator))
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("workload: java not found: %w", err)
	}
	javac, err := exec.LookPath("javac")
	if err != nil {
		return nil, fmt.Errorf("workload: javac not found (install a JDK, e.g. apt-get install openjdk-17-jdk-headless): %w", err)
	}
	classes := filepath.Join(workDir, "classes")
	if err := os.MkdirAll(classes, 0o755); err != nil {
		return nil, err
	}
	src, err := sourceFile()
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, javac, "-nowarn", "-cp", cp, "-d", classes, src).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("workload: javac: %w\n%s", err, out)
	}
	logDir := filepath.Join(workDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	return &Client{java: java, classpath: classes + string(os.PathListSeparator) + cp, Properties: props, LogDir: logDir}, nil
}

// sourceFile finds WorkloadClient.java beside this file.
func sourceFile() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "test", "fluid", "workload", "WorkloadClient.java")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("workload: test/fluid/workload/WorkloadClient.java not found above the working directory")
		}
		dir = parent
	}
}

func (c *Client) command(ctx context.Context, extra map[string]string, args ...string) *exec.Cmd {
	props := map[string]string{}
	for k, v := range ClientDefaults {
		props[k] = v
	}
	for k, v := range c.Properties {
		props[k] = v
	}
	for k, v := range extra {
		props[k] = v
	}
	a := []string{"-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true",
		"-Dalluxio.logs.dir=" + c.LogDir, "-Dalluxio.logger.type=Console", "-Dlog4j.rootLogger=WARN,stderr",
		"-Dlog4j.configuration=file:/dev/null"}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a = append(a, "-D"+k+"="+props[k])
	}
	a = append(a, "-Dworkload.read.timeout.seconds="+ReadTimeout, "-cp", c.classpath, "WorkloadClient")
	return exec.CommandContext(ctx, c.java, append(a, args...)...)
}

// Write writes each path with size random bytes and writeType
// (CACHE_THROUGH, MUST_CACHE, ASYNC_THROUGH, THROUGH), with extra client
// properties (e.g. alluxio.user.hostname, to write as a client on that
// worker's node), and returns each written file's SHA-256. It fails if
// any write failed.
func (c *Client) Write(ctx context.Context, writeType string, size int, paths []string, extra map[string]string) (map[string]string, error) {
	cmd := c.command(ctx, extra, append([]string{"write", writeType, fmt.Sprint(size)}, paths...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	sums := map[string]string{}
	var failed []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "wrote":
			sums[f[1]] = f[2]
		case len(f) >= 2 && f[0] == "failed-write":
			failed = append(failed, line)
		}
	}
	if err != nil || len(failed) > 0 || len(sums) != len(paths) {
		return sums, fmt.Errorf("workload: writing %d files %s: %v; %s; stderr: %s", len(paths), writeType, err, strings.Join(failed, "; "), tail(stderr.String(), 2000))
	}
	return sums, nil
}

// Tally counts reads.
type Tally struct {
	Reads, OK, Failed, Mismatched int
	// Bad counts failed or mismatched reads by path.
	Bad map[string]int
	// LastError by path.
	LastError map[string]string
}

func (t *Tally) add(line string) {
	f := strings.SplitN(line, " ", 4)
	if len(f) < 3 || f[0] != "read" {
		return
	}
	t.Reads++
	switch f[2] {
	case "ok":
		t.OK++
		return
	case "mismatch":
		t.Mismatched++
		t.LastError[f[1]] = "checksum mismatch"
	default:
		t.Failed++
		if len(f) == 4 {
			t.LastError[f[1]] = f[3]
		}
	}
	t.Bad[f[1]]++
}

func newTally() Tally { return Tally{Bad: map[string]int{}, LastError: map[string]string{}} }

func specs(files map[string]string) []string {
	var s []string
	for p, sum := range files {
		s = append(s, p+"="+sum)
	}
	sort.Strings(s)
	return s
}

// ReadOnce reads every file once and tallies.
func (c *Client) ReadOnce(ctx context.Context, files map[string]string) (Tally, error) {
	cmd := c.command(ctx, nil, append([]string{"read", "1"}, specs(files)...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t := newTally()
	for _, line := range strings.Split(string(out), "\n") {
		t.add(line)
	}
	if t.Reads != len(files) {
		return t, fmt.Errorf("workload: %d reads of %d files: %v; stderr: %s", t.Reads, len(files), err, tail(stderr.String(), 2000))
	}
	return t, nil
}

// Reader keeps reading files until Stop.
type Reader struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	tally Tally
	done  chan struct{}
	err   error
	errb  strings.Builder
}

// StartReading starts one client process that reads the files in turn,
// over and over, until Stop.
func (c *Client) StartReading(ctx context.Context, files map[string]string) (*Reader, error) {
	r := &Reader{tally: newTally(), done: make(chan struct{})}
	r.cmd = c.command(ctx, nil, append([]string{"read", "0"}, specs(files)...)...)
	r.cmd.Stderr = &r.errb
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			r.mu.Lock()
			r.tally.add(sc.Text())
			r.mu.Unlock()
		}
		r.err = r.cmd.Wait()
	}()
	return r, nil
}

// Tally so far.
func (r *Reader) Tally() Tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := newTally()
	t.Reads, t.OK, t.Failed, t.Mismatched = r.tally.Reads, r.tally.OK, r.tally.Failed, r.tally.Mismatched
	for k, v := range r.tally.Bad {
		t.Bad[k] = v
	}
	for k, v := range r.tally.LastError {
		t.LastError[k] = v
	}
	return t
}

// Stop ends the reader after its current read and returns the tally.
func (r *Reader) Stop() (Tally, error) {
	_ = r.stdin.Close()
	<-r.done
	t := r.Tally()
	if r.err != nil {
		return t, fmt.Errorf("workload reader: %v; stderr: %s", r.err, tail(r.errb.String(), 2000))
	}
	return t, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
