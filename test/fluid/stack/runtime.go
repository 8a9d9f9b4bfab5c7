package stack

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"text/template"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// Fluid's resources.
var (
	DatasetResource        = schema.GroupVersionResource{Group: "data.fluid.io", Version: "v1alpha1", Resource: "datasets"}
	AlluxioRuntimeResource = schema.GroupVersionResource{Group: "data.fluid.io", Version: "v1alpha1", Resource: "alluxioruntimes"}
)

// Runtime is a Dataset and the AlluxioRuntime of the same name.
type Runtime struct {
	Namespace, Name string
	// Workers is the AlluxioRuntime's replicas.
	Workers int
	// Properties are the runtime's spec.properties: Fluid passes them to
	// Alluxio's servers and clients, and so does the workload.
	Properties map[string]string
	// UFSDir is the local folder the Dataset mounts (local://UFSDir);
	// CreateRuntime makes one under the stack's Dir when empty.
	UFSDir string
	// JobService: the runner runs the runtime's job master and job
	// workers too, so ASYNC_THROUGH files get persisted and `alluxio fs
	// persist` works. Off, the runtime costs half the JVMs.
	JobService bool
}

// MasterPod and its container, where Fluid (and the tests) run the CLI.
func (r Runtime) MasterPod() string { return r.Name + "-master-0" }

// MasterContainer is the Alluxio master's container.
const MasterContainer = "alluxio-master"

// WorkerPod is the worker of ordinal i.
func (r Runtime) WorkerPod(i int) string { return fmt.Sprintf("%s-worker-%d", r.Name, i) }

//go:embed runtime.yaml.tmpl
var runtimeManifest string

// Manifest renders the user's Dataset and AlluxioRuntime.
func (r Runtime) Manifest() ([]byte, error) {
	var b bytes.Buffer
	err := template.Must(template.New("runtime").Parse(runtimeManifest)).Execute(&b, r)
	return b.Bytes(), err
}

// CreateRuntime creates the namespace if needed, the under store folder
// (with a file in it, so the Dataset has something to count), and the
// user's Dataset and AlluxioRuntime.
func (s *Stack) CreateRuntime(ctx context.Context, r *Runtime) error {
	if r.UFSDir == "" {
		r.UFSDir = filepath.Join(s.Dir, "ufs", r.Namespace, r.Name)
	}
	if err := os.MkdirAll(r.UFSDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.UFSDir, "README"), []byte("under store of "+r.Name+"\n"), 0o644); err != nil {
		return err
	}
	_, err := s.Cluster.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.Namespace}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	m, err := r.Manifest()
	if err != nil {
		return err
	}
	// Before the runtime exists, so its first pods get it.
	s.Runner.SetJobService(r.Namespace, r.Name, r.JobService)
	dyn, err := dynamic.NewForConfig(s.Cluster.Config)
	if err != nil {
		return err
	}
	for _, doc := range bytes.Split(m, []byte("\n---\n")) {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return err
		}
		gvr := DatasetResource
		if u.GetKind() == "AlluxioRuntime" {
			gvr = AlluxioRuntimeResource
		}
		if _, err := dyn.Resource(gvr).Namespace(r.Namespace).Create(ctx, u, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}

// State is what kubectl shows of a runtime.
type State struct {
	DatasetPhase              string
	MasterPhase, WorkerPhase  string
	WorkersReady, WorkersWant int64
	Conditions                []string
	// ConditionObjects are the runtime's conditions, in full.
	ConditionObjects []metav1.Condition
}

func (st State) String() string {
	return fmt.Sprintf("dataset %q, master %q, workers %q (%d/%d ready)", st.DatasetPhase, st.MasterPhase, st.WorkerPhase, st.WorkersReady, st.WorkersWant)
}

// State reads the Dataset's and the runtime's status.
func (s *Stack) State(ctx context.Context, r Runtime) (State, error) {
	dyn, err := dynamic.NewForConfig(s.Cluster.Config)
	if err != nil {
		return State{}, err
	}
	var st State
	ds, err := dyn.Resource(DatasetResource).Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if err != nil {
		return st, err
	}
	st.DatasetPhase, _, _ = unstructured.NestedString(ds.Object, "status", "phase")
	rt, err := dyn.Resource(AlluxioRuntimeResource).Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if err != nil {
		return st, err
	}
	st.MasterPhase, _, _ = unstructured.NestedString(rt.Object, "status", "masterPhase")
	st.WorkerPhase, _, _ = unstructured.NestedString(rt.Object, "status", "workerPhase")
	st.WorkersReady, _, _ = unstructured.NestedInt64(rt.Object, "status", "workerNumberReady")
	st.WorkersWant, _, _ = unstructured.NestedInt64(rt.Object, "status", "desiredWorkerNumberScheduled")
	conds, _, _ := unstructured.NestedSlice(rt.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		st.Conditions = append(st.Conditions, fmt.Sprintf("%v=%v", m["type"], m["status"]))
		text := func(k string) string { v, _ := m[k].(string); return v }
		st.ConditionObjects = append(st.ConditionObjects, metav1.Condition{Type: text("type"), Status: metav1.ConditionStatus(text("status")), Reason: text("reason"), Message: text("message")})
	}
	return st, nil
}

