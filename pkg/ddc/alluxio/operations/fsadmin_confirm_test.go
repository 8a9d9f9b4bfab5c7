package operations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// blockingExecutor blocks like the real CLI after it sent the
// decommission, and records why it was stopped.
type blockingExecutor struct{ stopped chan error }

func (b blockingExecutor) Exec(ctx context.Context, _, _, _ string, _ []string) ([]byte, []byte, error) {
	<-ctx.Done()
	b.stopped <- ctx.Err()
	return nil, nil, ctx.Err()
}

// As soon as the master no longer lists the workers as live, Decommission
// returns and abandons the blocking command: it never holds a reconcile
// for the CLI's refresh-interval wait.
func TestDecommissionReturnsOnceTheMasterConfirms(t *testing.T) {
	g := NewWithT(t)
	// Live on the first look, gone from the live list afterwards.
	var asked atomic.Int32
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if asked.Add(1) == 1 {
			fmt.Fprint(w, `{"version":"2.9.6","workers":[{"id":1,"address":{"host":"127.0.1.9","rpcPort":29999,"webPort":30000}}],"lostWorkers":[]}`)
			return
		}
		fmt.Fprint(w, `{"version":"2.9.6","workers":[],"lostWorkers":[]}`)
	}))
	defer master.Close()
	exec := blockingExecutor{stopped: make(chan error, 1)}
	c, err := NewClient(Config{MasterWebURL: master.URL, Executor: exec, DecommissionAcceptWindow: time.Hour})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.Decommission(context.Background(), []WorkerAddress{{Host: "127.0.1.9", RPCPort: 29999, WebPort: 30000}})).To(Succeed())
	g.Expect(errors.Is(<-exec.stopped, context.Canceled)).To(BeTrue(), "abandoned on confirmation, not at the end of the window")
}
