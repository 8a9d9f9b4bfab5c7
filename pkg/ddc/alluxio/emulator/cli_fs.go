package emulator

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// fsCommand is one `alluxio fs` subcommand the emulator runs.
type fsCommand struct {
	options []optionSpec
	run     func(c *Cluster, opts parsedOptions, stdout, stderr io.Writer) int
}

var fsCommands = map[string]fsCommand{
	"persist": {options: []optionSpec{
		{short: "p", long: "parallelism", hasArg: true},
		{short: "t", long: "timeout", hasArg: true},
		{short: "w", long: "wait", hasArg: true},
	}, run: (*Cluster).persistCmd},
	"load": {options: []optionSpec{{long: "local"}}, run: (*Cluster).loadCmd},
}

// runFs runs `alluxio fs [-Dkey=value ...] <command> ...`. The -D words
// are JVM properties for bin/alluxio, not the shell's: they are skipped.
func (c *Cluster) runFs(_ context.Context, args []string, stdout, stderr io.Writer) int {
	for len(args) > 0 && strings.HasPrefix(args[0], "-D") {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(stdout, "Usage: alluxio fs [generic options]")
		return exitShellError
	}
	cmd, ok := fsCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "alluxio fs %s is not emulated by the fluid-drain Alluxio emulator\n", args[0])
		return exitShellError
	}
	opts, err := parseOptions(cmd.options, args[1:])
	if err == nil && len(opts.args) == 0 {
		err = fmt.Errorf("Command %s takes at least 1 argument, not 0", args[0])
	}
	if err != nil {
		fmt.Fprintln(stdout, err)
		return exitShellError
	}
	return cmd.run(c, opts, stdout, stderr)
}

// filesUnderLocked resolves a path as the shell does: the file itself,
// or every file below a directory (the emulator's directories are the
// files' parents). ok is false when nothing is there.
func (c *Cluster) filesUnderLocked(path string) (files []*file, ok bool) {
	if f, found := c.files[path]; found {
		return []*file{f}, true
	}
	prefix := strings.TrimSuffix(path, "/") + "/"
	for p, f := range c.files {
		if strings.HasPrefix(p, prefix) {
			files = append(files, f)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, len(files) > 0
}

// persistCmd is `fs persist PATH...`: Alluxio checks every path first
// (a missing one fails the command before anything is persisted), then
// persists the files not yet persisted. The emulator persists them at
// once, as a job service with nothing else to do would within seconds.
func (c *Cluster) persistCmd(opts parsedOptions, stdout, _ io.Writer) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var todo []*file
	for _, p := range opts.args {
		files, ok := c.filesUnderLocked(p)
		if !ok {
			fmt.Fprintf(stdout, "Path \"%s\" does not exist.\n", p)
			return exitShellError
		}
		for _, f := range files {
			if !f.persisted && !slices.Contains(todo, f) {
				todo = append(todo, f)
			}
		}
	}
	fmt.Fprintf(stdout, "Found %d files to persist.\n", len(todo))
	for i, f := range todo {
		if f.lost {
			fmt.Fprintf(stdout, "Failed to persist file %s: its only copy was on a removed worker\n", f.path)
			return exitShellError
		}
		f.persisted = true
		c.record(Event{Kind: EventFilePersisted, Path: f.path})
		fmt.Fprintf(stdout, "(%d/%d) Successfully persisted file: %s\n", i+1, len(todo), f.path)
	}
	return 0
}

// loadCmd is the old-style `fs load [--local] PATH`: Alluxio 2.9 loads
// only its first path. A file with a copy on a live worker is "already
// in Alluxio fully" (a decommissioned worker's copy no longer counts:
// the master forgot its blocks). Otherwise a persisted file is read from
// the under store into the live worker with the most free space, as the
// most-available-first policy the controller asks for places it; an
// unpersisted one cannot be read at all.
//
// Real Alluxio would evict other blocks to make room on a full worker;
// the emulator refuses instead, so a test that fills workers sees it.
func (c *Cluster) loadCmd(opts parsedOptions, stdout, _ io.Writer) int {
	if opts.has("local") {
		fmt.Fprintln(stdout, "When local option is specified, there must be a local worker available")
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	path := opts.args[0]
	files, ok := c.filesUnderLocked(path)
	if !ok {
		fmt.Fprintf(stdout, "Path \"%s\" does not exist.\n", path)
		return exitShellError
	}
	for _, f := range files {
		if code := c.loadFileLocked(f, stdout); code != 0 {
			return code
		}
	}
	return 0
}

func (c *Cluster) loadFileLocked(f *file, stdout io.Writer) int {
	live := c.liveLocked()
	for _, w := range live {
		if f.cachedOn(w.Address()) {
			fmt.Fprintf(stdout, "%s already in Alluxio fully\n", f.path)
			return 0
		}
	}
	if !f.persisted || f.lost {
		fmt.Fprintf(stdout, "Block %s is unavailable in both Alluxio and UFS.\n", groupThousands(c.blockIDLocked(f)))
		return exitShellError
	}
	var target *worker
	var most int64 = -1
	for _, w := range live {
		if free := c.cfg.WorkerCapacityBytes - c.usedBytesLocked(w); free > most {
			target, most = w, free
		}
	}
	if target == nil || most < f.size {
		fmt.Fprintf(stdout, "Failed to cache %s: no live worker has %d bytes free (the emulator does not evict)\n", f.path, f.size)
		return exitShellError
	}
	f.workers = append(f.workers, target.Address())
	c.record(Event{Kind: EventFileLoaded, Host: target.Host, WebPort: target.WebPort, Path: f.path,
		Detail: fmt.Sprintf("%d bytes from the under store", f.size)})
	fmt.Fprintf(stdout, "%s loaded\n", f.path)
	return 0
}

// blockIDLocked is a stable block id for messages: Alluxio's first block
// of a file is its container id << 24, plus one per later block.
func (c *Cluster) blockIDLocked(f *file) int64 {
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return int64(sort.SearchStrings(paths, f.path)+2) << 24
}

// groupThousands prints n as Java's "%,d" does: 33,554,432.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
