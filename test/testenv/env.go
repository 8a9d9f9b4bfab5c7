package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	kruiseapis "github.com/openkruise/kruise-api"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Options say what to run besides etcd and kube-apiserver.
type Options struct {
	// CRDDirs are directories of CRD manifests to install, e.g.
	// <Root>/config/crd/bases. A missing directory is an error unless
	// IgnoreMissingCRDDirs is set.
	CRDDirs              []string
	IgnoreMissingCRDDirs bool
	// KruiseCRDs also installs every CRD of OpenKruise (KruiseModule's
	// config/crd/bases, fetched through the Go module proxy), so
	// apps.kruise.io StatefulSets are served. No Kruise manager runs.
	KruiseCRDs bool
	// ControllerManager runs the real kube-controller-manager with
	// ControllerManagerControllers.
	ControllerManager bool
	// ControllerManagerArgs are extra kube-controller-manager flags, e.g.
	// "--kube-api-qps=100" (its default, 20, throttles hundreds of pods).
	ControllerManagerArgs []string
	// FakeKubelet, if set, binds the selected pods to fake nodes and makes
	// them Running/Ready with loopback IPs (see FakeKubelet).
	FakeKubelet *KubeletOptions
	// Scheme for Env.Client and CRD installation. Default: client-go's
	// types, plus all kruise-api types when KruiseCRDs is set.
	Scheme *runtime.Scheme
	// LogDir, if set, receives etcd.log, kube-apiserver.log and
	// kube-controller-manager.log; otherwise their output is discarded
	// (envtest's KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT=true still
	// sends etcd's and the API server's to the test's output).
	LogDir string
}

// Env is a running control plane. Everything in it runs until Stop; the
// context given to Start bounds only the start-up and supplies the logger.
type Env struct {
	// Root is the repository root; binaries come from Root/bin/k8s.
	Root string
	// Config and Client act as the admin user (group system:masters).
	Config *rest.Config
	Client client.Client
	// Clientset is a typed client-go client with the same credentials.
	Clientset kubernetes.Interface
	Scheme    *runtime.Scheme
	// KubeconfigPath is a kubeconfig file for the admin user, for a
	// controller run as a separate process. It is removed by Stop.
	KubeconfigPath string
	// Kubelet is the fake kubelet, nil unless Options.FakeKubelet was set.
	Kubelet *FakeKubelet

	env      *envtest.Environment
	kcm      *process
	tmpDir   string
	logFiles []*os.File
	stopOnce sync.Once
	stopErr  error
}

