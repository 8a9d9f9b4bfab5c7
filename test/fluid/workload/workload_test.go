package workload_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fluid-drain/fluid-drain/test/conformance/realalluxio"
	"github.com/fluid-drain/fluid-drain/test/fluid/workload"
)

func TestMain(m *testing.M) {
	skip, err := workload.RequireTools("the workload client's suite")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if skip {
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Files written MUST_CACHE by a client on a worker's node exist only in
// that worker's cache: when the worker dies they cannot be read any more,
// while CACHE_THROUGH files are still read from the under store.
func TestCacheOnlyFilesOfADeadWorkerAreLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	jars, err := realalluxio.EnsureJars(ctx, realalluxio.DefaultVersion)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := realalluxio.Start(ctx, realalluxio.Config{
		WorkDir: t.TempDir(), Workers: 2, FirstWorkerIP: "127.0.0.71", Logf: t.Logf,
		Properties: map[string]string{"alluxio.user.file.replication.durable": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	info, err := cl.GetMasterInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// rpcAddress reads like "127.0.0.1/<unresolved>:34315" (Java's
	// InetSocketAddress).
	addr := fmt.Sprint(info["rpcAddress"])
	i, j := strings.IndexAny(addr, "/:"), strings.LastIndex(addr, ":")
	if i <= 0 || j <= 0 {
		t.Fatalf("master info: rpcAddress %q", addr)
	}
	host, rpc := addr[:i], addr[j+1:]
	c, err := workload.New(ctx, jars, t.TempDir(), map[string]string{
		"alluxio.master.hostname": host, "alluxio.master.rpc.port": rpc,
	})
	if err != nil {
		t.Fatal(err)
	}
	leaving := cl.Workers()[1]
	onLeaving := map[string]string{"alluxio.user.hostname": leaving.Host}
	durable, err := c.Write(ctx, "CACHE_THROUGH", 64<<10, []string{"/w/durable-0", "/w/durable-1"}, onLeaving)
	if err != nil {
		t.Fatal(err)
	}
	cached, err := c.Write(ctx, "MUST_CACHE", 64<<10, []string{"/w/cached-0", "/w/cached-1"}, onLeaving)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{}
	for k, v := range durable {
		all[k] = v
	}
	for k, v := range cached {
		all[k] = v
	}
	before, err := c.ReadOnce(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if before.OK != 4 {
		t.Fatalf("before the worker dies: %d of 4 reads ok (%v)", before.OK, before.LastError)
	}

	if err := cl.KillWorker(1); err != nil {
		t.Fatal(err)
	}
	after, err := c.ReadOnce(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after the worker died: %d ok, %d failed, %d mismatched: %v", after.OK, after.Failed, after.Mismatched, after.LastError)
	for p := range cached {
		if after.Bad[p] == 0 {
			t.Errorf("%s (MUST_CACHE on the dead worker) was still read", p)
		}
	}
	for p := range durable {
		if after.Bad[p] != 0 {
			t.Errorf("%s (CACHE_THROUGH) could not be read: %s", p, after.LastError[p])
		}
	}
}
