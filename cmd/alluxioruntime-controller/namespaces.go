package main

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// namespacesFlag is --namespaces: the namespaces whose runtimes the
// controller manages. Empty means every namespace (a ClusterRoleBinding);
// a list lets the controller run with a Role in each of them only.
type namespacesFlag []string

func (n *namespacesFlag) String() string { return strings.Join(*n, ",") }

// Set parses "team-a,team-b". Each name must be a DNS-1123 label.
func (n *namespacesFlag) Set(v string) error {
	var out []string
	for _, ns := range strings.Split(v, ",") {
		ns = strings.TrimSpace(ns)
		if ns == "" {
			continue
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("namespace %q is not a valid namespace name: %s", ns, strings.Join(errs, "; "))
		}
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	if len(out) == 0 {
		return fmt.Errorf("no namespace named in %q: give a comma-separated list, or leave the flag out to watch every namespace", v)
	}
	*n = out
	return nil
}
