package deploy

import (
	"os"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestZZDebug(t *testing.T) {
	raw, _ := os.ReadFile(repoPath(t, "config", "crd", "bases", "data.fluid.io_alluxioruntimes.yaml"))
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &u.Object); err != nil {
		t.Fatal(err)
	}
	unstructured.SetNestedField(u.Object, "x.y.io", "spec", "group")
	u.SetName("alluxioruntimes.x.y.io")
	err := cl.Create(t.Context(), u.DeepCopy(), client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict))
	t.Logf("dry-run: %v", err)
	err = cl.Create(t.Context(), u.DeepCopy())
	t.Logf("real: %v", err)
}
