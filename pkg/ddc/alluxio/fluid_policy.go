package alluxio

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// FluidPolicy is the scale-in policy of Fluid-managed runtimes, from the
// controller's flags; each field can be overridden per runtime with an
// annotation (datav1alpha1.*Annotation).
type FluidPolicy struct {
	DrainTimeout   time.Duration
	OnDrainTimeout datav1alpha1.DrainTimeoutAction
	QuietPeriod    time.Duration
	PollInterval   time.Duration
	// MaxConcurrent 0 means no cap.
	MaxConcurrent int32
	// Recache, RecacheLimit (nil: no cap) and RecacheTimeout are
	// spec.scaleIn's fields of the same names.
	Recache        datav1alpha1.RecacheMode
	RecacheLimit   *resource.Quantity
	RecacheTimeout time.Duration
}

// DefaultFluidPolicy is the same as spec.scaleIn's defaults.
func DefaultFluidPolicy() FluidPolicy {
	return FluidPolicy{DrainTimeout: defaultDrainTimeout, OnDrainTimeout: datav1alpha1.DrainTimeoutWait,
		QuietPeriod: defaultQuietPeriod, PollInterval: defaultPollInterval,
		Recache: datav1alpha1.RecacheAll, RecacheTimeout: defaultRecacheTimeout}
}

// policyFor turns the flags and the runtime's annotations into the
// spec.scaleIn the engine reads. Each bad annotation is returned as one
// problem naming it; its flag value is used instead.
func (p FluidPolicy) policyFor(rt *datav1alpha1.AlluxioRuntime) (datav1alpha1.ScaleInPolicy, []string) {
	var problems []string
	a := rt.Annotations
	duration := func(key string, def time.Duration) *metav1.Duration {
		v, ok := a[key]
		if !ok {
			return &metav1.Duration{Duration: def}
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("annotation %s=%q is not a positive duration such as 90s or 10m; using %s", key, v, def))
			return &metav1.Duration{Duration: def}
		}
		return &metav1.Duration{Duration: d}
	}
	out := datav1alpha1.ScaleInPolicy{
		DrainTimeout:   duration(datav1alpha1.DrainTimeoutAnnotation, p.DrainTimeout),
		QuietPeriod:    duration(datav1alpha1.QuietPeriodAnnotation, p.QuietPeriod),
		PollInterval:   duration(datav1alpha1.PollIntervalAnnotation, p.PollInterval),
		OnDrainTimeout: p.OnDrainTimeout,
	}
	if v, ok := a[datav1alpha1.OnDrainTimeoutAnnotation]; ok {
		switch action := datav1alpha1.DrainTimeoutAction(v); action {
		case datav1alpha1.DrainTimeoutWait, datav1alpha1.DrainTimeoutForce:
			out.OnDrainTimeout = action
		default:
			problems = append(problems, fmt.Sprintf("annotation %s=%q must be Wait or Force; using %s", datav1alpha1.OnDrainTimeoutAnnotation, v, p.OnDrainTimeout))
		}
	}
	if p.MaxConcurrent > 0 {
		out.MaxConcurrent = &p.MaxConcurrent
	}
	if v, ok := a[datav1alpha1.MaxConcurrentAnnotation]; ok {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 1 {
			problems = append(problems, fmt.Sprintf("annotation %s=%q must be a whole number of at least 1; using the flag's value", datav1alpha1.MaxConcurrentAnnotation, v))
		} else {
			m := int32(n)
			out.MaxConcurrent = &m
		}
	}
	p.recachePolicyFor(a, &out, &problems)
	if out.QuietPeriod.Duration >= out.DrainTimeout.Duration {
		problems = append(problems, fmt.Sprintf("the quiet period %s must be shorter than the drain timeout %s; using %s and %s",
			out.QuietPeriod.Duration, out.DrainTimeout.Duration, p.QuietPeriod, p.DrainTimeout))
		out.QuietPeriod.Duration, out.DrainTimeout.Duration = p.QuietPeriod, p.DrainTimeout
	}
	return out, problems
}

// warnPolicyProblems says which annotations could not be read (the event
// recorder folds the repeats of later reconciles into a count).
func (r *Reconciler) warnPolicyProblems(rt *datav1alpha1.AlluxioRuntime, problems []string) {
	for _, p := range problems {
		r.Recorder.Eventf(rt, nil, corev1.EventTypeWarning, datav1alpha1.InvalidPolicyReason, "ScaleIn", "%s", p)
	}
}
