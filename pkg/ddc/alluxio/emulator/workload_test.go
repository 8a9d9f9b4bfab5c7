package emulator

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestClientsStopRoutingToADecommissionedWorkerOnceTheirListRefreshed(t *testing.T) {
	g := NewWithT(t)
	cfg := fastConfig("")
	cfg.RefreshInterval = 100 * time.Millisecond
	c := newCluster(t, cfg)
	victim := addWorker(t, c, "127.0.5.1")
	addWorker(t, c, "127.0.5.2")
	stop := make(chan struct{})
	workload := make(chan struct{})
	go func() {
		defer close(workload)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = c.ClientOp("/data")
				time.Sleep(time.Millisecond)
			}
		}
	}()

	r := decommission(c, "-a", victim.Address())
	close(stop)
	<-workload

	g.Expect(r.code).To(Equal(ExitOK), r.String())
	snap, _ := c.Worker(victim.Host, victim.WebPort)
	for _, e := range c.Record() {
		if e.Kind == EventOperationRouted && e.Host == victim.Host {
			g.Expect(e.Time.Before(snap.DecommissionedAt.Add(cfg.RefreshInterval))).To(BeTrue(),
				"operation routed to the decommissioned worker after every client refreshed: %s", e)
		}
	}
	g.Expect(c.Violations()).To(BeEmpty())
}

func TestOperationSentToARemovedWorkerIsAViolation(t *testing.T) {
	g := NewWithT(t)
	cfg := fastConfig("")
	cfg.RefreshInterval = time.Hour // the client never learns the worker is gone
	c := newCluster(t, cfg)
	w := addWorker(t, c, "127.0.0.1")
	client := c.NewClient()
	_, err := client.Op("/warm-up")
	g.Expect(err).NotTo(HaveOccurred())

	c.RemoveWorker(w.Host, w.WebPort)
	_, err = client.Op("/after")

	g.Expect(err).To(HaveOccurred())
	g.Expect(c.Violations()).To(ConsistOf(And(
		HaveField("Kind", EventOperationToRemovedWorker),
		HaveField("Host", w.Host),
		HaveField("Path", "/after"),
	)))
}

func TestRemovingAWorkerLosesOnlyItsUnpersistedFiles(t *testing.T) {
	for _, tc := range []struct {
		name       string
		persisted  bool
		persistAll bool
		wantLost   []string
	}{
		{name: "persisted file survives", persisted: true},
		{name: "cache-only file is lost", wantLost: []string{"/only-in-cache"}},
		{name: "persisting first saves it", persistAll: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := newCluster(t, fastConfig(""))
			w := addWorker(t, c, "127.0.0.1")
			c.WriteFile("/only-in-cache", w.Host, w.WebPort, 1024, tc.persisted)
			if tc.persistAll {
				c.PersistAll()
			}

			c.RemoveWorker(w.Host, w.WebPort)

			g.Expect(c.LostFiles()).To(Equal(tc.wantLost))
			g.Expect(c.Violations()).To(HaveLen(len(tc.wantLost)))
		})
	}
}
