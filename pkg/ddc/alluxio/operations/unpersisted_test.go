package operations

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	. "github.com/onsi/gomega"
)

func TestUnpersistedData(t *testing.T) {
	// 450 files across three pages; every third one not persisted, 1 KiB each.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != workerBlockInfoPath {
			http.NotFound(w, r)
			return
		}
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		fmt.Fprint(w, `{"fatalError":"","ntotalFile":450,"fileInfos":[`)
		for i := offset; i < offset+limit && i < 450; i++ {
			state := "PERSISTED"
			if i%3 == 0 {
				state = "TO_BE_PERSISTED"
			}
			if i > offset {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"absolutePath":"/f%d","size":"1024B","persistenceState":%q}`, i, state)
		}
		fmt.Fprint(w, `]}`)
	}))
	defer srv.Close()
	g := NewWithT(t)
	c := newTestClient(t, "", LocalExecutor{})
	got, err := c.UnpersistedData(context.Background(), addressOf(t, srv.Listener.Addr()))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Files).To(Equal(150))
	g.Expect(got.Bytes).To(Equal(int64(150 * 1024)))
	g.Expect(got.Examples).To(Equal([]string{"/f0", "/f3", "/f6"}))
	g.Expect(got.Truncated).To(BeFalse())
}

func TestUnpersistedDataOnAWorkerWithoutTheEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := newTestClient(t, "", LocalExecutor{}).UnpersistedData(context.Background(), addressOf(t, srv.Listener.Addr()))
	NewWithT(t).Expect(err).To(MatchError(ErrUnsupported))
}

func TestParseAlluxioSize(t *testing.T) {
	g := NewWithT(t)
	g.Expect(parseAlluxioSize("512B")).To(Equal(int64(512)))
	g.Expect(parseAlluxioSize("10.00MB")).To(Equal(int64(10 << 20)))
	g.Expect(parseAlluxioSize("1.50KB")).To(Equal(int64(1536)))
	g.Expect(parseAlluxioSize("lots")).To(Equal(int64(0)))
}
