// Package plugin runs `kubectl fluid-drain` against a real kube-apiserver
// holding scale-ins in both of fluid-drain's shapes: status.scaleIn of a
// standalone runtime, and next to Fluid the master pod's summary
// annotation with per-pod state annotations. It checks what a user reads.
package plugin

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/kubectlplugin"
	"github.com/fluid-drain/fluid-drain/test/envtest/framework"
	"github.com/fluid-drain/fluid-drain/test/testenv"
)

var (
	env *testenv.Env
	k8s client.Client
	// now is the clock the plugin measures ages with; the objects are
	// dated from it.
	now = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
)

func TestMain(m *testing.M) {
	os.Exit(framework.WithControlPlane(func(root string) testenv.Options {
		return testenv.Options{CRDDirs: []string{filepath.Join(root, "config", "crd", "bases")}, Scheme: framework.Scheme()}
	}, func(e *testenv.Env, _ string) int {
		env, k8s = e, e.Client
		return m.Run()
	}))
}

// kubectl runs the plugin as a user does, with the suite's kubeconfig and
// what the user types on stdin.
func kubectl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &out}
	cmd := kubectlplugin.NewCommand(streams, func() time.Time { return now })
	cmd.SetArgs(append(args, "--kubeconfig", env.KubeconfigPath))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func at(ago time.Duration) string { return now.Add(-ago).Format(time.RFC3339) }

func mtime(ago time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(-ago)); return &t }

func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := k8s.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
}

func namespace(t *testing.T, name string) {
	t.Helper()
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

func pod(ns, name string, annotations map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "alluxio", Image: "alluxio/alluxio:2.9.6"}}},
	}
}