// Start brings up etcd, kube-apiserver and what opts ask for. Binaries
// missing from <root>/bin/k8s give an error wrapping ErrBinariesMissing.
// On any other failure, whatever was started is stopped again.
func Start(ctx context.Context, opts Options) (_ *Env, err error) {
	log := ctrllog.FromContext(ctx).WithName("testenv")
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	binDir := filepath.Join(root, BinDir)
	if err := checkBinaries(binDir, requiredBinaries(opts)); err != nil {
		return nil, err
	}
	scheme := opts.Scheme
	if scheme == nil {
		if scheme, err = defaultScheme(opts.KruiseCRDs); err != nil {
			return nil, err
		}
	}
	crdDirs := append([]string(nil), opts.CRDDirs...)
	if opts.KruiseCRDs {
		dir, err := kruiseCRDDir(ctx)
		if err != nil {
			return nil, err
		}
		crdDirs = append(crdDirs, dir)
	}

	e := &Env{Root: root, Scheme: scheme}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Stop())
		}
	}()
	if e.tmpDir, err = os.MkdirTemp("", "testenv-"); err != nil {
		return nil, err
	}
	e.env = &envtest.Environment{
		BinaryAssetsDirectory:    binDir,
		CRDDirectoryPaths:        crdDirs,
		ErrorIfCRDPathMissing:    !opts.IgnoreMissingCRDDirs,
		Scheme:                   scheme,
		ControlPlaneStartTimeout: time.Minute, // the 2 cores are shared
		ControlPlaneStopTimeout:  20 * time.Second,
	}
	// As in a production cluster: an owner reference that blocks the
	// owner's deletion needs update on the owner's finalizers.
	e.env.ControlPlane.GetAPIServer().Configure().Append("enable-admission-plugins", AdmissionPlugins...)
	if opts.LogDir != "" {
		if err := e.attachLogs(opts.LogDir); err != nil {
			return nil, err
		}
	}
	started := time.Now()
	if e.Config, err = e.env.Start(); err != nil {
		return nil, fmt.Errorf("starting etcd and kube-apiserver: %w", err)
	}
	log.Info("control plane up", "host", e.Config.Host, "took", time.Since(started).Round(time.Millisecond).String())
	if e.Client, err = client.New(e.Config, client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	if e.Clientset, err = kubernetes.NewForConfig(e.Config); err != nil {
		return nil, err
	}
	e.KubeconfigPath = filepath.Join(e.tmpDir, "admin.kubeconfig")
	if err := e.WriteKubeconfig(e.KubeconfigPath); err != nil {
		return nil, err
	}
	if opts.ControllerManager {
		if e.kcm, err = startControllerManager(log, binDir, e.KubeconfigPath, opts.ControllerManagerArgs, e.output(opts.LogDir, "kube-controller-manager")); err != nil {
			return nil, err
		}
	}
	if opts.FakeKubelet != nil {
		e.Kubelet = newFakeKubelet(e.Clientset, *opts.FakeKubelet, log.WithName("fake-kubelet"))
		if err := e.Kubelet.start(ctx); err != nil {
			e.Kubelet = nil
			return nil, err
		}
	}
	return e, nil
}

// Stop stops the fake kubelet, kube-controller-manager, kube-apiserver and
// etcd, in that order, and waits for each process to exit. It is safe to
// call more than once (and on a partly started Env).
func (e *Env) Stop() error {
	e.stopOnce.Do(func() {
		var errs []error
		if e.Kubelet != nil {
			e.Kubelet.stop()
		}
		if e.kcm != nil {
			errs = append(errs, e.kcm.stop(10*time.Second))
		}
		if e.env != nil {
			errs = append(errs, e.env.Stop())
		}
		for _, f := range e.logFiles {
			errs = append(errs, f.Close())
		}
		if e.tmpDir != "" {
			errs = append(errs, os.RemoveAll(e.tmpDir))
		}
		e.stopErr = errors.Join(errs...)
	})
	return e.stopErr
}

func defaultScheme(kruise bool) (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if kruise {
		if err := kruiseapis.AddToScheme(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// attachLogs sends etcd's and the API server's output to files in dir.
func (e *Env) attachLogs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	api := e.env.ControlPlane.GetAPIServer()
	api.Out = e.output(dir, "kube-apiserver")
	api.Err = api.Out
	if e.env.ControlPlane.Etcd == nil {
		e.env.ControlPlane.Etcd = &envtest.Etcd{}
	}
	e.env.ControlPlane.Etcd.Out = e.output(dir, "etcd")
	e.env.ControlPlane.Etcd.Err = e.env.ControlPlane.Etcd.Out
	return nil
}

// output returns where a process writes: dir/name.log, or nowhere when
// dir is empty or the file cannot be created.
func (e *Env) output(dir, name string) io.Writer {
	if dir == "" {
		return io.Discard
	}
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return io.Discard
	}
	e.logFiles = append(e.logFiles, f)
	return f
}

// AdmissionPlugins are enabled on the API server besides its defaults, as
// a production cluster (kubeadm, managed offerings) enables them.
// OwnerReferencesPermissionEnforcement refuses an owner reference with
// blockOwnerDeletion unless the requester may update the owner's
// finalizers subresource.
var AdmissionPlugins = []string{"OwnerReferencesPermissionEnforcement"}
