package operations

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const (
	// persistBatch bounds the paths of one `fs persist`, so its argv
	// stays far below the exec limits however many files a worker holds.
	persistBatch = 100
	// maxVanishedPaths bounds how often one batch drops a path that no
	// longer exists and runs the command again.
	maxVanishedPaths = 10
)

// Persist asks Alluxio to write these files to the under store with
//
//	alluxio fs -Dalluxio.user.metadata.cache.enabled=false persist -p <n> PATH...
//
// in batches of persistBatch paths. The command asks the master to
// persist every file at once (-p: one task per path), then waits until
// they are persisted. It gets PersistAcceptWindow per batch:
//   - if it exits within the window, its exit decides;
//   - if it is still running when the window ends and it printed "Found N
//     files to persist." (its requests went out), it is abandoned and the
//     batch counts as accepted: the master persists the files without the
//     CLI (through its job service; without one they stay unpersisted),
//     and UnpersistedData tells when they are;
//   - if it had not got that far (a slow JVM start), Persist fails and the
//     caller calls again: persisting is idempotent, an already persisted
//     file is skipped.
//
// The -D matters: with Fluid's client metadata cache on, the command
// would see the files unpersisted until the cache expires (10 minutes).
// A path that no longer exists makes the command fail before it
// persists anything: it is dropped (a deleted file needs no persisting)
// and the rest is run again.
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

// persistStarted is what `fs persist` prints once it has listed the
// files, right before it sends their persist requests.
var persistStarted = regexp.MustCompile(`Found \d+ files to persist`)

func (c *Client) persistBatch(ctx context.Context, paths []string) error {
	paths = slices.Clone(paths)
	for dropped := 0; len(paths) > 0; dropped++ {
		argv := append([]string{"alluxio", "fs", "-Dalluxio.user.metadata.cache.enabled=false", "persist",
			"-p", strconv.Itoa(len(paths))}, paths...)
		window, cancel := context.WithTimeout(ctx, c.cfg.PersistAcceptWindow)
		stdout, _, err := c.cfg.Executor.Exec(window, c.cfg.Namespace, c.cfg.MasterPod, c.cfg.Container, argv)
		windowEnded := window.Err() != nil
		cancel()
		var cmdErr *CommandError
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("persist %d files: %w", len(paths), err)
		case windowEnded && persistStarted.Match(stdout):
			return nil // accepted: the master goes on without the CLI
		case windowEnded:
			return fmt.Errorf("persist %d files: the command had not sent its requests after %s (a slow start?): call again: %w",
				len(paths), c.cfg.PersistAcceptWindow, err)
		case !errors.As(err, &cmdErr):
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
