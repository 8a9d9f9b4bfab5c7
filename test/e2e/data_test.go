package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
	"github.com/fluid-drain/fluid-drain/test/e2e/stack"
)

// 7. Data integrity: a client workload reads and writes files through
// the whole 5-to-2 scale-in. No read or write reaches a worker after it
// was removed; every file stays readable; no file whose only copy was
// on a victim is lost.
//
// Every file here is persisted to the under store (written CACHE_THROUGH,
// or written ASYNC_THROUGH and persisted before the scale-in), so this
// scenario proves routing and removal order, not the hold on unpersisted
// data: victims caching unpersisted blocks (UnpersistedData, from the
// workers' webui_blockinfo) are covered by test/envtest/scalein.
func TestNoDataLossUnderLoad(t *testing.T) {
	f := newFixture(t, "")
	f.createRuntime(5)
	f.waitReady(5)

	// Before: three files cached on each worker, written ASYNC_THROUGH
	// (not yet persisted), then the async persists finish.
	var files []string
	onVictims := 0
	for _, p := range f.workerPods() {
		for i := range 3 {
			path := fmt.Sprintf("/data/before/%s-%d", p.Name, i)
			f.g.Expect(f.emu.WriteFile(f.ctx, emulator.FileRequest{Path: path, Host: p.Status.PodIP, WebPort: webPort, Size: 8 << 20})).To(Succeed())
			files = append(files, path)
			if p.Name >= "cache-worker-2" {
				onVictims++
			}
		}
	}
	f.g.Expect(f.emu.PersistAll(f.ctx)).To(Succeed())

	// Throughout: reads of the files, and new CACHE_THROUGH writes placed
	// on the worker the client picked.
	w := startWorkload(f.emu, files)
	// The victims stay busy for a while, so the workload runs across
	// Decommissioning and Draining.
	var victims []string
	for _, p := range f.workerPods()[2:] {
		f.setBusy(&p, true)
		victims = append(victims, p.Status.PodIP)
	}
	f.scaleTo(2)
	f.g.Eventually(f.scaledInReason, long, 100*time.Millisecond).Should(Equal("Draining"))
	time.Sleep(3 * time.Second)
	for _, ip := range victims {
		f.g.Expect(f.emu.SetBusy(f.ctx, ip, webPort, false)).To(Succeed())
	}
	f.waitScaled(2)
	time.Sleep(refresh) // the workload also runs past the clients' next refresh
	written, reads, errs := w.stop()
	t.Logf("workload: %d reads, %d writes, %d errors; %d files before, %d of them on victims", reads, len(written), len(errs), len(files), onVictims)
	f.g.Expect(errs).To(BeEmpty(), "the workload never failed")
	f.g.Expect(reads).To(BeNumerically(">", 50))
	f.g.Expect(len(written)).To(BeNumerically(">", 10))

	// The emulator's record: no operation to a removed worker, nothing lost.
	f.expectNoViolations()
	rec := f.record()
	removedAt := map[string]time.Time{}
	afterDecommission := 0
	for _, e := range rec {
		addr := net.JoinHostPort(e.Host, strconv.Itoa(int(e.WebPort)))
		switch e.Kind {
		case emulator.EventWorkerRemoved:
			removedAt[addr] = e.Time
		case emulator.EventDataLost:
			t.Errorf("data lost: %s", e)
		case emulator.EventOperationRouted, emulator.EventFileWritten:
			if at, ok := removedAt[addr]; ok && !e.Time.Before(at) {
				t.Errorf("%s went to %s after it was removed at %s", e, addr, at.Format(time.RFC3339Nano))
			}
			if e.Detail == "after decommission" {
				afterDecommission++
			}
		}
	}
	f.g.Expect(removedAt).To(HaveLen(3), "the three victims' workers were removed")
	t.Logf("%d operations reached a victim after its decommission, before clients refreshed (allowed: it was still running)", afterDecommission)

	// After: every file, old and new, reads through the client (from a
	// remaining worker or the under store).
	all := append(append([]string(nil), files...), written...)
	for _, path := range all {
		wk, err := f.emu.ClientOp(f.ctx, path)
		f.g.Expect(err).NotTo(HaveOccurred(), path)
		f.g.Expect(wk.Host).NotTo(BeElementOf(victims), "%s read from a removed victim", path)
	}
	f.expectNoViolations()
}

type workload struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	written []string
	reads   int
	errs    []error
}

// startWorkload reads files round robin every 20ms and writes a new
// persisted file every 5th step to the worker the client routed to.
func startWorkload(emu *stack.Emulator, files []string) *workload {
	ctx, cancel := context.WithCancel(context.Background())
	w := &workload{cancel: cancel}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			var err error
			if i%5 == 4 {
				path := fmt.Sprintf("/data/during/%d", i)
				var wk emulator.Worker
				if wk, err = emu.ClientOp(ctx, path); err == nil {
					err = emu.WriteFile(ctx, emulator.FileRequest{Path: path, Host: wk.Host, WebPort: wk.WebPort, Size: 1 << 20, Persisted: true})
				}
				if err == nil {
					w.mu.Lock()
					w.written = append(w.written, path)
					w.mu.Unlock()
				}
			} else {
				_, err = emu.ClientOp(ctx, files[i%len(files)])
				if err == nil {
					w.mu.Lock()
					w.reads++
					w.mu.Unlock()
				}
			}
			if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				w.mu.Lock()
				w.errs = append(w.errs, err)
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *workload) stop() (written []string, reads int, errs []error) {
	w.cancel()
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written, w.reads, w.errs
}
