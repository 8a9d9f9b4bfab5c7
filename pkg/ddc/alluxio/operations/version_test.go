package operations

import (
	"context"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
)

func TestSupportsDecommission(t *testing.T) {
	tests := []struct {
		version string
		want    bool
	}{
		{"2.10.0", true},
		{"2.10.0-SNAPSHOT", true},
		{"2.11.2", true},
		{"v2.10.1", true},
		{"2.9.3", false},
		{"2.9.4", true}, // first 2.9.x whose jars have decommissionWorker
		{"2.9.5-SNAPSHOT", true},
		{"2.9.6", true}, // checked on a real 2.9.6 (test/conformance)
		{"2.9", false},
		{"2.8.1", false}, // enterprise 2.8 cannot be told apart: the CLI decides
		{"2.1.0", false},
		{"3.0.0", false}, // etcd membership, another procedure
		{"", false},
		{"release-2.10", false},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			NewWithT(t).Expect(SupportsDecommission(tt.version)).To(Equal(tt.want))
		})
	}
}

func TestVersionComesFromTheMaster(t *testing.T) {
	g := NewWithT(t)
	master := masterInfoServer(t, http.StatusOK, `{"version":"2.10.0","workers":[]}`)
	c := newTestClient(t, master.URL, &fakeExecutor{})

	version, err := c.Version(context.Background())

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(version).To(Equal("2.10.0"))
}
