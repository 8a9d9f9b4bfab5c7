package api

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// invalidSpecs are specs the API server itself must refuse, each with
// the words its message must contain: the field, and what is wrong.
var invalidSpecs = []struct {
	name string
	spec string
	want []string
}{
	{"negative replicas", `replicas: -1`, []string{"spec.replicas", "greater than or equal to 0"}},
	{"negative master replicas", `master: {replicas: -2}`, []string{"spec.master.replicas"}},
	{"unknown worker networkMode", `worker: {networkMode: Bridge}`, []string{"spec.worker.networkMode", "HostNetwork", "ContainerNetwork"}},
	{"unknown master networkMode", `master: {networkMode: host}`, []string{"spec.master.networkMode"}},
	{"unknown onDrainTimeout", `scaleIn: {onDrainTimeout: Kill}`, []string{"spec.scaleIn.onDrainTimeout", "Wait", "Force"}},
	{"unknown victimSelection", `scaleIn: {victimSelection: Random}`, []string{"spec.scaleIn.victimSelection", "HighestOrdinal", "LeastCached"}},
	{"zero drainTimeout", `scaleIn: {drainTimeout: 0s}`, []string{"spec.scaleIn.drainTimeout", "positive duration"}},
	{"negative pollInterval", `scaleIn: {pollInterval: -5s}`, []string{"spec.scaleIn.pollInterval"}},
	{"zero quietPeriod", `scaleIn: {quietPeriod: 0s}`, []string{"spec.scaleIn.quietPeriod", "positive duration"}},
	{"drainTimeout not a duration", `scaleIn: {drainTimeout: ten minutes}`, []string{"spec.scaleIn.drainTimeout"}},
	{"quietPeriod longer than drainTimeout", `scaleIn: {quietPeriod: 20m, drainTimeout: 10m}`, []string{"spec.scaleIn", "quietPeriod must be shorter than scaleIn.drainTimeout"}},
	{"unknown recache", `scaleIn: {recache: Some}`, []string{"spec.scaleIn.recache", "All", "Off"}},
	{"zero recacheTimeout", `scaleIn: {recacheTimeout: 0s}`, []string{"spec.scaleIn.recacheTimeout", "positive duration"}},
	{"negative recacheLimit", `scaleIn: {recacheLimit: -1Gi}`, []string{"spec.scaleIn.recacheLimit", "size such as 10Gi"}},
	{"recacheLimit not a size", `scaleIn: {recacheLimit: lots}`, []string{"spec.scaleIn.recacheLimit"}},
	{"maxConcurrent zero", `scaleIn: {maxConcurrent: 0}`, []string{"spec.scaleIn.maxConcurrent", "greater than or equal to 1"}},
	{"worker port too high", `worker: {ports: {web: 70000}}`, []string{"spec.worker.ports", "between 1 and 65535"}},
	{"master port zero", `master: {ports: {rpc: 0}}`, []string{"spec.master.ports", "between 1 and 65535"}},
	{"worker port property out of range", `worker: {properties: {alluxio.worker.web.port: "99999"}}`, []string{"spec.worker.properties", "between 1 and 65535"}},
	{"global port property not a number", `properties: {alluxio.master.rpc.port: "abc"}`, []string{"spec.properties", "port number"}},
	{"unknown image pull policy", `alluxioVersion: {imagePullPolicy: Sometimes}`, []string{"spec.alluxioVersion.imagePullPolicy"}},
	{"unknown medium type", `tieredstore: {levels: [{mediumtype: TAPE, path: /x}]}`, []string{"spec.tieredstore.levels[0].mediumtype"}},
	{"high watermark above 1", `tieredstore: {levels: [{mediumtype: MEM, path: /dev/shm, high: "1.5"}]}`, []string{"spec.tieredstore.levels[0].high"}},
	{"level without medium type", `tieredstore: {levels: [{path: /dev/shm}]}`, []string{"spec.tieredstore.levels[0].mediumtype", "Required"}},
	{"replicas not a number", `replicas: three`, []string{"spec.replicas"}},
}

func runtimeFromSpec(ns, name, spec string) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	doc := "apiVersion: data.fluid.io/v1alpha1\nkind: AlluxioRuntime\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  " + spec + "\n"
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		return nil, err
	}
	return obj, nil
}

func TestInvalidSpecsAreRefusedByTheAPIServerNamingTheField(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range invalidSpecs {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			obj, err := runtimeFromSpec(ns, "bad", tc.spec)
			g.Expect(err).NotTo(HaveOccurred())
			err = k8s.Create(context.Background(), obj)
			g.Expect(err).To(HaveOccurred(), "the API server must refuse %s", tc.spec)
			for _, w := range tc.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
		})
	}
}

func TestValidSpecIsAcceptedWithDefaults(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	obj, err := runtimeFromSpec(ns, "good", `replicas: 2`)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(k8s.Create(context.Background(), obj)).To(Succeed())
	scaleIn, _, _ := unstructured.NestedMap(obj.Object, "spec", "scaleIn")
	g.Expect(scaleIn).To(HaveKeyWithValue("drainTimeout", "10m"))
	g.Expect(scaleIn).To(HaveKeyWithValue("onDrainTimeout", "Wait"))
	g.Expect(scaleIn).To(HaveKeyWithValue("pollInterval", "5s"))
	g.Expect(scaleIn).To(HaveKeyWithValue("quietPeriod", "20s"))
	g.Expect(scaleIn).To(HaveKeyWithValue("victimSelection", "HighestOrdinal"))
	g.Expect(scaleIn).To(HaveKeyWithValue("recache", "All"))
	g.Expect(scaleIn).To(HaveKeyWithValue("recacheTimeout", "5m"))
	g.Expect(scaleIn).NotTo(HaveKey("recacheLimit"), "unset recacheLimit: only free capacity bounds it")
	g.Expect(scaleIn).NotTo(HaveKey("maxConcurrent"), "unset maxConcurrent means all victims at once")
}
