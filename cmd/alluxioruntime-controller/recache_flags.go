package main

import (
	"flag"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
)

// addRecacheFlags registers the re-cache policy of Fluid-managed runtimes.
func addRecacheFlags(fs *flag.FlagSet, p *alluxio.FluidPolicy) {
	fs.Var(recacheModeFlag{&p.Recache}, "recache", "Fluid-managed runtimes: All caches a drained worker's persisted files again on the workers that stay before it leaves, Off does not (annotation "+datav1alpha1.RecacheAnnotation+").")
	fs.Var(recacheLimitFlag{&p.RecacheLimit}, "recache-limit", "Fluid-managed runtimes: most bytes cached again per leaving worker, such as 10Gi; empty for no cap beyond free capacity (annotation "+datav1alpha1.RecacheLimitAnnotation+").")
	fs.Var(positiveDurationFlag{&p.RecacheTimeout}, "recache-timeout", "Fluid-managed runtimes: how long one worker's files are cached again before it leaves with the rest (annotation "+datav1alpha1.RecacheTimeoutAnnotation+").")
}

type recacheModeFlag struct{ p *datav1alpha1.RecacheMode }

func (f recacheModeFlag) String() string {
	if f.p == nil {
		return ""
	}
	return string(*f.p)
}

func (f recacheModeFlag) Set(s string) error {
	switch m := datav1alpha1.RecacheMode(s); m {
	case datav1alpha1.RecacheAll, datav1alpha1.RecacheOff:
		*f.p = m
		return nil
	}
	return fmt.Errorf("want All or Off")
}

type recacheLimitFlag struct{ p **resource.Quantity }

func (f recacheLimitFlag) String() string {
	if f.p == nil || *f.p == nil {
		return ""
	}
	return (*f.p).String()
}

func (f recacheLimitFlag) Set(s string) error {
	if s == "" {
		*f.p = nil
		return nil
	}
	q, err := resource.ParseQuantity(s)
	if err != nil || q.Sign() < 0 {
		return fmt.Errorf("want a size such as 10Gi, 0 to cache nothing again, or empty for no cap")
	}
	*f.p = &q
	return nil
}

type positiveDurationFlag struct{ p *time.Duration }

func (f positiveDurationFlag) String() string {
	if f.p == nil {
		return ""
	}
	return f.p.String()
}

func (f positiveDurationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 5m")
	}
	*f.p = d
	return nil
}
