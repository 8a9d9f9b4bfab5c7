package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ControllerManagerControllers are the controllers kube-controller-manager
// runs: StatefulSets create and delete pods, the garbage collector removes
// what an owner leaves, the namespace controller empties deleted
// namespaces, and the volume protection controllers release a
// PersistentVolume or claim once nothing uses it (Fluid deletes its
// dataset's PV and PVC when a runtime is deleted, and waits for them). No
// node-lifecycle controller runs: nodes are never marked NotReady or
// tainted, and pods are never evicted.
const ControllerManagerControllers = "statefulset-controller,garbage-collector-controller,namespace-controller," +
	"persistentvolume-protection-controller,persistentvolumeclaim-protection-controller"

// ServiceCIDR is the API server's service range. Services get ClusterIPs
// from it, but nothing (no kube-proxy) routes them: never send traffic to
// a ClusterIP.
const ServiceCIDR = "10.0.0.0/24"

func (c *Cluster) startEtcd(ctx context.Context, binDir string) (string, error) {
	clientPort, err := freePort()
	if err != nil {
		return "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return "", err
	}
	clientURL := "http://" + hostPort(clientPort)
	peerURL := "http://" + hostPort(peerPort)
	args := []string{
		"--name=default",
		"--data-dir=" + filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=default=" + peerURL,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	}
	if _, err := c.run("etcd", filepath.Join(binDir, "etcd"), args, nil); err != nil {
		return "", err
	}
	err = c.poll(ctx, time.Minute, "etcd health", func() (bool, error) {
		body, code, err := get(http.DefaultClient, clientURL+"/health")
		return err == nil && code == http.StatusOK && strings.Contains(body, `"true"`), nil
	})
	return clientURL, err
}

func (c *Cluster) startAPIServer(ctx context.Context, binDir, etcdURL string, p *pki) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	host := "https://" + hostPort(port)
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + filepath.Join(c.Dir, "pki", "apiserver"),
		"--tls-cert-file=" + p.serverCert,
		"--tls-private-key-file=" + p.serverKey,
		"--client-ca-file=" + p.caCert,
		"--service-account-key-file=" + p.saPub,
		"--service-account-signing-key-file=" + p.serviceAccountKey,
		"--service-account-issuer=" + host,
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		// No ServiceAccount admission (nothing mints tokens), and no
		// not-ready taint on new nodes (no node-lifecycle controller
		// would ever lift it).
		"--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
		// As in production clusters: blockOwnerDeletion needs update on
		// the owner's finalizers.
		"--enable-admission-plugins=OwnerReferencesPermissionEnforcement",
		// Exec, logs and port-forward go to kwok's kubelet API on the
		// node's InternalIP, whose certificate our CA signed.
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-certificate-authority=" + p.caCert,
		"--kubelet-client-certificate=" + p.adminCert,
		"--kubelet-client-key=" + p.adminKey,
		"--endpoint-reconciler-type=none",
	}
	if _, err := c.run("kube-apiserver", filepath.Join(binDir, "kube-apiserver"), args, nil); err != nil {
		return err
	}

	c.Config = &rest.Config{
		Host: host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   p.caPEM,
			CertData: p.adminPEM,
			KeyData:  p.adminKPEM,
		},
		QPS:   200,
		Burst: 400,
	}
	if c.Clientset, err = kubernetes.NewForConfig(c.Config); err != nil {
		return err
	}
	c.KubeconfigPath = filepath.Join(c.Dir, "kubeconfig")
	if err := writeKubeconfig(c.KubeconfigPath, host, p); err != nil {
		return err
	}

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.caPEM)
	cert, err := tls.X509KeyPair(p.adminPEM, p.adminKPEM)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}}
	defer hc.CloseIdleConnections()
	return c.poll(ctx, 2*time.Minute, "kube-apiserver /readyz", func() (bool, error) {
		_, code, err := get(hc, host+"/readyz")
		return err == nil && code == http.StatusOK, nil
	})
}

func writeKubeconfig(path, host string, p *pki) error {
	return writeUserKubeconfig(path, host, p.caPEM, "admin", p.adminPEM, p.adminKPEM)
}

func writeUserKubeconfig(path, host string, caPEM []byte, user string, certPEM, keyPEM []byte) error {
	const name = "fluid-drain-local"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = name
	return clientcmd.WriteToFile(*cfg, path)
}

// StatefulSetControllerUser is who the StatefulSet controller's requests
// come from: kube-controller-manager runs each controller under its own
// service account in kube-system (--use-service-account-credentials).
const StatefulSetControllerUser = "system:serviceaccount:kube-system:statefulset-controller"

// startControllers runs kube-controller-manager and kube-scheduler, each
// under its own identity as kubeadm sets them up:
// kube-controller-manager as system:kube-controller-manager, minting a
// token for each controller's service account
// (--use-service-account-credentials), kube-scheduler as
// system:kube-scheduler. Both serve nothing (--secure-port=0), so they
// open no port; kube-scheduler elects no leader, kube-controller-manager
// does (its lease is a clock others read) and takes the free lease at
// once.
func (c *Cluster) startControllers(binDir string, p *pki) error {
	common := func(user string) ([]string, error) {
		cc := p.components[user]
		k := filepath.Join(c.Dir, strings.TrimPrefix(user, "system:")+".kubeconfig")
		if err := writeUserKubeconfig(k, c.Config.Host, p.caPEM, user, cc.cert, cc.key); err != nil {
			return nil, err
		}
		return []string{
			"--kubeconfig=" + k,
			"--authentication-kubeconfig=" + k,
			"--authorization-kubeconfig=" + k,
			"--leader-elect=false",
			"--secure-port=0",
		}, nil
	}
	kcm, err := common(ControllerManagerUser)
	if err != nil {
		return err
	}
	kcm = append(kcm,
		// Elected, as on a real cluster: its lease is the clock
		// fluid-drain's admission guard reads. Nothing holds the lease
		// yet, so it is taken at once.
		"--leader-elect=true",
		"--controllers="+ControllerManagerControllers,
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+p.serviceAccountKey,
		"--root-ca-file="+p.caCert,
	)
	if _, err := c.run("kube-controller-manager", filepath.Join(binDir, "kube-controller-manager"), kcm, nil); err != nil {
		return err
	}
	sched, err := common(SchedulerUser)
	if err != nil {
		return err
	}
	_, err = c.run("kube-scheduler", filepath.Join(binDir, "kube-scheduler"), sched, nil)
	return err
}

func get(hc *http.Client, url string) (string, int, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return string(b), resp.StatusCode, err
}

// poll calls cond every 200ms until it is true, it fails, ctx ends,
// timeout passes or a component exits.
func (c *Cluster) poll(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	return poll(ctx, timeout, what, func() (bool, error) {
		for _, p := range c.procs {
			if done, err := p.exited(); done {
				return false, fmt.Errorf("%s exited (%v); see %s", p.name, err, filepath.Join(c.LogDir, p.name+".log"))
			}
		}
		return cond()
	})
}

func poll(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}
