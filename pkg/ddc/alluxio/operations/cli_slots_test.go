package operations

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

// countingExecutor records how many commands run at once per pod.
type countingExecutor struct {
	mu      sync.Mutex
	running map[string]int
	most    map[string]int
	hold    time.Duration
}

func (e *countingExecutor) Exec(ctx context.Context, _, pod, _ string, _ []string) ([]byte, []byte, error) {
	e.mu.Lock()
	e.running[pod]++
	e.most[pod] = max(e.most[pod], e.running[pod])
	e.mu.Unlock()
	select {
	case <-time.After(e.hold):
	case <-ctx.Done():
	}
	e.mu.Lock()
	e.running[pod]--
	e.mu.Unlock()
	return nil, nil, nil
}

// However many clients and commands, at most MaxCLIProcessesPerMaster
// run at once in one master pod; other masters have their own slots.
func TestCLIProcessesPerMasterAreBounded(t *testing.T) {
	g := NewWithT(t)
	exec := &countingExecutor{running: map[string]int{}, most: map[string]int{}, hold: 20 * time.Millisecond}
	var clients []*Client
	for _, pod := range []string{"a-master-0", "a-master-0", "a-master-0", "b-master-0"} {
		c, err := NewClient(Config{Namespace: "ns", MasterPod: pod, MasterWebURL: "http://127.0.0.1:19999", Executor: exec})
		g.Expect(err).NotTo(HaveOccurred())
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = clients[i%len(clients)].runCLI(context.Background(), time.Minute, []string{"alluxio", "fs", "load", "/f"})
		}()
	}
	wg.Wait()
	g.Expect(exec.most["a-master-0"]).To(Equal(MaxCLIProcessesPerMaster), "three clients of one master share its slots")
	g.Expect(exec.most["b-master-0"]).To(BeNumerically(">", 1))
	g.Expect(masterCLISlots.pods).To(BeEmpty(), "idle masters are forgotten")
}

// A command that cannot get a slot within its time limit does not run.
func TestCLICommandWaitsForASlotWithinItsTimeLimit(t *testing.T) {
	g := NewWithT(t)
	slots := &cliSlots{limit: 1, pods: map[string]*podSlots{}}
	exec := &countingExecutor{running: map[string]int{}, most: map[string]int{}, hold: time.Second}
	e := slottedExecutor{Executor: exec, slots: slots}
	go func() { _, _, _ = e.Exec(context.Background(), "ns", "m-0", "c", []string{"alluxio"}) }()
	g.Eventually(func() int { exec.mu.Lock(); defer exec.mu.Unlock(); return exec.running["m-0"] }).Should(Equal(1))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := e.Exec(ctx, "ns", "m-0", "c", []string{"alluxio"})
	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(exec.most["m-0"]).To(Equal(1))
}

// A command abandoned through pods/exec goes on in the container until
// its deadline there: its slot stays taken until then.
func TestAbandonedPodCommandKeepsItsSlotUntilTheContainerEndsIt(t *testing.T) {
	g := NewWithT(t)
	slots := &cliSlots{limit: 1, pods: map[string]*podSlots{}}
	pe := newTestPodExecutor(t, fakeAPIServer(t, masterPod(corev1.PodRunning)), fakeStream{blockUntilDone: true}, nil)
	e := slottedExecutor{Executor: pe, slots: slots}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := e.Exec(ctx, "fluid", "hbase-master-0", "alluxio-master", decommissionArgv)
	g.Expect(err).To(MatchError(context.DeadlineExceeded))

	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	_, err = slots.acquire(ctx2, "fluid/hbase-master-0")
	g.Expect(err).To(MatchError(context.DeadlineExceeded), "the slot was free while the abandoned command may still run in the container")
}
