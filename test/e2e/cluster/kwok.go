package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// KwokNodeAnnotation marks the nodes kwok manages.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// startKwok creates the nodes, writes kwok's configuration (the "fast"
// node and pod stages of the kwok module, and a ClusterExec that runs
// exec'd commands on this machine), starts kwok, forwards each worker
// node's kubelet address to kwok's, and waits for the nodes to be Ready.
func (c *Cluster) startKwok(ctx, bgCtx context.Context, binDir, kwokDir string, p *pki, opts Options) error {
	masterIP := c.NodeIPs[c.MasterNode]
	port, err := freePort()
	if err != nil {
		return err
	}
	// kwok serves the kubelet API on the master node's address only; the
	// others are forwarded to it, so exec reaches pods on every node.
	for _, n := range c.WorkerNodes {
		if err := c.forward(bgCtx, net.JoinHostPort(c.NodeIPs[n], fmt.Sprint(port)), net.JoinHostPort(masterIP, fmt.Sprint(port))); err != nil {
			return err
		}
	}

	cfgPath := filepath.Join(c.Dir, "kwok.yaml")
	if err := writeKwokConfig(cfgPath, kwokDir, opts.ExecEnv); err != nil {
		return err
	}
	for _, name := range append([]string{c.MasterNode}, c.WorkerNodes...) {
		if err := c.createNode(ctx, name, name == c.MasterNode); err != nil {
			return err
		}
	}
	args := []string{
		"--kubeconfig=" + c.KubeconfigPath,
		"--config=" + cfgPath,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + KwokNodeAnnotation + "=fake",
		"--node-ip=" + masterIP,
		"--cidr=" + opts.PodCIDR,
		fmt.Sprintf("--node-port=%d", port),
		"--server-address=" + net.JoinHostPort(masterIP, fmt.Sprint(port)),
		"--tls-cert-file=" + p.kubeletCert,
		"--tls-private-key-file=" + p.kubeletKey,
	}
	if opts.PodExecs {
		crd := filepath.Join(kwokDir, "kustomize", "crd", "bases", "kwok.x-k8s.io_execs.yaml")
		if err := c.installCRDFiles(ctx, "kwok's Exec", []string{crd}); err != nil {
			return err
		}
		args = append(args, "--enable-crds=Exec")
	}
	path := strings.Join(append(append([]string(nil), opts.ExecPath...), os.Getenv("PATH")), string(os.PathListSeparator))
	env := envWith(map[string]string{"PATH": path})
	if _, err := c.run("kwok", filepath.Join(binDir, "kwok"), args, env); err != nil {
		return err
	}
	return c.poll(ctx, 2*time.Minute, "nodes Ready", func() (bool, error) {
		nodes, err := c.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue && internalIP(&n) == c.NodeIPs[n.Name] {
					ready++
				}
			}
		}
		return ready == len(c.NodeIPs), nil
	})
}

func internalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

func (c *Cluster) createNode(ctx context.Context, name string, master bool) error {
	role := WorkerNodeLabel
	if master {
		role = MasterNodeLabel
	}
	resources := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
				role:                     "true",
			},
			Annotations: map[string]string{KwokNodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
		},
		// The API server keeps a new node's status: kwok fills in the
		// rest and keeps these addresses.
		Status: corev1.NodeStatus{
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: c.NodeIPs[name]},
				{Type: corev1.NodeHostName, Address: name},
			},
			Capacity:    resources,
			Allocatable: resources,
		},
	}
	_, err := c.Clientset.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	return err
}

// writeKwokConfig concatenates the module's fast node and pod stages and a
// ClusterExec for every pod, running commands on this machine with env.
func writeKwokConfig(path, kwokDir string, env map[string]string) error {
	var docs []string
	for _, dir := range []string{"kustomize/stage/node/fast", "kustomize/stage/pod/fast"} {
		files, err := filepath.Glob(filepath.Join(kwokDir, dir, "*.yaml"))
		if err != nil {
			return err
		}
		sort.Strings(files)
		for _, f := range files {
			if filepath.Base(f) == "kustomization.yaml" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			docs = append(docs, strings.TrimSpace(strings.TrimPrefix(string(b), "---")))
		}
	}
	if len(docs) == 0 {
		return fmt.Errorf("no kwok stages found in %s", kwokDir)
	}
	type envVar struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	local := map[string]any{}
	if len(env) > 0 {
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vars := make([]envVar, 0, len(keys))
		for _, k := range keys {
			vars = append(vars, envVar{Name: k, Value: env[k]})
		}
		local["envs"] = vars
	}
	exec, err := yaml.Marshal(map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "ClusterExec",
		"metadata":   map[string]any{"name": "local"},
		"spec":       map[string]any{"execs": []any{map[string]any{"local": local}}},
	})
	if err != nil {
		return err
	}
	docs = append(docs, strings.TrimSpace(string(exec)))
	return os.WriteFile(path, []byte(strings.Join(docs, "\n---\n")+"\n"), 0o644)
}

// forward accepts TCP connections on from and pipes each to to, until
// ctx ends (Stop).
func (c *Cluster) forward(ctx context.Context, from, to string) error {
	l, err := net.Listen("tcp", from)
	if err != nil {
		return fmt.Errorf("forwarding kubelet address %s: %w", from, err)
	}
	c.listeners = append(c.listeners, l)
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		var conns sync.WaitGroup
		defer conns.Wait()
		for {
			in, err := l.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
					c.logf("kubelet forwarder %s: %v", from, err)
				}
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				pipe(ctx, in, to)
			}()
		}
	}()
	return nil
}

func pipe(ctx context.Context, in net.Conn, to string) {
	defer in.Close()
	var d net.Dialer
	out, err := d.DialContext(ctx, "tcp", to)
	if err != nil {
		return
	}
	defer out.Close()
	stop := context.AfterFunc(ctx, func() { in.Close(); out.Close() })
	defer stop()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(out, in)
	go cp(in, out)
	<-done
	<-done
}
