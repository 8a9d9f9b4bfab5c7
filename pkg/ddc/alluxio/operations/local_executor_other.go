//go:build !unix

package operations

import "os/exec"

// killProcessGroupOnCancel: without process groups only the command
// itself is killed when its context ends.
func killProcessGroupOnCancel(*exec.Cmd) {}
