package alluxio

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// recachePolicyFor fills the re-cache fields of a Fluid-managed runtime's
// policy from the flags, each overridden by its annotation; a value that
// cannot be read is one problem naming its annotation, and the flag's
// value is used.
func (p FluidPolicy) recachePolicyFor(a map[string]string, out *datav1alpha1.ScaleInPolicy, problems *[]string) {
	out.Recache = p.Recache
	if v, ok := a[datav1alpha1.RecacheAnnotation]; ok {
		switch mode := datav1alpha1.RecacheMode(v); mode {
		case datav1alpha1.RecacheAll, datav1alpha1.RecacheOff:
			out.Recache = mode
		default:
			*problems = append(*problems, fmt.Sprintf("annotation %s=%q must be All or Off; using %s", datav1alpha1.RecacheAnnotation, v, p.Recache))
		}
	}
	out.RecacheLimit = p.RecacheLimit
	if v, ok := a[datav1alpha1.RecacheLimitAnnotation]; ok {
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Sign() < 0 {
			*problems = append(*problems, fmt.Sprintf("annotation %s=%q is not a size such as 10Gi (0 caches nothing again); using the flag's value", datav1alpha1.RecacheLimitAnnotation, v))
		} else {
			out.RecacheLimit = &q
		}
	}
	timeout := p.RecacheTimeout
	if v, ok := a[datav1alpha1.RecacheTimeoutAnnotation]; ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			*problems = append(*problems, fmt.Sprintf("annotation %s=%q is not a positive duration such as 5m; using %s", datav1alpha1.RecacheTimeoutAnnotation, v, timeout))
		} else {
			timeout = d
		}
	}
	out.RecacheTimeout = &metav1.Duration{Duration: timeout}
}
