package alluxio

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// mirrorReadiness copies the workloads' readiness into the runtime's
// status, in Fluid's fields, and sets MasterReady and WorkersReady.
func mirrorReadiness(rt *datav1alpha1.AlluxioRuntime, master *appsv1.StatefulSet, ws workerSet) {
	st := &rt.Status
	st.DesiredMasterNumberScheduled = 1
	st.CurrentMasterNumberScheduled = master.Status.Replicas
	st.MasterNumberReady = master.Status.ReadyReplicas
	st.MasterPhase = phase(master.Status.ReadyReplicas, 1)
	setReadyCondition(rt, datav1alpha1.MasterReadyCondition, st.MasterPhase,
		fmt.Sprintf("%d of 1 master ready", master.Status.ReadyReplicas))

	current, ready, available := ws.status()
	st.DesiredWorkerNumberScheduled = rt.Spec.Replicas
	st.CurrentWorkerNumberScheduled = ws.replicas()
	st.WorkerNumberReady = ready
	st.WorkerNumberAvailable = available
	st.WorkerNumberUnavailable = max(current-available, 0)
	st.WorkerPhase = phase(ready, rt.Spec.Replicas)
	st.Selector = workerSelector(rt)
	setReadyCondition(rt, datav1alpha1.WorkersReadyCondition, st.WorkerPhase, workersReadyMessage(ready, ws.replicas(), rt.Spec.Replicas))
}

// phase is Fluid's phase for ready out of wanted.
func phase(ready, wanted int32) datav1alpha1.RuntimePhase {
	switch {
	case ready >= wanted:
		return datav1alpha1.RuntimePhaseReady
	case ready > 0:
		return datav1alpha1.RuntimePhasePartialReady
	}
	return datav1alpha1.RuntimePhaseNotReady
}

func setReadyCondition(rt *datav1alpha1.AlluxioRuntime, condType string, p datav1alpha1.RuntimePhase, message string) {
	status, reason := metav1.ConditionFalse, datav1alpha1.NotReadyReason
	switch p {
	case datav1alpha1.RuntimePhaseReady:
		status, reason = metav1.ConditionTrue, datav1alpha1.ReadyReason
	case datav1alpha1.RuntimePhasePartialReady:
		reason = datav1alpha1.PartialReadyReason
	}
	meta.SetStatusCondition(&rt.Status.Conditions, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: message, ObservedGeneration: rt.Generation,
	})
}

// workersReadyMessage counts ready workers against those running; while
// a scale-in drains, more run than are wanted, and it says so.
func workersReadyMessage(ready, running, wanted int32) string {
	if running > wanted {
		return fmt.Sprintf("%d of %d workers ready, scaling in to %d", ready, running, wanted)
	}
	return fmt.Sprintf("%d of %d workers ready", ready, wanted)
}
