package bench

import (
	"testing"
	"time"
)

// TestControllerCPU checks the CPU accounting the many-runtimes figure
// rests on: work on a labelled goroutine's children is counted, work
// elsewhere is not.
func TestControllerCPU(t *testing.T) {
	spin := func(d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); {
		}
	}
	m := startCPU()
	if !m.running {
		t.Skip("another CPU profile is running")
	}
	done := make(chan struct{})
	asController(func() {
		go func() { spin(300 * time.Millisecond); close(done) }()
	})
	spin(300 * time.Millisecond)
	<-done
	use, err := m.stop()
	if err != nil {
		t.Fatal(err)
	}
	if use.controller < 50*time.Millisecond || use.controller > use.process*3/4 {
		t.Fatalf("controller CPU %s of %s for the process: want the labelled half", use.controller, use.process)
	}
}
