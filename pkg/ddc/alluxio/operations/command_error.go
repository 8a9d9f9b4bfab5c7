package operations

import (
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	utilexec "k8s.io/client-go/util/exec"
)

// CommandError is a command that ran and exited non-zero. Executors
// return it for every such exit, whatever transport carried the command,
// so callers map exit codes in one place.
type CommandError struct {
	Argv []string
	// ExitCode is the command's exit status, -1 when it is unknown (e.g.
	// the process was killed by a signal).
	ExitCode int
	Stdout   string
	Stderr   string
	// Err is the transport's own error, kept for errors.As/Unwrap.
	Err error
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("command %q exited with code %d", strings.Join(e.Argv, " "), e.ExitCode)
	if out := e.lastOutputLine(); out != "" {
		msg += ": " + out
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// Output is stdout and stderr together, for matching messages that
// Alluxio prints on either stream depending on its version.
func (e *CommandError) Output() string {
	return e.Stdout + "\n" + e.Stderr
}

// lastOutputLine keeps error messages to one readable line: Alluxio's
// CLI ends with the sentence that explains the failure.
func (e *CommandError) lastOutputLine() string {
	for _, stream := range []string{e.Stderr, e.Stdout} {
		lines := strings.Split(strings.TrimSpace(stream), "\n")
		if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
			const maxLen = 512
			if len(last) > maxLen {
				last = last[:maxLen] + "..."
			}
			return last
		}
	}
	return ""
}

// trailingExitStatus matches how kwok (and some runtimes) report a failed
// exec: an error whose message ends "exit status N" instead of a
// NonZeroExitCode status.
var trailingExitStatus = regexp.MustCompile(`exit (?:status|code) (\d+)\s*$`)

// exitCodeOf finds the exit status carried by err, from a real kubelet
// (client-go's CodeExitError), os/exec, or a message ending
// "exit status N". ok is false when err says nothing about an exit.
func exitCodeOf(err error) (code int, ok bool) {
	if err == nil {
		return 0, false
	}
	var kubeExit utilexec.ExitError
	if errors.As(err, &kubeExit) && kubeExit.Exited() {
		return kubeExit.ExitStatus(), true
	}
	var osExit *exec.ExitError
	if errors.As(err, &osExit) {
		return osExit.ExitCode(), true // -1 when killed by a signal
	}
	if m := trailingExitStatus.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			return n, true
		}
	}
	return 0, false
}
