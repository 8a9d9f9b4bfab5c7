package runner

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// ClusterDomain is the DNS domain names are completed with.
const ClusterDomain = "cluster.local"

// Names maps what cluster DNS would resolve in a namespace to pod IPs: each
// pod's name (and, with a subdomain, its hostname under it), and each
// Service whose selector picks exactly one pod with an IP, in every form a
// pod of that namespace may write (name, name.ns, name.ns.svc,
// name.ns.svc.cluster.local).
func Names(namespace string, pods []corev1.Pod, services []corev1.Service) map[string]string {
	names := map[string]string{}
	add := func(name, ip string) {
		for _, n := range []string{name, name + "." + namespace, name + "." + namespace + ".svc", name + "." + namespace + ".svc." + ClusterDomain} {
			names[n] = ip
		}
	}
	for _, p := range pods {
		if p.Namespace != namespace || p.Status.PodIP == "" || p.DeletionTimestamp != nil {
			continue
		}
		add(p.Name, p.Status.PodIP)
		if p.Spec.Subdomain != "" {
			host := p.Spec.Hostname
			if host == "" {
				host = p.Name
			}
			add(host+"."+p.Spec.Subdomain, p.Status.PodIP)
		}
	}
	for _, s := range services {
		if s.Namespace != namespace || len(s.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(s.Spec.Selector)
		var ips []string
		for _, p := range pods {
			if p.Namespace == namespace && p.Status.PodIP != "" && p.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Labels)) {
				ips = append(ips, p.Status.PodIP)
			}
		}
		if len(ips) == 1 {
			add(s.Name, ips[0])
		}
	}
	return names
}
