package operations

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestPersistRunsOneCommandWithoutTheMetadataCache(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec)

	g.Expect(c.Persist(context.Background(), []string{"/data/a", "/data/b c"})).To(Succeed())

	g.Expect(exec.Calls()).To(Equal([][]string{{
		"alluxio", "fs", "-Dalluxio.user.metadata.cache.enabled=false", "persist",
		"-p", "2", "/data/a", "/data/b c",
	}}))
}

func TestPersistSplitsManyFilesIntoBatches(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec)
	var paths []string
	for i := range 450 {
		paths = append(paths, fmt.Sprintf("/data/f%d", i))
	}

	g.Expect(c.Persist(context.Background(), paths)).To(Succeed())

	var persisted []string
	for _, argv := range exec.Calls() {
		persisted = append(persisted, argv[6:]...)
	}
	g.Expect(exec.Calls()).To(HaveLen(5))
	g.Expect(persisted).To(Equal(paths))
}

func TestPersistDropsAPathDeletedMeanwhileAndPersistsTheRest(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		if slices.Contains(argv, "/data/gone") {
			return exitWith(255, `Path "/data/gone" does not exist.`, "")(ctx, argv)
		}
		return nil, nil, nil
	}}
	c := newTestClient(t, "", exec)

	g.Expect(c.Persist(context.Background(), []string{"/data/a", "/data/gone", "/data/b"})).To(Succeed())

	calls := exec.Calls()
	g.Expect(calls).To(HaveLen(2))
	g.Expect(calls[1][6:]).To(Equal([]string{"/data/a", "/data/b"}))
}

func TestPersistFailureIsAnErrorWithTheOutput(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: exitWith(255, "", "alluxio.exception.status.UnavailableException: Failed to connect to master")}
	c := newTestClient(t, "", exec)

	err := c.Persist(context.Background(), []string{"/data/a"})

	var cmdErr *CommandError
	g.Expect(errors.As(err, &cmdErr)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("Failed to connect to master"))
	g.Expect(exec.Calls()).To(HaveLen(1), "a failure other than a vanished path is not retried")
}

// persistStillRunning behaves like `fs persist` waiting for the job
// service: printed prints, then it runs until its context ends.
func persistStillRunning(printed string) func(context.Context, []string) ([]byte, []byte, error) {
	return func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		<-ctx.Done()
		return []byte(printed), nil, fmt.Errorf("command %q abandoned: %w", argv, ctx.Err())
	}
}

func TestPersistStillRunningAfterItsRequestsWentOutIsAccepted(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: persistStillRunning("Found 2 files to persist.\n")}
	c := newTestClient(t, "", exec)

	start := time.Now()
	err := c.Persist(context.Background(), []string{"/data/a", "/data/b"})

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second), "returns at the end of the accept window")
}

func TestPersistThatHadNotSentItsRequestsWhenTheWindowEndedIsAnError(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: persistStillRunning("")}
	c := newTestClient(t, "", exec)

	err := c.Persist(context.Background(), []string{"/data/a"})

	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(err.Error()).To(ContainSubstring("call again"))
}

func TestPersistCancelledByTheCallerIsAnError(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	exec := &fakeExecutor{run: func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		cancel()
		return persistStillRunning("Found 1 files to persist.\n")(ctx, argv)
	}}
	c := newTestClient(t, "", exec)

	err := c.Persist(ctx, []string{"/data/a"})

	g.Expect(err).To(MatchError(context.Canceled))
}

func TestPersistRejectsPathsTheCLICouldReadAsOptions(t *testing.T) {
	for _, p := range []string{"-t", "data/a", "", "/data/a\n-p"} {
		t.Run(strings.ReplaceAll(p, "\n", `\n`), func(t *testing.T) {
			g := NewWithT(t)
			exec := &fakeExecutor{}
			c := newTestClient(t, "", exec)

			err := c.Persist(context.Background(), []string{"/data/ok", p})

			g.Expect(err).To(MatchError(ErrInvalidPath))
			g.Expect(exec.Calls()).To(BeEmpty())
		})
	}
}
