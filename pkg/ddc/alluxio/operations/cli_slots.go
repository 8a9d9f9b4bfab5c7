package operations

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MaxCLIProcessesPerMaster bounds the Alluxio CLI commands the controller
// runs at once in one master pod, whatever runs them (decommission,
// persist, re-cache) and however many victims or reconciles ask. Each is
// a JVM in the master's container: under a tight memory limit too many
// get the master OOM-killed, and a restarted master forgets its
// decommissions. A command waits for a slot within its own time limit.
const MaxCLIProcessesPerMaster = 4

// cliSlots hands out at most limit slots per master pod.
type cliSlots struct {
	mu    sync.Mutex
	limit int
	pods  map[string]*podSlots
}

type podSlots struct {
	free  chan struct{}
	users int // commands holding or waiting for a slot, to forget idle pods
}

// masterCLISlots is shared by every Client of the process, since a Client
// is made per reconcile.
var masterCLISlots = &cliSlots{limit: MaxCLIProcessesPerMaster, pods: map[string]*podSlots{}}

// acquire waits for a slot of the master pod key, or for ctx to end.
func (s *cliSlots) acquire(ctx context.Context, key string) (release func(), err error) {
	s.mu.Lock()
	p := s.pods[key]
	if p == nil {
		p = &podSlots{free: make(chan struct{}, s.limit)}
		for range s.limit {
			p.free <- struct{}{}
		}
		s.pods[key] = p
	}
	p.users++
	s.mu.Unlock()
	done := func() {
		s.mu.Lock()
		if p.users--; p.users == 0 {
			delete(s.pods, key)
		}
		s.mu.Unlock()
	}
	select {
	case <-p.free:
		return func() { p.free <- struct{}{}; done() }, nil
	case <-ctx.Done():
		done()
		return nil, fmt.Errorf("waiting for one of the %d Alluxio CLI slots of master pod %s: %w", s.limit, key, ctx.Err())
	}
}

// slottedExecutor runs each command in a slot of its master pod.
type slottedExecutor struct {
	Executor
	slots *cliSlots
}

// lingering is an Executor whose abandoned commands go on running where
// they run for a while: their slot is kept until they have surely ended.
type lingering interface {
	runsUntil(ctx context.Context, start time.Time) time.Time
}

func (e slottedExecutor) Exec(ctx context.Context, namespace, pod, container string, argv []string) ([]byte, []byte, error) {
	release, err := e.slots.acquire(ctx, namespace+"/"+pod)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	stdout, stderr, err := e.Executor.Exec(ctx, namespace, pod, container, argv)
	if l, ok := e.Executor.(lingering); ok && err != nil && ctx.Err() != nil {
		if left := time.Until(l.runsUntil(ctx, start)); left > 0 {
			time.AfterFunc(left, release)
			return stdout, stderr, err
		}
	}
	release()
	return stdout, stderr, err
}
