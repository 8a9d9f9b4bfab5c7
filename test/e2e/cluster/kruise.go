package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
)

// KruiseNamespace is where the OpenKruise manager believes it runs.
const KruiseNamespace = "kruise-system"

var (
	crdGVR        = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	mutatingGVR   = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "mutatingwebhookconfigurations"}
	validatingGVR = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}
	kruiseStsGVR  = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1beta1", Resource: "statefulsets"}
)

// startKruise installs Kruise's CRDs and webhook configurations (before
// the manager: it exits if they are missing), then runs the manager with
// its webhook server on 127.0.0.1 and waits until the webhooks answer.
func (c *Cluster) startKruise(ctx context.Context, binDir, kruiseDir string) error {
	if _, err := c.Clientset.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: KruiseNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := c.installCRDs(ctx, filepath.Join(kruiseDir, "config", "crd", "bases")); err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	whs, err := readObjects(filepath.Join(kruiseDir, "config", "webhook", "manifests.yaml"))
	if err != nil {
		return err
	}
	for _, wh := range whs {
		gvr := validatingGVR
		switch wh.GetKind() {
		case "MutatingWebhookConfiguration":
			gvr = mutatingGVR
			wh.SetName("kruise-mutating-webhook-configuration")
		case "ValidatingWebhookConfiguration":
			wh.SetName("kruise-validating-webhook-configuration")
		default:
			continue
		}
		hooks, _, _ := unstructured.NestedSlice(wh.Object, "webhooks")
		for _, h := range hooks {
			if m, ok := h.(map[string]any); ok {
				_ = unstructured.SetNestedField(m, KruiseNamespace, "clientConfig", "service", "namespace")
				_ = unstructured.SetNestedField(m, "kruise-webhook-service", "clientConfig", "service", "name")
			}
		}
		_ = unstructured.SetNestedSlice(wh.Object, hooks, "webhooks")
		if _, err := dyn.Resource(gvr).Create(ctx, wh, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s: %w", wh.GetName(), err)
		}
	}

	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	certDir := filepath.Join(c.Dir, "kruise-webhook-certs")
	env := envWith(map[string]string{
		"WEBHOOK_HOST":     "127.0.0.1",
		"WEBHOOK_PORT":     fmt.Sprint(ports[0]),
		"WEBHOOK_CERT_DIR": certDir,
		"POD_NAMESPACE":    KruiseNamespace,
		"KUBECONFIG":       c.KubeconfigPath,
	})
	args := []string{
		"--kubeconfig=" + c.KubeconfigPath,
		"--enable-leader-election=false",
		"--metrics-addr=" + hostPort(ports[1]),
		"--health-probe-addr=" + hostPort(ports[2]),
		"--enable-pprof=false",
	}
	if _, err := c.run("kruise-manager", filepath.Join(binDir, "kruise-manager"), args, env); err != nil {
		return err
	}

	// Webhooks serve once a dry-run create passes them: Kruise's
	// StatefulSet (its mutating and validating webhooks) and a pod (its
	// pod webhooks, which every pod creation goes through from now on).
	sts := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps.kruise.io/v1beta1",
		"kind":       "StatefulSet",
		"metadata":   map[string]any{"name": "webhook-probe", "namespace": "default"},
		"spec": map[string]any{
			"replicas":    int64(1),
			"serviceName": "webhook-probe",
			"selector":    map[string]any{"matchLabels": map[string]any{"app": "webhook-probe"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "webhook-probe"}},
				"spec": map[string]any{"containers": []any{
					map[string]any{"name": "c", "image": "busybox"},
				}},
			},
		},
	}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "webhook-probe", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	var last error
	err = c.poll(ctx, 3*time.Minute, "OpenKruise webhooks", func() (bool, error) {
		if _, last = dyn.Resource(kruiseStsGVR).Namespace("default").Create(ctx, sts, dry); last != nil {
			return false, nil
		}
		if _, last = c.Clientset.CoreV1().Pods("default").Create(ctx, pod, dry); last != nil {
			return false, nil
		}
		return true, nil
	})
	if err != nil && last != nil {
		err = fmt.Errorf("%w (last: %v)", err, last)
	}
	return err
}

// installCRDs creates every CRD in dir's *.yaml files (kept if it
// exists) and waits until each is Established.
func (c *Cluster) installCRDs(ctx context.Context, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no CRD manifests in %s", dir)
	}
	sort.Strings(files)
	return c.installCRDFiles(ctx, dir, files)
}

// installCRDFiles creates the CRDs in files and waits until they are
// Established.
func (c *Cluster) installCRDFiles(ctx context.Context, what string, files []string) error {
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	var names []string
	for _, f := range files {
		objs, err := readObjects(f)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				continue
			}
			if _, err := dyn.Resource(crdGVR).Create(ctx, o, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("creating CRD %s: %w", o.GetName(), err)
			}
			names = append(names, o.GetName())
		}
	}
	return c.poll(ctx, time.Minute, "CRDs of "+what+" Established", func() (bool, error) {
		for _, name := range names {
			crd, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			established := false
			for _, cond := range conds {
				m, _ := cond.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					established = true
				}
			}
			if !established {
				return false, nil
			}
		}
		return true, nil
	})
}

// readObjects decodes every YAML document of a file.
func readObjects(path string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decoding %s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}
