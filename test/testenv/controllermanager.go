package testenv

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
)

// ControllerManagerControllers are the kube-controller-manager controllers
// run with Options.ControllerManager: the StatefulSet controller creates
// and deletes pods, the garbage collector removes what an owner leaves.
// Nothing else runs (no namespace, node-lifecycle or service-account
// controller): deleted namespaces stay Terminating, nodes are never
// marked NotReady.
const ControllerManagerControllers = "statefulset-controller,garbage-collector-controller"

// startControllerManager runs the real kube-controller-manager with the
// admin kubeconfig. It serves nothing (--secure-port=0) and elects no
// leader, so it opens no port and starts working at once.
func startControllerManager(log logr.Logger, binDir, kubeconfig string, extraArgs []string, out io.Writer) (*process, error) {
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--controllers=" + ControllerManagerControllers,
		"--use-service-account-credentials=false",
		"--leader-elect=false",
		"--secure-port=0",
	}
	args = append(args, extraArgs...)
	p, err := startProcess(log, "kube-controller-manager", filepath.Join(binDir, "kube-controller-manager"), args, out)
	if err != nil {
		return nil, err
	}
	// Catch a flag or kubeconfig mistake here rather than as pods that
	// never appear.
	select {
	case <-p.done:
		return nil, fmt.Errorf("kube-controller-manager exited at start: %v", p.err)
	case <-time.After(time.Second):
	}
	return p, nil
}
