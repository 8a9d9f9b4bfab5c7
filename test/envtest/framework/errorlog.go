package framework

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/go-logr/logr"
)

// ErrorLog is a logr sink that keeps the controller's Error lines, so a
// test can assert that normal waits log none. Info lines are printed to
// stderr only when the environment variable DebugEnv is set.
type ErrorLog struct {
	DebugEnv string
	mu       sync.Mutex
	errors   []string
}

func (l *ErrorLog) Init(logr.RuntimeInfo) {}
func (l *ErrorLog) Enabled(int) bool      { return l.DebugEnv != "" && os.Getenv(l.DebugEnv) != "" }
func (l *ErrorLog) Info(_ int, msg string, kv ...any) {
	fmt.Fprintln(os.Stderr, "INFO", msg, kv)
}
func (l *ErrorLog) Error(err error, msg string, kv ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, fmt.Sprintf("%s: %v %v", msg, err, kv))
}
func (l *ErrorLog) WithValues(...any) logr.LogSink { return l }
func (l *ErrorLog) WithName(string) logr.LogSink   { return l }

// List is every Error line so far.
func (l *ErrorLog) List() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errors)
}

// Lines is every Error line so far, one per line.
func (l *ErrorLog) Lines() string { return strings.Join(l.List(), "\n") }