func runtime(t *testing.T, ns, name string, status datav1alpha1.RuntimeStatus) {
	t.Helper()
	rt := &datav1alpha1.AlluxioRuntime{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	create(t, rt)
	rt.Status = status
	if err := k8s.Status().Update(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
}

// A runtime next to Fluid: the summary is JSON on the master pod, and
// each leaving pod's own annotations are newer than the summary.
func fluidRuntime(t *testing.T, ns string) {
	t.Helper()
	namespace(t, ns)
	summary := fmt.Sprintf(`{"fromReplicas":4,"targetReplicas":2,"startTime":%q,"victims":[`+
		`{"pod":"hbase-worker-3","state":"Decommissioning","since":%q,"message":"waiting for 2 clients to refresh their worker list"},`+
		`{"pod":"hbase-worker-2","state":"Draining","since":%q,"message":"busy: 3 reads in the last 20s"}]}`,
		at(5*time.Minute), at(4*time.Minute), at(3*time.Minute))
	create(t,
		pod(ns, "hbase-master-0", map[string]string{datav1alpha1.ScaleInSummaryAnnotation: summary}),
		pod(ns, "hbase-worker-0", nil),
		pod(ns, "hbase-worker-2", map[string]string{datav1alpha1.ScaleInStateAnnotation: "TimedOut", datav1alpha1.ScaleInSinceAnnotation: at(30 * time.Second)}),
		pod(ns, "hbase-worker-3", map[string]string{datav1alpha1.ScaleInStateAnnotation: "Draining", datav1alpha1.ScaleInSinceAnnotation: at(90 * time.Second)}),
	)
	runtime(t, ns, "hbase", datav1alpha1.RuntimeStatus{Conditions: []metav1.Condition{{
		Type: datav1alpha1.GracefulScaleInCondition, Status: metav1.ConditionFalse, Reason: "Draining",
		Message: "2 workers leaving: 1 draining, 1 timed out", LastTransitionTime: *mtime(5 * time.Minute),
	}}})
}

// A standalone runtime: the summary is status.scaleIn.
func standaloneRuntime(t *testing.T, ns string) {
	t.Helper()
	namespace(t, ns)
	create(t, pod(ns, "spark-master-0", nil), pod(ns, "spark-worker-2", map[string]string{
		datav1alpha1.ScaleInStateAnnotation: "Scaled", datav1alpha1.ScaleInSinceAnnotation: at(2 * time.Minute),
	}))
	runtime(t, ns, "spark", datav1alpha1.RuntimeStatus{ScaleIn: &datav1alpha1.ScaleInStatus{
		FromReplicas: 3, TargetReplicas: 2, StartTime: mtime(10 * time.Minute), CompletionTime: mtime(time.Minute),
		Victims: []datav1alpha1.VictimStatus{{Pod: "spark-worker-2", State: "Scaled", Since: mtime(2 * time.Minute), Message: "drained"}},
	}})
}

func TestStatusShowsEachVictimInBothModes(t *testing.T) {
	fluidRuntime(t, "status-fluid")
	standaloneRuntime(t, "status-standalone")

	out, err := kubectl(t, "", "status", "hbase", "-n", "status-fluid")
	if err != nil {
		t.Fatal(err)
	}
	want := `AlluxioRuntime status-fluid/hbase
  Scale-in:   4 → 2 workers, started 5m ago, in progress
  Recorded:   annotation data.fluid.io/scale-in-summary on pod hbase-master-0
  Condition:  GracefulScaleIn=False (Draining): 2 workers leaving: 1 draining, 1 timed out
  POD             STATE     FOR  REASON
  hbase-worker-3  Draining  90s  waiting for 2 clients to refresh their worker list
  hbase-worker-2  TimedOut  30s  busy: 3 reads in the last 20s
`
	if out != want {
		t.Errorf("status next to Fluid printed\n%s\nwant\n%s", out, want)
	}

	out, err = kubectl(t, "", "status", "-n", "status-standalone")
	if err != nil {
		t.Fatal(err)
	}
	want = `AlluxioRuntime status-standalone/spark
  Scale-in:   3 → 2 workers, started 10m ago, completed 60s ago
  Recorded:   status.scaleIn
  POD             STATE   FOR  REASON
  spark-worker-2  Scaled  2m   drained
`
	if out != want {
		t.Errorf("status of a standalone runtime printed\n%s\nwant\n%s", out, want)
	}

	out, err = kubectl(t, "", "status", "-A")
	if err != nil {
		t.Fatal(err)
	}
	for _, runtime := range []string{"AlluxioRuntime status-fluid/hbase\n", "AlluxioRuntime status-standalone/spark\n"} {
		if !strings.Contains(out, runtime) {
			t.Errorf("status -A does not show %s:\n%s", runtime, out)
		}
	}

	if _, err := kubectl(t, "", "status", "nosuch", "-n", "status-fluid"); err == nil || !strings.Contains(err.Error(), `no AlluxioRuntime "nosuch" in namespace "status-fluid"`) {
		t.Errorf("status of a missing runtime: %v", err)
	}
}

func TestForceAsksThenAnnotates(t *testing.T) {
	fluidRuntime(t, "force")
	forced := func(name string) string {
		p := &corev1.Pod{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "force", Name: name}, p); err != nil {
			t.Fatal(err)
		}
		return p.Annotations[datav1alpha1.ScaleInForceAnnotation]
	}

	out, err := kubectl(t, "n\n", "force", "hbase-worker-3", "-n", "force")
	if err == nil || !strings.Contains(err.Error(), "not forced") {
		t.Errorf("answering n: err = %v", err)
	}
	if !strings.Contains(out, "Pod force/hbase-worker-3 is Draining for 90s.") || !strings.Contains(out, "Force hbase-worker-3 out? [y/N]: ") {
		t.Errorf("the question does not say what is forced:\n%s", out)
	}
	if got := forced("hbase-worker-3"); got != "" {
		t.Fatalf("answered n, but %s=%q", datav1alpha1.ScaleInForceAnnotation, got)
	}

	if _, err := kubectl(t, "", "force", "hbase-worker-3", "-n", "force"); err == nil || forced("hbase-worker-3") != "" {
		t.Fatalf("no answer (EOF) forced the pod: err = %v", err)
	}

	out, err = kubectl(t, "y\n", "force", "hbase-worker-3", "-n", "force")
	if err != nil {
		t.Fatal(err)
	}
	if got := forced("hbase-worker-3"); got != "true" {
		t.Fatalf("answered y, but %s=%q\n%s", datav1alpha1.ScaleInForceAnnotation, got, out)
	}

	if _, err := kubectl(t, "", "force", "hbase-worker-2", "-n", "force", "--yes"); err != nil || forced("hbase-worker-2") != "true" {
		t.Fatalf("--yes did not force without asking: %v", err)
	}

	_, err = kubectl(t, "y\n", "force", "hbase-worker-0", "-n", "force")
	if err == nil || !strings.Contains(err.Error(), "is not leaving in a scale-in") || forced("hbase-worker-0") != "" {
		t.Errorf("a worker that is not leaving was forced, or refused unclearly: %v", err)
	}

	out, err = kubectl(t, "", "status", "hbase", "-n", "force")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hbase-worker-3  Draining  90s  forced by a user. waiting for 2 clients") {
		t.Errorf("status does not show the forced victim:\n%s", out)
	}
}
