package emulator

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestCLIFaultFailsTheCommandTheGivenNumberOfTimes(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	c.InjectFault(Fault{Kind: FaultCLIExitCode, Command: "report", ExitCode: 7, Times: 2})

	codes := []int{}
	for range 3 {
		codes = append(codes, runCLI(c, "fsadmin", "report", "capacity").code)
	}

	g.Expect(codes).To(Equal([]int{7, 7, 0}))
	g.Expect(runCLI(c, "version").code).To(Equal(0), "other commands are not affected")
}

func TestMasterDownAnswers503ButKeepsTheControlAPI(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	c.InjectFault(Fault{Kind: FaultMasterDown})

	resp, err := http.Get(c.MasterURL() + "/api/v1/master/info")
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
	g.Expect(runCLI(c, "fsadmin", "report", "capacity").code).To(Equal(ExitShellError))
	control, err := http.Get(c.MasterURL() + "/emulator/v1/workers")
	g.Expect(err).NotTo(HaveOccurred())
	_ = control.Body.Close()
	g.Expect(control.StatusCode).To(Equal(http.StatusOK))

	g.Expect(c.ClearFaults()).To(Succeed())
	masterInfo(t, c)
}

func TestMasterDownWithRefuseClosesThePortUntilCleared(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	c.InjectFault(Fault{Kind: FaultMasterDown, Refuse: true})

	_, err := http.Get(c.MasterURL() + "/api/v1/master/info")
	g.Expect(err).To(HaveOccurred())

	g.Expect(c.ClearFaults()).To(Succeed())
	masterInfo(t, c)
}

func TestSlowAnswersDelayTheMasterAndWorkers(t *testing.T) {
	g := NewWithT(t)
	c := newCluster(t, fastConfig(""))
	w := addWorker(t, c, "127.0.0.1")
	const delay = 150 * time.Millisecond
	c.InjectFault(Fault{Kind: FaultSlowAnswers, Delay: delay})

	start := time.Now()
	masterInfo(t, c)
	_, _, err := getOperations(w)

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(time.Since(start)).To(BeNumerically(">=", 2*delay))
}
