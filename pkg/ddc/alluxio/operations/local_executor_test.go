package operations

import (
	"context"
	"errors"
	"os"
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
