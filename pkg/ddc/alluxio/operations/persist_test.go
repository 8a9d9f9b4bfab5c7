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
		"-p", "8", "-t", "7000", "/data/a", "/data/b c",
	}}))
}

func TestPersistTimeLimitGrowsWithTheFiles(t *testing.T) {
	g := NewWithT(t)
	c := newTestClient(t, "", &fakeExecutor{})

	g.Expect(c.persistTimeout(1)).To(Equal(2*time.Second + 5*time.Second))
	g.Expect(c.persistTimeout(8)).To(Equal(2*time.Second + 5*time.Second))
	g.Expect(c.persistTimeout(9)).To(Equal(2*time.Second + 10*time.Second))
	g.Expect(c.persistTimeout(200)).To(Equal(2*time.Second + 125*time.Second))
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
		persisted = append(persisted, argv[8:]...)
	}
	g.Expect(exec.Calls()).To(HaveLen(3))
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
	g.Expect(calls[1][8:]).To(Equal([]string{"/data/a", "/data/b"}))
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

func TestPersistNotDoneInTimeNamesTheJobService(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{run: func(context.Context, []string) ([]byte, []byte, error) {
		return nil, nil, fmt.Errorf("command abandoned: %w", context.DeadlineExceeded)
	}}
	c := newTestClient(t, "", exec)

	err := c.Persist(context.Background(), []string{"/data/a"})

	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(err.Error()).To(ContainSubstring("job service"))
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
