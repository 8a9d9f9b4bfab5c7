package alluxio

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// tieredStoreProperties turns tieredstore.levels into Alluxio's worker
// tier properties.
func tieredStoreProperties(ts datav1alpha1.TieredStore) map[string]string {
	if len(ts.Levels) == 0 {
		return nil
	}
	props := map[string]string{"alluxio.worker.tieredstore.levels": fmt.Sprint(len(ts.Levels))}
	for i, l := range ts.Levels {
		p := fmt.Sprintf("alluxio.worker.tieredstore.level%d.", i)
		props[p+"alias"] = l.MediumType
		if l.Path != "" {
			props[p+"dirs.path"] = l.Path
			props[p+"dirs.mediumtype"] = strings.Repeat(l.MediumType+",", strings.Count(l.Path, ",")) + l.MediumType
		}
		switch {
		case l.QuotaList != "":
			props[p+"dirs.quota"] = l.QuotaList
		case l.Quota != nil:
			props[p+"dirs.quota"] = fmt.Sprint(l.Quota.Value())
		}
		if l.High != "" {
			props[p+"watermark.high.ratio"] = l.High
		}
		if l.Low != "" {
			props[p+"watermark.low.ratio"] = l.Low
		}
	}
	return props
}

// tieredStoreVolumes mounts each tier's paths in the worker: hostPath by
// default (the cache outlives the container, as in Fluid), emptyDir when
// asked, in memory for MEM.
func tieredStoreVolumes(rt *datav1alpha1.AlluxioRuntime, c component) ([]corev1.Volume, []corev1.VolumeMount) {
	if c.name != datav1alpha1.WorkerComponent {
		return nil, nil
	}
	var volumes []corev1.Volume
	var mounts []corev1.VolumeMount
	for i, l := range rt.Spec.TieredStore.Levels {
		for j, path := range strings.Split(l.Path, ",") {
			if path == "" {
				continue
			}
			name := fmt.Sprintf("tier-%d-%d", i, j)
			src := corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}
			if l.VolumeType == "emptyDir" {
				src = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
				if l.MediumType == "MEM" {
					src.EmptyDir.Medium = corev1.StorageMediumMemory
				}
			}
			volumes = append(volumes, corev1.Volume{Name: name, VolumeSource: src})
			mounts = append(mounts, corev1.VolumeMount{Name: name, MountPath: path})
		}
	}
	return volumes, mounts
}

func metaWith(labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels, Annotations: annotations}
}
