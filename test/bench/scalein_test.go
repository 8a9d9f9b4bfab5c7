package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// Timings of every scale-in measured: the clients' refresh interval (in
// the emulator and the runtime's properties alike), the quiet period and
// the poll interval; and how long victims stay busy after the replica
// change in the busy case (longer than the refresh interval, so their
// work sets the floor) and in the brief case (short enough that the
// refresh interval sets it: brief + quiet < refresh).
const (
	refresh  = 2 * time.Second
	quiet    = time.Second
	poll     = 250 * time.Millisecond
	busyFor  = 3 * time.Second
	briefFor = 500 * time.Millisecond
	// opEvery is how often the emulated client sends an operation while
	// the busy case runs; each lasts the emulator's OperationDuration.
	opEvery  = 100 * time.Millisecond
	rtName   = "cache"
	webPort  = 30000
	setupMax = 15 * time.Minute
	// goneMax bounds a scale-in: the slowest measured (50 victims one
	// at a time) takes under 2 minutes.
	goneMax = 10 * time.Minute
)

// cluster is one runtime in its own namespace with its emulated Alluxio.
type cluster struct {
	ns  string
	emu *emulator.Cluster
}

func newCluster(ctx context.Context) (*cluster, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		return nil, err
	}
	emu := emulator.New(emulator.Config{RefreshInterval: refresh, OperationDuration: 100 * time.Millisecond, IdlePollInterval: 50 * time.Millisecond})
	emulators.Add(ns.Name, emu)
	return &cluster{ns: ns.Name, emu: emu}, nil
}

func (c *cluster) createRuntime(ctx context.Context, replicas, maxConcurrent int32) error {
	rt := &datav1alpha1.AlluxioRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: rtName, Namespace: c.ns},
		Spec: datav1alpha1.AlluxioRuntimeSpec{
			Replicas:   replicas,
			Properties: map[string]string{"alluxio.user.worker.list.refresh.interval": refresh.String()},
			Master:     datav1alpha1.AlluxioCompTemplateSpec{NetworkMode: datav1alpha1.ContainerNetworkMode},
			Worker:     datav1alpha1.AlluxioCompTemplateSpec{NetworkMode: datav1alpha1.ContainerNetworkMode},
			ScaleIn: datav1alpha1.ScaleInPolicy{
				PollInterval: &metav1.Duration{Duration: poll},
				QuietPeriod:  &metav1.Duration{Duration: quiet},
				DrainTimeout: &metav1.Duration{Duration: 30 * time.Minute},
			},
		},
	}
	if maxConcurrent > 0 {
		rt.Spec.ScaleIn.MaxConcurrent = &maxConcurrent
	}
	return k8s.Create(ctx, rt)
}

func (c *cluster) runtime(ctx context.Context) (*datav1alpha1.AlluxioRuntime, error) {
	rt := &datav1alpha1.AlluxioRuntime{}
	return rt, k8s.Get(ctx, client.ObjectKey{Namespace: c.ns, Name: rtName}, rt)
}

// ready: n workers run, registered with Alluxio, and the runtime says so.
func (c *cluster) ready(ctx context.Context, n int) bool {
	live := 0
	for _, w := range c.emu.Workers() {
		if w.State == emulator.WorkerLive {
			live++
		}
	}
	if live != n {
		return false
	}
	rt, err := c.runtime(ctx)
	return err == nil && rt.Status.WorkerNumberReady == int32(n)
}

// finished: the graceful scale-in recorded its completion (or, with the
// gate off, only the target's workers are left ready).
func (c *cluster) finished(ctx context.Context, graceful bool, n int32, since time.Time) bool {
	rt, err := c.runtime(ctx)
	if err != nil {
		return false
	}
	if !graceful {
		return rt.Status.WorkerNumberReady == n
	}
	st := rt.Status.ScaleIn
	return st != nil && st.CompletionTime != nil && !st.CompletionTime.Time.Before(since.Truncate(time.Second))
}

func (c *cluster) scaleTo(ctx context.Context, n int32) error {
	rt, err := c.runtime(ctx)
	if err != nil {
		return err
	}
	scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: n}}
	return k8s.SubResource("scale").Update(ctx, rt, client.WithSubResourceBody(scale))
}

// victims are the worker pods with an ordinal of keep or more: the ones a
// StatefulSet removes when scaled to keep. Keyed namespace/name -> pod IP.
func (c *cluster) victims(ctx context.Context, keep int) (map[string]string, error) {
	pods := &corev1.PodList{}
	if err := k8s.List(ctx, pods, client.InNamespace(c.ns), client.MatchingLabels{datav1alpha1.ComponentLabel: datav1alpha1.WorkerComponent}); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		o, err := strconv.Atoi(p.Name[strings.LastIndex(p.Name, "-")+1:])
		if err == nil && o >= keep {
			out[p.Namespace+"/"+p.Name] = p.Status.PodIP
		}
	}
	return out, nil
}

// close deletes the runtime, waits until its pods are gone (their
// addresses go back to the pool) and stops the emulator.
func (c *cluster) close(ctx context.Context) error {
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Name: rtName, Namespace: c.ns}}
	err := client.IgnoreNotFound(k8s.Delete(ctx, rt))
	deadline := time.Now().Add(5 * time.Minute)
	for err == nil && time.Now().Before(deadline) {
		pods := &corev1.PodList{}
		if err = k8s.List(ctx, pods, client.InNamespace(c.ns)); err != nil || len(pods.Items) == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	emulators.Remove(c.ns)
	c.emu.Close()
	return err
}

