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
		svc.Labels = mergeLabels(svc.Labels, componentLabels(rt, datav1alpha1.MasterComponent))
		svc.Spec.ClusterIP = corev1.ClusterIPNone
		svc.Spec.PublishNotReadyAddresses = true
		svc.Spec.Selector = componentLabels(rt, datav1alpha1.MasterComponent)
		setServicePorts(svc, map[string]int32{"rpc": m.rpcPort, "web": m.webPort})
		return controllerutil.SetControllerReference(rt, svc, r.Scheme)
	}); err != nil {
		return nil, fmt.Errorf("master service %s: %w", svc.Name, err)
	}

	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: masterName(rt), Namespace: rt.Namespace}}
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, sts, func() error {
		sts.Labels = mergeLabels(sts.Labels, componentLabels(rt, datav1alpha1.MasterComponent))
		sts.Spec.Replicas = ptr.To[int32](1)
		sts.Spec.ServiceName = masterName(rt)
		sts.Spec.Selector = &metav1.LabelSelector{MatchLabels: componentLabels(rt, datav1alpha1.MasterComponent)}
		setTemplate(&sts.ObjectMeta, &sts.Spec.Template, podTemplate(rt, m, masterHost(rt)))
		return controllerutil.SetControllerReference(rt, sts, r.Scheme)
	}); err != nil {
		return nil, fmt.Errorf("master statefulset %s: %w", sts.Name, err)
	}
	return sts, nil
}

// setServicePorts sets the ports by name, keeping what the API server
// defaulted (targetPort) so an unchanged Service is never patched.
func setServicePorts(svc *corev1.Service, want map[string]int32) {
	var ports []corev1.ServicePort
	for _, name := range []string{"rpc", "web"} {
		p := corev1.ServicePort{Name: name, Port: want[name], Protocol: corev1.ProtocolTCP}
		for _, old := range svc.Spec.Ports {
			if old.Name == name && old.Port == p.Port {
				p = old
			}
		}
		ports = append(ports, p)
	}
	svc.Spec.Ports = ports
}
