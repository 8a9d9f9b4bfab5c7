package operations

import (
	"errors"
	"fmt"
)

// Sentinel errors the controller branches on with errors.Is. Each error
// returned by this package wraps at most one of them, together with the
// details (addresses, output, URL) a user needs to act.
var (
	// ErrUnsupported: the running Alluxio lacks a feature graceful
	// scale-in needs (the decommissionWorker command, the workers'
	// /api/v1/worker/operations endpoint).
	ErrUnsupported = errors.New("alluxio feature not supported by this version")

	// ErrActivityUnsupported: the worker answered 404 for
	// /api/v1/worker/operations, as Alluxio before 2.9.4 does.
	ErrActivityUnsupported = fmt.Errorf("worker has no /api/v1/worker/operations endpoint (Alluxio before 2.9.4): %w", ErrUnsupported)

	// ErrDecommissionFailed: decommissionWorker exited 1, the master
	// accepted none of the workers.
	ErrDecommissionFailed = errors.New("alluxio master refused to decommission the workers")

	// ErrEnableFailed: enableWorker exited non-zero for a reason other
	// than an unknown worker or an unsupported version.
	ErrEnableFailed = errors.New("alluxio master refused to enable the workers")

	// ErrMasterUnreachable: the CLI lost the primary master (exit 2), or
	// the master's web endpoint could not be reached.
	ErrMasterUnreachable = errors.New("alluxio master unreachable")

	// ErrWorkerUnreachable: a worker's web endpoint could not be reached.
	ErrWorkerUnreachable = errors.New("alluxio worker unreachable")

	// ErrWorkersLost: decommissionWorker exited 10, the decommission was
	// sent but some workers stopped answering while it ran.
	ErrWorkersLost = errors.New("some workers were lost while being decommissioned")

	// ErrWorkerNotFound: the master knows no live worker at an address
	// (decommissionWorker exits 255 with "is not known by the master").
	ErrWorkerNotFound = errors.New("no live alluxio worker at that address")

	// ErrInvalidAddress: a worker or master address would not be safe or
	// valid to pass to the Alluxio CLI or to dial.
	ErrInvalidAddress = errors.New("invalid alluxio address")

	// ErrInvalidPath: a file path that is not an absolute Alluxio path
	// (it could be read as a CLI option).
	ErrInvalidPath = errors.New("invalid alluxio path")

	// ErrBadResponse: an Alluxio web endpoint answered with something
	// other than the JSON Alluxio sends (bad status, bad JSON, wrong
	// types, too large).
	ErrBadResponse = errors.New("unexpected response from alluxio")

	// ErrPodNotFound: the pod to exec into does not exist.
	ErrPodNotFound = errors.New("pod not found")

	// ErrPodNotRunning: the pod to exec into exists but is not Running.
	ErrPodNotRunning = errors.New("pod not running")
)

// UnsupportedError says which Alluxio version lacks which command, and
// what the user can do about it. errors.Is(err, ErrUnsupported) holds.
type UnsupportedError struct {
	// Version is the master's version, "" when it could not be read.
	Version string
	// Command is the missing CLI command, e.g. "fsadmin decommissionWorker".
	Command string
	// Output is what the CLI printed, for the log.
	Output string
}

func (e *UnsupportedError) Error() string {
	version := e.Version
	if version == "" {
		version = "(version unknown)"
	}
	return fmt.Sprintf("Alluxio %s has no `alluxio %s` command (it came with open-source Alluxio 2.9.4 and the 2.8 enterprise line): "+
		"upgrade the AlluxioRuntime to Alluxio 2.9.4 or later, or disable the GracefulScaleIn feature gate to scale in without draining",
		version, e.Command)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }
