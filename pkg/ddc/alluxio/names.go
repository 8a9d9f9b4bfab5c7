// Package alluxio is the AlluxioRuntime engine: it runs an Alluxio master
// and its workers as StatefulSets, mirrors their readiness into the
// runtime's status, and scales workers in gracefully (see scalein.go).
package alluxio

import (
	"fmt"

	"k8s.io/apimachinery/pkg/labels"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// Names of the objects a runtime owns. They follow Fluid's conventions so
// that Fluid users find what they know.

func masterName(rt *datav1alpha1.AlluxioRuntime) string { return rt.Name + "-master" }
func workerName(rt *datav1alpha1.AlluxioRuntime) string { return rt.Name + "-worker" }

// masterPodName is the pod the Alluxio CLI is run in.
func masterPodName(rt *datav1alpha1.AlluxioRuntime) string { return masterName(rt) + "-0" }

// Container names, as in Fluid: the CLI is exec'd in the master's.
const (
	masterContainer = "alluxio-master"
	workerContainer = "alluxio-worker"
)

// componentLabels select one component's pods of one runtime.
func componentLabels(rt *datav1alpha1.AlluxioRuntime, component string) map[string]string {
	return map[string]string{
		datav1alpha1.RuntimeNameLabel: rt.Name,
		datav1alpha1.ComponentLabel:   component,
		datav1alpha1.ManagedByLabel:   datav1alpha1.ManagedByValue,
	}
}

// workerSelector is the worker pods' selector, published in status for
// the scale subresource.
func workerSelector(rt *datav1alpha1.AlluxioRuntime) string {
	return labels.SelectorFromSet(componentLabels(rt, datav1alpha1.WorkerComponent)).String()
}

// podOrdinal is the ordinal of a StatefulSet pod named <set>-<ordinal>.
func podOrdinal(setName, podName string) (int32, bool) {
	var ordinal int32
	if _, err := fmt.Sscanf(podName, setName+"-%d", &ordinal); err != nil {
		return 0, false
	}
	if fmt.Sprintf("%s-%d", setName, ordinal) != podName {
		return 0, false
	}
	return ordinal, true
}
