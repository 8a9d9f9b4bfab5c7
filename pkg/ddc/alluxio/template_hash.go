package alluxio

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// templateHashAnnotation records, on a workload, the hash of the pod
// template this controller last wrote. The API server fills defaults into
// a stored template, so comparing templates would always see a change and
// patch on every reconcile; comparing hashes of what we want does not.
const templateHashAnnotation = "data.fluid.io/pod-template-hash"

func templateHash(tmpl *corev1.PodTemplateSpec) string {
	raw, _ := json.Marshal(tmpl)
	h := fnv.New64a()
	_, _ = h.Write(raw)
	return fmt.Sprintf("%016x", h.Sum64())
}

// setTemplate writes tmpl into *dst unless the workload already runs the
// same desired template, and records its hash on meta.
func setTemplate(meta *metav1.ObjectMeta, dst *corev1.PodTemplateSpec, tmpl corev1.PodTemplateSpec) {
	hash := templateHash(&tmpl)
	if meta.Annotations[templateHashAnnotation] == hash {
		return
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[templateHashAnnotation] = hash
	*dst = tmpl
}