// scaleCase is one measured scale-in: runtimes runtimes, each scaled from
// from to to workers at once, victims busy for busy after the change
// (0: idle).
type scaleCase struct {
	graceful      bool
	runtimes      int
	from, to      int32
	maxConcurrent int32 // 0: unset
	busy          time.Duration
	// workload: an emulated client sends operations to each runtime's
	// workers (from its cached worker list) during the scale-in, so that
	// one routed to a removed worker is caught as a violation.
	workload bool
	// cpu: measure the process's and the controller's CPU time.
	cpu bool
}

func (sc scaleCase) victims() int { return sc.runtimes * int(sc.from-sc.to) }

// scaleOutcome is what one run measured.
type scaleOutcome struct {
	// elapsed: from the replica change to the last victim pod gone.
	elapsed time.Duration
	// calls the controller made from the replica change until every
	// runtime reported the scale-in finished.
	calls apiCalls
	// reconcile times during the same window.
	reconciles histogram
	// failures are what the run did wrong (see cluster.check).
	failures []string
	// cpu is the CPU time from the replica change until the scale-in was
	// reported finished (when the case asked for it).
	cpu cpuUse
}

func runScaleIn(ctx context.Context, sc scaleCase) (out scaleOutcome, err error) {
	mgr, err := startManager(sc.graceful)
	if err != nil {
		return out, err
	}
	defer func() {
		if e := mgr.stop(); e != nil && err == nil {
			err = e
		}
	}()
	clusters := make([]*cluster, sc.runtimes)
	defer func() {
		parallel(len(clusters), func(i int) {
			if clusters[i] != nil {
				_ = clusters[i].close(ctx)
			}
		})
	}()
	var mu sync.Mutex
	var errs []error
	parallel(sc.runtimes, func(i int) {
		c, err := newCluster(ctx)
		if err == nil {
			err = c.createRuntime(ctx, sc.from, sc.maxConcurrent)
		}
		mu.Lock()
		defer mu.Unlock()
		clusters[i] = c
		if err != nil {
			errs = append(errs, err)
		}
	})
	if len(errs) > 0 {
		return out, errs[0]
	}
	if err := waitFor(ctx, setupMax, time.Second, func() bool { return all(clusters, func(c *cluster) bool { return c.ready(ctx, int(sc.from)) }) }); err != nil {
		return out, fmt.Errorf("waiting for %d runtimes of %d workers: %w", sc.runtimes, sc.from, err)
	}

	victims := map[string]string{}
	byNS := map[string]*cluster{}
	for _, c := range clusters {
		v, err := c.victims(ctx, int(sc.to))
		if err != nil {
			return out, err
		}
		for k, ip := range v {
			victims[k] = ip
		}
		byNS[c.ns] = c
	}
	if len(victims) != sc.victims() {
		return out, fmt.Errorf("found %d victims, want %d", len(victims), sc.victims())
	}
	setBusy := func(busy bool) {
		for k, ip := range victims {
			byNS[strings.SplitN(k, "/", 2)[0]].emu.SetBusy(ip, webPort, busy)
		}
	}
	if sc.busy > 0 {
		setBusy(true)
	}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gone, err := watchGone(wctx, victims)
	if err != nil {
		return out, err
	}

	calls0 := mgr.calls.snapshot()
	hist0, err := reconcileTimes()
	if err != nil {
		return out, err
	}
	var cpu *cpuMeter
	if sc.cpu {
		cpu = startCPU()
	}
	t0 := time.Now()
	controllerLogger().Info("bench: replicas changed", "victims", len(victims))
	if sc.busy > 0 {
		unbusy := time.AfterFunc(sc.busy, func() { setBusy(false) })
		defer unbusy.Stop()
	}
	if sc.workload {
		stopOps := sendOperations(clusters)
		defer stopOps()
	}
	parallel(len(clusters), func(i int) {
		if err := clusters[i].scaleTo(ctx, sc.to); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	if len(errs) > 0 {
		return out, errs[0]
	}
	select {
	case end := <-gone.at:
		out.elapsed = end.Sub(t0)
		controllerLogger().Info("bench: last victim gone", "seconds", out.elapsed.Seconds())
	case <-time.After(goneMax):
		return out, fmt.Errorf("victims not gone after %s: %s", goneMax, gone.stuck(ctx))
	}
	if err := waitFor(ctx, 5*time.Minute, 100*time.Millisecond, func() bool {
		return all(clusters, func(c *cluster) bool { return c.finished(ctx, sc.graceful, sc.to, t0) })
	}); err != nil {
		return out, fmt.Errorf("waiting for the scale-in to be reported: %w", err)
	}
	if cpu != nil {
		if out.cpu, err = cpu.stop(); err != nil {
			return out, err
		}
	}
	time.Sleep(time.Second) // trailing status patches and events
	for _, c := range clusters {
		out.failures = append(out.failures, c.check(ctx, sc.graceful, victims)...)
	}
	out.calls = diffCalls(calls0, mgr.calls.snapshot())
	hist1, err := reconcileTimes()
	if err != nil {
		return out, err
	}
	out.reconciles = hist1.minus(hist0)
	return out, nil
}

// sendOperations has each runtime's emulated client send an operation
// every opEvery until stopped.
func sendOperations(clusters []*cluster) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(opEvery)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				case <-tick.C:
					// Errors are recorded by the emulator as violations
					// (a removed worker) or mean no worker is known.
					_, _ = c.emu.ClientOp(fmt.Sprintf("/bench/%d", i))
				}
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}

// parallel runs f(0..n-1) on at most 16 goroutines and waits.
func parallel(n int, f func(i int)) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}

func all[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return true
}

func waitFor(ctx context.Context, timeout, every time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
	return nil
}