// WaitSetUp waits until the Dataset is Bound and the runtime's master and
// workers are Ready with r.Workers workers, as Fluid reports them.
func (s *Stack) WaitSetUp(ctx context.Context, r Runtime, timeout time.Duration) error {
	var last State
	var lastErr error
	err := s.Poll(ctx, timeout, func() bool {
		last, lastErr = s.State(ctx, r)
		return lastErr == nil && last.DatasetPhase == "Bound" && last.MasterPhase == "Ready" && last.WorkerPhase == "Ready" && last.WorkersReady == int64(r.Workers)
	})
	if err != nil {
		return fmt.Errorf("%s/%s not set up: %w; last: %v (%v); logs in %s", r.Namespace, r.Name, err, last, lastErr, s.LogDir)
	}
	return nil
}

var liveWorkers = regexp.MustCompile(`Live Workers:\s+(\d+)`)

// LiveWorkers runs `alluxio fsadmin report summary` in the master pod
// and returns its "Live Workers" count.
func (s *Stack) LiveWorkers(ctx context.Context, r Runtime) (int, string, error) {
	out, err := s.ExecIn(ctx, r.Namespace, r.MasterPod(), MasterContainer, "alluxio", "fsadmin", "report", "summary")
	if err != nil {
		return 0, out, err
	}
	m := liveWorkers.FindStringSubmatch(out)
	if m == nil {
		return 0, out, fmt.Errorf("no \"Live Workers\" in the summary:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n, out, nil
}

// WaitLiveWorkers waits until the master counts n live workers.
func (s *Stack) WaitLiveWorkers(ctx context.Context, r Runtime, n int, timeout time.Duration) error {
	var got int
	var lastErr error
	err := s.Poll(ctx, timeout, func() bool {
		got, _, lastErr = s.LiveWorkers(ctx, r)
		return lastErr == nil && got == n
	})
	if err != nil {
		return fmt.Errorf("live workers %d, want %d: %w (last error: %v)", got, n, err, lastErr)
	}
	return nil
}

// ScaleRuntime sets the runtime's replicas through its scale
// subresource, as `kubectl scale alluxioruntime/<name> --replicas=n` does.
func (s *Stack) ScaleRuntime(ctx context.Context, r Runtime, n int) error {
	dyn, err := dynamic.NewForConfig(s.Cluster.Config)
	if err != nil {
		return err
	}
	patch := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
	_, err = dyn.Resource(AlluxioRuntimeResource).Namespace(r.Namespace).Patch(ctx, r.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "scale")
	return err
}

// WorkerPods lists the runtime's worker pods by name, with their IPs.
func (s *Stack) WorkerPods(ctx context.Context, r Runtime) (map[string]string, error) {
	pods, err := s.Cluster.Clientset.CoreV1().Pods(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "role=alluxio-worker,release=" + r.Name})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		out[p.Name] = p.Status.PodIP
	}
	return out, nil
}

// ClientProperties are what a client needs to reach the runtime's master:
// the master pod's CLI configuration, as the runner wrote it.
func (s *Stack) ClientProperties(r Runtime) (map[string]string, error) {
	st, ok := s.Runner.Pods()[r.Namespace+"/"+r.MasterPod()]
	if !ok || st.Plan == nil {
		return nil, fmt.Errorf("the runner does not run %s/%s", r.Namespace, r.MasterPod())
	}
	out := map[string]string{}
	for _, k := range []string{"alluxio.master.hostname", "alluxio.master.rpc.port"} {
		v, ok := st.Plan.ClientProperties[k]
		if !ok {
			// Fluid's chart sets the hostname in ALLUXIO_JAVA_OPTS; the port
			// comes from the master's own properties when not global.
			for _, p := range st.Plan.Processes {
				if p.Container == MasterContainer {
					v = p.Properties[k]
				}
			}
		}
		out[k] = v
	}
	for k, v := range r.Properties {
		out[k] = v
	}
	return out, nil
}

