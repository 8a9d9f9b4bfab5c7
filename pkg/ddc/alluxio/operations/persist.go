package operations

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// persistBatch bounds the paths of one `fs persist`, so its argv
	// stays far below the exec limits however many files a worker holds.
	persistBatch = 200
	// persistPerFile is what one more file adds to a persist command's
	// time limit: Alluxio persists a small file in 1-2 s through the job
	// service, up to persistParallelism at a time.
	persistPerFile = 5 * time.Second
	// persistParallelism is the command's -p: files persisted at once.
	persistParallelism = 8
	// maxVanishedPaths bounds how often one Persist call drops a path
	// that no longer exists and runs the command again.
	maxVanishedPaths = 10
)

// persistTimeout is a persist command's limit for n files: the JVM's
// start (CommandTimeout) and each round of persistParallelism files.
func (c *Client) persistTimeout(n int) time.Duration {
	rounds := (n + persistParallelism - 1) / persistParallelism
	return c.cfg.CommandTimeout + time.Duration(rounds)*persistPerFile
}

// Persist writes these files to the under store with
//
//	alluxio fs -Dalluxio.user.metadata.cache.enabled=false persist -p 8 -t <ms> PATH...
//
// in batches of persistBatch paths. The command returns when Alluxio
// persisted every file; with Fluid's client metadata cache on, it would
// see the files unpersisted until the cache expires (10 minutes), hence
// the -D. An already persisted file is skipped by Alluxio; a path that
// no longer exists makes the command fail before it persists anything,
// so it is dropped (nothing to keep) and the rest is run again.
//
// Alluxio persists through its job service: without one the command
// cannot finish, and Persist fails when its time limit ends.
func (c *Client) Persist(ctx context.Context, paths []string) error {
	for _, p := range paths {
		if err := validateAlluxioPath(p); err != nil {
			return fmt.Errorf("persist %d files: %w", len(paths), err)
		}
	}
	for batch := range slices.Chunk(paths, persistBatch) {
		if err := c.persistBatch(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// vanishedPath is how `fs persist` and `fs load` name a missing path.
var vanishedPath = regexp.MustCompile(`Path "([^"]+)" does not exist`)

func (c *Client) persistBatch(ctx context.Context, paths []string) error {
	paths = slices.Clone(paths)
	for dropped := 0; len(paths) > 0; dropped++ {
		timeout := c.persistTimeout(len(paths))
		argv := append([]string{"alluxio", "fs", "-Dalluxio.user.metadata.cache.enabled=false", "persist",
			"-p", strconv.Itoa(persistParallelism), "-t", strconv.FormatInt(timeout.Milliseconds(), 10)}, paths...)
		err := c.runCLI(ctx, timeout, argv)
		if err == nil {
			return nil
		}
		var cmdErr *CommandError
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("persist %d files: %w", len(paths), err)
		case !errors.As(err, &cmdErr):
			if isTimeout(err) {
				return fmt.Errorf("persist %d files: not done within %s (Alluxio persists through its job service: is the job master running?): %w", len(paths), timeout, err)
			}
			return fmt.Errorf("persist %d files: %w", len(paths), err)
		}
		gone := vanishedPath.FindStringSubmatch(cmdErr.Output())
		if gone == nil || !slices.Contains(paths, gone[1]) || dropped == maxVanishedPaths {
			return fmt.Errorf("persist %d files (e.g. %s): %w", len(paths), paths[0], err)
		}
		paths = slices.DeleteFunc(paths, func(p string) bool { return p == gone[1] })
	}
	return nil
}

// isTimeout tells a command abandoned because its own time limit ended.
func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded)
}

// validateAlluxioPath accepts the absolute Alluxio paths the workers
// list: a leading "/" (so the CLI never reads one as an option) and no
// control characters.
func validateAlluxioPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("alluxio path %q is not absolute: %w", p, ErrInvalidPath)
	}
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("alluxio path %q has control characters: %w", p, ErrInvalidPath)
	}
	return nil
}
