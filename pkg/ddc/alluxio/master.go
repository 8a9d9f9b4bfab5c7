package alluxio

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// masterHost is the DNS name workers and clients reach the master at
// (the headless Service gives the StatefulSet pod a stable name).
func masterHost(rt *datav1alpha1.AlluxioRuntime) string {
	return fmt.Sprintf("%s.%s.%s.svc", masterPodName(rt), masterName(rt), rt.Namespace)
}

// reconcileMaster keeps the master's headless Service and single-replica
// StatefulSet in shape and returns the StatefulSet.
func (r *Reconciler) reconcileMaster(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, m component) (*appsv1.StatefulSet, error) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: masterName(rt), Namespace: rt.Namespace}}
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, svc, func() error {
		svc.Labels = componentLabels(rt, datav1alpha1.MasterComponent)
		svc.Spec.ClusterIP = corev1.ClusterIPNone
		svc.Spec.PublishNotReadyAddresses = true
		svc.Spec.Selector = componentLabels(rt, datav1alpha1.MasterComponent)
		svc.Spec.Ports = []corev1.ServicePort{
			{Name: "rpc", Port: m.rpcPort, Protocol: corev1.ProtocolTCP},
			{Name: "web", Port: m.webPort, Protocol: corev1.ProtocolTCP},
		}
		return controllerutil.SetControllerReference(rt, svc, r.Scheme)
	}); err != nil {
		return nil, fmt.Errorf("master service %s: %w", svc.Name, err)
	}

	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: masterName(rt), Namespace: rt.Namespace}}
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, sts, func() error {
		sts.Labels = componentLabels(rt, datav1alpha1.MasterComponent)
		sts.Spec.Replicas = ptr.To[int32](1)
		sts.Spec.ServiceName = masterName(rt)
		sts.Spec.Selector = &metav1.LabelSelector{MatchLabels: componentLabels(rt, datav1alpha1.MasterComponent)}
		sts.Spec.Template = podTemplate(rt, m, masterHost(rt))
		return controllerutil.SetControllerReference(rt, sts, r.Scheme)
	}); err != nil {
		return nil, fmt.Errorf("master statefulset %s: %w", sts.Name, err)
	}
	return sts, nil
}
