package operations

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
)

func TestHostileOrInvalidAddressesNeverReachTheExecutor(t *testing.T) {
	tests := []struct {
		name string
		addr WorkerAddress
	}{
		{"empty host", WorkerAddress{Host: "", WebPort: 30000}},
		{"space", WorkerAddress{Host: "10.0.0.1 --disable", WebPort: 30000}},
		{"semicolon", WorkerAddress{Host: "10.0.0.1;rm -rf /", WebPort: 30000}},
		{"command substitution", WorkerAddress{Host: "$(curl evil)", WebPort: 30000}},
		{"backticks", WorkerAddress{Host: "`id`", WebPort: 30000}},
		{"single quote", WorkerAddress{Host: "a'b", WebPort: 30000}},
		{"double quote", WorkerAddress{Host: `a"b`, WebPort: 30000}},
		{"comma smuggles a second worker", WorkerAddress{Host: "10.0.0.1:30000,10.0.0.2", WebPort: 30000}},
		{"url userinfo", WorkerAddress{Host: "user@10.0.0.1", WebPort: 30000}},
		{"path", WorkerAddress{Host: "10.0.0.1/api", WebPort: 30000}},
		{"newline", WorkerAddress{Host: "10.0.0.1\n", WebPort: 30000}},
		{"uppercase is not DNS-1123", WorkerAddress{Host: "Worker-0", WebPort: 30000}},
		{"web port zero", WorkerAddress{Host: "10.0.0.1", WebPort: 0}},
		{"web port negative", WorkerAddress{Host: "10.0.0.1", WebPort: -1}},
		{"web port too high", WorkerAddress{Host: "10.0.0.1", WebPort: 65536}},
		{"rpc port too high", WorkerAddress{Host: "10.0.0.1", RPCPort: 70000, WebPort: 30000}},
		{"ipv6 cannot go into --addresses", WorkerAddress{Host: "fd00::1", WebPort: 30000}},
		{"link-local, where cloud metadata lives", WorkerAddress{Host: "169.254.169.254", WebPort: 80}},
		{"unspecified", WorkerAddress{Host: "0.0.0.0", WebPort: 30000}},
		{"multicast", WorkerAddress{Host: "224.0.0.1", WebPort: 30000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			exec := &fakeExecutor{}
			c := newTestClient(t, "", exec)
			// A valid worker first: one bad address must stop the whole batch.
			batch := []WorkerAddress{{Host: "10.0.0.9", WebPort: 30000}, tt.addr}

			errDecommission := c.Decommission(context.Background(), batch)
			errEnable := c.Enable(context.Background(), batch)

			g.Expect(errDecommission).To(MatchError(ErrInvalidAddress))
			g.Expect(errEnable).To(MatchError(ErrInvalidAddress))
			g.Expect(exec.Calls()).To(BeEmpty())
		})
	}
}

func TestValidAddressesAreAccepted(t *testing.T) {
	tests := []WorkerAddress{
		{Host: "10.0.0.1", WebPort: 30000},
		{Host: "127.0.1.5", RPCPort: 29999, WebPort: 1},
		{Host: "hbase-worker-0.hbase-worker.fluid.svc.cluster.local", WebPort: 65535},
		{Host: "node-1", WebPort: 30000},
	}
	for _, addr := range tests {
		t.Run(addr.Host, func(t *testing.T) {
			g := NewWithT(t)
			exec := &fakeExecutor{}
			c := newTestClient(t, "", exec)

			g.Expect(c.Decommission(context.Background(), []WorkerAddress{addr})).To(Succeed())
			g.Expect(exec.Calls()).To(HaveLen(1))
		})
	}
}

func TestDecommissionWithoutWorkersIsRefused(t *testing.T) {
	g := NewWithT(t)
	exec := &fakeExecutor{}
	c := newTestClient(t, "", exec)

	g.Expect(c.Decommission(context.Background(), nil)).To(MatchError(ErrInvalidAddress))
	g.Expect(exec.Calls()).To(BeEmpty())
}
