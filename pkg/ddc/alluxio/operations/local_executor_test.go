package operations

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func helperExecutor(mode string) LocalExecutor {
	return LocalExecutor{Path: os.Args[0], Env: []string{helperEnv + "=" + mode}}
}

func TestLocalExecutorPassesArgvVerbatimWithoutAShell(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	argv := []string{"alluxio", "fsadmin", "$(touch pwned)", "a;b", "'quoted' \"twice\""}
	e := helperExecutor("print-args")
	e.Dir = dir

	stdout, _, err := e.Exec(context.Background(), "ignored", "ignored", "ignored", argv)

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(strings.Split(strings.TrimSpace(string(stdout)), "\n")).To(Equal(argv[1:]))
	g.Expect(dir + "/pwned").NotTo(BeAnExistingFile())
}

func TestLocalExecutorReportsExitCodes(t *testing.T) {
	for _, code := range []int{1, 2, 3, 10, 255} {
		t.Run("exit "+strconv.Itoa(code), func(t *testing.T) {
			g := NewWithT(t)
			e := helperExecutor("exit-" + strconv.Itoa(code))

			_, _, err := e.Exec(context.Background(), "", "", "", []string{"alluxio", "fsadmin"})

			var cmdErr *CommandError
			g.Expect(errors.As(err, &cmdErr)).To(BeTrue(), "got %v", err)
			g.Expect(cmdErr.ExitCode).To(Equal(code))
			g.Expect(cmdErr.Stderr).To(ContainSubstring("helper failed on purpose"))
			g.Expect(cmdErr.Stdout).To(ContainSubstring("some stdout"))
			g.Expect(err.Error()).To(ContainSubstring("helper failed on purpose"))
		})
	}
}

func TestLocalExecutorKillsTheCommandWhenTheContextEnds(t *testing.T) {
	g := NewWithT(t)
	e := helperExecutor("block")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, _, err := e.Exec(ctx, "", "", "", []string{"alluxio"})

	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
}

func TestLocalExecutorMissingBinary(t *testing.T) {
	g := NewWithT(t)
	e := LocalExecutor{Path: t.TempDir() + "/no-such-alluxio"}

	_, _, err := e.Exec(context.Background(), "", "", "", []string{"alluxio"})

	var cmdErr *CommandError
	g.Expect(err).To(HaveOccurred())
	g.Expect(errors.As(err, &cmdErr)).To(BeFalse(), "a command that never ran has no exit code")
}

// A command that is a script starting a child (as bin/alluxio starts a
// JVM) leaves nothing running once its context ends.
func TestLocalExecutorKillsTheCommandsChildrenWhenTheContextEnds(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "alluxio")
	g.Expect(os.WriteFile(script, []byte("#!/bin/sh\nsleep 300 &\necho $! > "+dir+"/child\nwait\n"), 0o755)).To(Succeed())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	_, _, err := LocalExecutor{Path: script}.Exec(ctx, "", "", "", []string{"alluxio"})

	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	raw, err := os.ReadFile(filepath.Join(dir, "child"))
	g.Expect(err).NotTo(HaveOccurred())
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func() bool { return processGone(pid) }, 5*time.Second, 50*time.Millisecond).Should(BeTrue(), "the script's child %d still runs", pid)
}

// processGone: no such process, or only its zombie waiting to be reaped.
func processGone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}
