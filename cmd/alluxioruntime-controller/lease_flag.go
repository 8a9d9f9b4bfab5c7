package main

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/guard"
)

// leaseFlag is --guard-clock-lease, "namespace/name".
type leaseFlag types.NamespacedName

func (l *leaseFlag) String() string {
	if l.Name == "" {
		return guard.DefaultClockLease.String()
	}
	return types.NamespacedName(*l).String()
}

// Set parses "kube-system/kube-controller-manager".
func (l *leaseFlag) Set(v string) error {
	ns, name, ok := strings.Cut(v, "/")
	if !ok || validation.IsDNS1123Label(ns) != nil || validation.IsDNS1123Subdomain(name) != nil {
		return fmt.Errorf("--guard-clock-lease %q: want namespace/name of a lease, such as %s", v, guard.DefaultClockLease)
	}
	*l = leaseFlag{Namespace: ns, Name: name}
	return nil
}