// Poll calls cond every second until it holds, timeout passes, ctx ends or
// the cluster fails.
func (s *Stack) Poll(ctx context.Context, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if cond() {
			return nil
		}
		if err := s.Cluster.Err(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// UnderStoreRoot is the folder on this machine that the runtime's
// master mounts as Alluxio's root (its root UFS, as the runner mapped
// it): an Alluxio path p is persisted at UnderStoreRoot + p.
func (s *Stack) UnderStoreRoot(r Runtime) (string, error) {
	st, ok := s.Runner.Pods()[r.Namespace+"/"+r.MasterPod()]
	if !ok || st.Plan == nil {
		return "", fmt.Errorf("the runner does not run %s/%s", r.Namespace, r.MasterPod())
	}
	for _, p := range st.Plan.Processes {
		if root := p.Properties["alluxio.master.mount.table.root.ufs"]; p.Container == MasterContainer && root != "" {
			return root, nil
		}
	}
	return "", fmt.Errorf("%s/%s: no alluxio.master.mount.table.root.ufs", r.Namespace, r.MasterPod())
}

// MasterWorker is one worker as the master's REST API lists it.
type MasterWorker struct {
	Host           string
	RPCPort        int
	LastContactSec int
	// StartTimeMs is when the master first registered the worker (Unix
	// ms); a process restarted at the same address keeps it.
	StartTimeMs int64
	State       string
}

// LiveWorkerList reads the master's /api/v1/master/info: its live
// workers.
func (s *Stack) LiveWorkerList(ctx context.Context, r Runtime) ([]MasterWorker, error) {
	st, ok := s.Runner.Pods()[r.Namespace+"/"+r.MasterPod()]
	if !ok || st.Plan == nil {
		return nil, fmt.Errorf("the runner does not run %s/%s", r.Namespace, r.MasterPod())
	}
	var host, port string
	for _, p := range st.Plan.Processes {
		if p.Container == MasterContainer {
			host, port = p.Properties["alluxio.master.web.bind.host"], p.Properties["alluxio.master.web.port"]
		}
	}
	if port == "" {
		port = "19999"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/api/v1/master/info", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/master/info: %s", resp.Status)
	}
	var info struct {
		Workers []struct {
			Address struct {
				Host    string `json:"host"`
				RPCPort int    `json:"rpcPort"`
			} `json:"address"`
			LastContactSec int    `json:"lastContactSec"`
			StartTimeMs    int64  `json:"startTimeMs"`
			State          string `json:"state"`
		} `json:"workers"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&info); err != nil {
		return nil, err
	}
	var out []MasterWorker
	for _, w := range info.Workers {
		out = append(out, MasterWorker{Host: w.Address.Host, RPCPort: w.Address.RPCPort, LastContactSec: w.LastContactSec, StartTimeMs: w.StartTimeMs, State: w.State})
	}
	return out, nil
}

// RuntimeObject reads the AlluxioRuntime as the API server has it.
func (s *Stack) RuntimeObject(ctx context.Context, r Runtime) (*unstructured.Unstructured, error) {
	dyn, err := dynamic.NewForConfig(s.Cluster.Config)
	if err != nil {
		return nil, err
	}
	return dyn.Resource(AlluxioRuntimeResource).Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
}

// AnnotateRuntime merges annotations into the AlluxioRuntime, as
// `kubectl annotate` does; a nil value removes the annotation.
func (s *Stack) AnnotateRuntime(ctx context.Context, r Runtime, ann map[string]any) error {
	dyn, err := dynamic.NewForConfig(s.Cluster.Config)
	if err != nil {
		return err
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": ann}})
	if err != nil {
		return err
	}
	_, err = dyn.Resource(AlluxioRuntimeResource).Namespace(r.Namespace).Patch(ctx, r.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// DeleteRuntime deletes the user's AlluxioRuntime and Dataset, as
// `kubectl delete` of their manifests does (background propagation).
func (s *Stack) DeleteRuntime(ctx context.Context, r Runtime) error {
	dyn, err := dynamic.NewForConfig(s.Cluster.Config)
	if err != nil {
		return err
	}
	for _, gvr := range []schema.GroupVersionResource{AlluxioRuntimeResource, DatasetResource} {
		err := dyn.Resource(gvr).Namespace(r.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s %s: %w", gvr.Resource, r.Name, err)
		}
	}
	return nil
}
