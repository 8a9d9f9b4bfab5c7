package operations

import (
	"bytes"
	"context"
	"sync"
)

// Executor runs a command in a container, or somewhere that stands in for
// one (a local emulator).
//
// Contract, relied on by Client:
//   - argv is passed as a list, never through a shell;
//   - a command that ran and exited non-zero returns a *CommandError;
//   - when ctx ends first, the command is abandoned and the error wraps
//     ctx.Err(); stdout and stderr hold what arrived until then;
//   - any other error means the command could not be run at all.
type Executor interface {
	Exec(ctx context.Context, namespace, pod, container string, argv []string) (stdout, stderr []byte, err error)
}

// maxCommandOutput bounds what an executor keeps of a command's output:
// the Alluxio CLI prints a few kilobytes, and a runaway command must not
// fill the controller's memory. Output past the bound is dropped, not
// treated as an error, so the command still completes.
const maxCommandOutput = 1 << 20

// outputBuffer is a bounded, concurrency-safe writer. Stream goroutines
// may still write after an executor gave up on a cancelled context, so
// reads and writes are locked.
type outputBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	limit int
}

func newOutputBuffer() *outputBuffer { return &outputBuffer{limit: maxCommandOutput} }

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.limit - b.buf.Len(); room > 0 {
		if len(p) > room {
			b.buf.Write(p[:room])
		} else {
			b.buf.Write(p)
		}
	}
	return len(p), nil // report everything written so the producer never stalls
}

// Bytes returns a copy, safe to keep after later writes.
func (b *outputBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
