package bench

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

var (
	logOnce sync.Once
	logFile *os.File
)

// controllerLogger is the controller's logger: discarded, unless
// BENCH_LOG names a file, to which its lines are appended with the wall
// clock (to lay a run's reconciles against its timings).
func controllerLogger() logr.Logger {
	logOnce.Do(func() {
		if path := os.Getenv("BENCH_LOG"); path != "" {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				fmt.Println("BENCH_LOG:", err)
				return
			}
			logFile = f
		}
	})
	if logFile == nil {
		return logr.Discard()
	}
	var mu sync.Mutex
	return funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(logFile, "%s %s %s\n", time.Now().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{})
}
