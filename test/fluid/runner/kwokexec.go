package runner

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// ExecResource is kwok's namespaced Exec: how kwok runs `kubectl exec`
// for the pod of the same name.
var ExecResource = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "execs"}

// ensureExec creates the pod's kwok Exec: commands run on this machine
// with PodDirEnv set to the pod's folder. It is owned by the pod, so it
// goes with it.
func ensureExec(ctx context.Context, dc dynamic.Interface, pod *corev1.Pod, dir string) error {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Exec",
		"metadata": map[string]any{
			"name":      pod.Name,
			"namespace": pod.Namespace,
			"labels":    map[string]any{"app.kubernetes.io/managed-by": "alluxio-runner"},
		},
		"spec": map[string]any{
			"execs": []any{map[string]any{
				"local": map[string]any{
					"envs": []any{map[string]any{"name": PodDirEnv, "value": dir}},
				},
			}},
		},
	}}
	u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}})
	res := dc.Resource(ExecResource).Namespace(pod.Namespace)
	old, err := res.Get(ctx, pod.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = res.Create(ctx, u, metav1.CreateOptions{})
		return err
	case err != nil:
		return err
	}
	// An Exec left by an earlier pod of the same name: replace it.
	u.SetResourceVersion(old.GetResourceVersion())
	_, err = res.Update(ctx, u, metav1.UpdateOptions{})
	return err
}
