package operations

import (
	"context"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
)

// The master's /api/v1/master/info as each Alluxio line shapes it
// (hack/alluxio/README.md, "What the real servers showed"): 2.9.0–2.9.3
// list every worker in "workers", lost ones too (also in "lostWorkers"),
// with states "In Service" / "Out of Service"; 2.9.6 lists live workers
// only, ACTIVE, and lost ones LOST in "lostWorkers".
const (
	alluxio290MasterInfo = `{"version":"2.9.0","startTimeMs":1700000000000,
 "workers":[
  {"id":1,"address":{"host":"10.0.0.11","containerHost":"","rpcPort":29999,"webPort":30000,"dataPort":29999},"state":"In Service","lastContactSec":0,"capacityBytes":1073741824,"usedBytes":524288,"blockCount":3},
  {"id":2,"address":{"host":"10.0.0.12","containerHost":"","rpcPort":29999,"webPort":30000,"dataPort":29999},"state":"Out of Service","lastContactSec":611,"capacityBytes":1073741824,"usedBytes":0,"blockCount":0}],
 "lostWorkers":[
  {"id":2,"address":{"host":"10.0.0.12","containerHost":"","rpcPort":29999,"webPort":30000,"dataPort":29999},"state":"Out of Service","lastContactSec":611,"capacityBytes":1073741824,"usedBytes":0}]}`
	alluxio296MasterInfo = `{"version":"2.9.6","startTimeMs":1700000000000,
 "workers":[
  {"id":7,"address":{"host":"127.0.1.4","containerHost":"","rpcPort":20016,"webPort":20017},"state":"ACTIVE","lastContactSec":0,"capacityBytes":33554432,"usedBytes":1048576,"blockCount":4,"numVCpu":2}],
 "lostWorkers":[
  {"id":8,"address":{"host":"127.0.1.5","containerHost":"","rpcPort":20016,"webPort":20017},"state":"LOST","lastContactSec":12,"capacityBytes":33554432,"usedBytes":0,"blockCount":0,"numVCpu":2}]}`
)

// A lost worker is never taken for a live one, whichever way the
// version lists it.
func TestObserveTellsLiveFromLostOnEveryVersion(t *testing.T) {
	for version, body := range map[string]string{"2.9.0": alluxio290MasterInfo, "2.9.6": alluxio296MasterInfo} {
		t.Run(version, func(t *testing.T) {
			g := NewWithT(t)
			c := newTestClient(t, masterInfoServer(t, http.StatusOK, body).URL, &fakeExecutor{})
			info, err := c.Observe(context.Background())
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(info.Version).To(Equal(version))
			g.Expect(info.Live).To(HaveLen(1), "one live worker")
			g.Expect(info.Lost).To(HaveLen(1), "one lost worker")
			g.Expect(info.Live[0].ID).NotTo(Equal(info.Lost[0].ID))
			_, live := FindWorker(info.Live, info.Lost[0].Address)
			g.Expect(live).To(BeFalse(), "the lost worker %s is not live", info.Lost[0].Address.Host)
		})
	}
}

// A persistence state other than PERSISTED (TO_BE_PERSISTED, NOT_PERSISTED,
// LOST, or one a later version adds) counts as data not yet in the under
// store: only PERSISTED lets a worker leave without persisting.
func TestOnlyPersistedCountsAsSafe(t *testing.T) {
	g := NewWithT(t)
	body := `{"fatalError":"","ntotalFile":5,"fileInfos":[
 {"absolutePath":"/a","size":"1.00MB","persistenceState":"PERSISTED"},
 {"absolutePath":"/b","size":"512B","persistenceState":"TO_BE_PERSISTED"},
 {"absolutePath":"/c","size":"2.00KB","persistenceState":"NOT_PERSISTED"},
 {"absolutePath":"/d","size":"1.50KB","persistenceState":"LOST"},
 {"absolutePath":"/e","size":"1.00KB","persistenceState":"persisted"}]}`
	c := fuzzClient(t, body)
	got, err := c.UnpersistedData(context.Background(), WorkerAddress{Host: "127.0.0.1", WebPort: 30000})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Files).To(Equal(4))
	g.Expect(got.Bytes).To(Equal(int64(512 + 2048 + 1536 + 1024)))
}

// Sizes as Alluxio's FormatUtils.getSizeFromBytes prints them, in each
// unit.
func TestParseAlluxioSizeInEveryUnit(t *testing.T) {
	g := NewWithT(t)
	for in, want := range map[string]int64{
		"0B": 0, "5120B": 5120, "5.01KB": 5130, "1024.00MB": 1 << 30, "2.00GB": 2 << 30,
		"1.00TB": 1 << 40, "3.00PB": 3 << 50, "5.00 GB": 5 << 30,
	} {
		g.Expect(parseAlluxioSize(in)).To(Equal(want), in)
	}
}
