package operations

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// LocalExecutor runs commands on this machine instead of in a pod: for
// tests, and for driving a local Alluxio emulator through its `alluxio`
// shim. Namespace, pod and container are ignored.
type LocalExecutor struct {
	// Path, when set, is run in place of argv[0] (e.g. "bin/alluxio" for
	// argv ["alluxio", "fsadmin", ...]). Empty: argv[0] is looked up in PATH.
	Path string
	// Env is added to this process's environment.
	Env []string
	// Dir is the working directory; empty means the current one.
	Dir string
}

// killGrace bounds how long Exec waits for output pipes after the process
// was killed, in case it left children holding them open.
const killGrace = 2 * time.Second

// Exec runs argv and waits for it, or kills it when ctx ends.
func (e LocalExecutor) Exec(ctx context.Context, _, _, _ string, argv []string) ([]byte, []byte, error) {
	if len(argv) == 0 {
		return nil, nil, fmt.Errorf("local exec needs a command, got none")
	}
	binary := argv[0]
	if e.Path != "" {
		binary = e.Path
	}
	cmd := exec.CommandContext(ctx, binary, argv[1:]...)
	cmd.Env = append(os.Environ(), e.Env...)
	cmd.Dir = e.Dir
	cmd.WaitDelay = killGrace
	// The command may be a script that starts a JVM: the whole process
	// group goes when ctx ends, not just the script.
	killProcessGroupOnCancel(cmd)
	stdout, stderr := newOutputBuffer(), newOutputBuffer()
	cmd.Stdout, cmd.Stderr = stdout, stderr

	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		// Killed because ctx ended: that is an abandoned command, not an
		// exit status of its own.
		return stdout.Bytes(), stderr.Bytes(), fmt.Errorf("local command %q abandoned: %w", argv, ctx.Err())
	}
	return stdout.Bytes(), stderr.Bytes(), classifyExecError(ctx, "local", argv, stdout.Bytes(), stderr.Bytes(), err)
}
