// Package features holds the controller's feature gates, set with
// --feature-gates. The shape follows Cluster API's feature package: one
// constant per gate with its owner, version and stage, a default map, and
// a mutable gate bound to the command line.
package features

import (
	"flag"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/component-base/featuregate"
)

const (
	// GracefulScaleIn drains workers before they leave: each victim is
	// decommissioned in Alluxio, waited on until idle, and only then
	// removed. Off, scale-in simply lowers the worker set's replicas, as
	// Fluid does.
	//
	// owner: fluid-drain
	// beta: v0.1
	GracefulScaleIn featuregate.Feature = "GracefulScaleIn"

	// AdvancedStatefulSet runs the workers of new runtimes as OpenKruise
	// apps.kruise.io/v1beta1 StatefulSets, which can remove any chosen
	// pod instead of only the highest ordinals. Existing runtimes keep the
	// workload kind they were created with.
	//
	// owner: fluid-drain
	// alpha: v0.1
	AdvancedStatefulSet featuregate.Feature = "AdvancedStatefulSet"
)

// defaultGates are the gates and their defaults.
var defaultGates = map[featuregate.Feature]featuregate.FeatureSpec{
	GracefulScaleIn:     {Default: true, PreRelease: featuregate.Beta},
	AdvancedStatefulSet: {Default: false, PreRelease: featuregate.Alpha},
}

// MutableGates is the gate set, to be changed only while parsing flags
// (and in tests).
var MutableGates featuregate.MutableFeatureGate = featuregate.NewFeatureGate()

// Gates is the read-only view the rest of the controller uses.
var Gates featuregate.FeatureGate = MutableGates

func init() {
	runtime.Must(MutableGates.Add(defaultGates))
}

// AddFlag registers --feature-gates on fs. An unknown gate or a bad value
// fails parsing with an error that lists the known gates.
func AddFlag(fs *flag.FlagSet) {
	fs.Var(gatesFlag{MutableGates}, "feature-gates",
		"A set of key=value pairs that describe feature gates. Options are:\n"+strings.Join(MutableGates.KnownFeatures(), "\n"))
}

// gatesFlag adapts the gate set to the standard library's flag.Value and
// makes its errors say which gates exist.
type gatesFlag struct {
	gates featuregate.MutableFeatureGate
}

func (f gatesFlag) String() string {
	if s, ok := f.gates.(fmt.Stringer); ok {
		return s.String()
	}
	return ""
}

func (f gatesFlag) Set(value string) error {
	if err := f.gates.Set(value); err != nil {
		return fmt.Errorf("%v (known gates: %s)", err, strings.Join(f.gates.KnownFeatures(), ", "))
	}
	return nil
}
