package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// PodSelector picks the pods the runner runs: Fluid's Alluxio masters and
// workers.
const PodSelector = "app=alluxio,role in (alluxio-master,alluxio-worker)"

// Config says where the runner looks and what it runs.
type Config struct {
	// Kube reaches the cluster (list pods, ConfigMaps, Services; create
	// kwok Execs).
	Kube *rest.Config
	// Namespace limits the runner to one namespace; empty: all.
	Namespace string
	// JarsDir holds Alluxio's jars (hack/alluxio/fetch.sh).
	JarsDir string
	// WorkDir holds one folder per pod (removed when the pod goes) and
	// their logs (kept: WorkDir/logs/<namespace>_<pod>_<uid>).
	WorkDir string
	// HeapMB is each server's -Xmx; 256 when 0. A container's own -Xmx
	// comes after it and wins.
	HeapMB int
	// JobService names the runtimes ("namespace/name") whose job master
	// and job workers are run as well; SetJobService adds more. The others
	// run without the job service (see the package documentation).
	JobService []string
	// Interval between looks at the pods; 500ms when 0.
	Interval time.Duration
	// Log receives structured lines; discarded when nil.
	Log *slog.Logger
}

// Runner runs the Alluxio servers of the pods it finds.
type Runner struct {
	cfg  Config
	kube kubernetes.Interface
	dyn  dynamic.Interface
	java string
	cp   string

	mu         sync.Mutex
	pods       map[types.UID]*podRun
	jobService map[string]bool // runtimes, by namespace/name

	cancel context.CancelFunc
	done   chan struct{}
}

// podRun is one pod's processes.
type podRun struct {
	key     string // namespace/name
	uid     types.UID
	dir     string
	plan    *Plan
	procs   map[string]*proc
	ready   chan struct{} // closed once every process started (or failed)
	err     error
	stopped bool
}

// PodState is what the runner does for one pod.
type PodState struct {
	Namespace, Name string
	UID             types.UID
	// Dir is the pod's folder.
	Dir string
	// Plan is how its containers were configured.
	Plan *Plan
	// Pids of the running processes, by container.
	Pids map[string]int
	// Err is why the pod's processes could not start, if they could not.
	Err error
}

// Start checks java and the jars, then watches pods until Stop.
func Start(cfg Config) (*Runner, error) {
	if cfg.HeapMB == 0 {
		cfg.HeapMB = 256
	}
	if cfg.Interval == 0 {
		cfg.Interval = 500 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.WorkDir == "" {
		return nil, errors.New("runner: Config.WorkDir is required")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("runner: java not found on PATH (install a JDK 8+, e.g. apt-get install openjdk-17-jre-headless): %w", err)
	}
	jars, _ := filepath.Glob(filepath.Join(cfg.JarsDir, "*.jar"))
	if len(jars) == 0 {
		return nil, fmt.Errorf("runner: no Alluxio jars in %s: run hack/alluxio/fetch.sh", cfg.JarsDir)
	}
	sort.Strings(jars)
	kube, err := kubernetes.NewForConfig(cfg.Kube)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg.Kube)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{
		cfg: cfg, kube: kube, dyn: dyn, java: java, cp: strings.Join(jars, string(os.PathListSeparator)),
		pods: map[types.UID]*podRun{}, jobService: map[string]bool{}, cancel: cancel, done: make(chan struct{}),
	}
	for _, rt := range cfg.JobService {
		r.jobService[rt] = true
	}
	go r.loop(ctx)
	return r, nil
}

// Stop stops every process (SIGTERM, then SIGKILL) and the watch.
func (r *Runner) Stop() {
	r.cancel()
	<-r.done
}

// SetJobService says whether the runtime's job master and job workers
// are run. It applies to the runtime's pods started afterwards: set it
// before the runtime is created.
func (r *Runner) SetJobService(namespace, runtime string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on {
		r.jobService[namespace+"/"+runtime] = true
	} else {
		delete(r.jobService, namespace+"/"+runtime)
	}
}

// RuntimeLabel names, on Fluid's pods, the runtime they belong to.
const RuntimeLabel = "release"

// Pods lists the pods the runner runs, by namespace/name.
func (r *Runner) Pods() map[string]PodState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]PodState{}
	for _, pr := range r.pods {
		ns, name, _ := strings.Cut(pr.key, "/")
		st := PodState{Namespace: ns, Name: name, UID: pr.uid, Dir: pr.dir, Plan: pr.plan, Pids: map[string]int{}}
		select {
		case <-pr.ready:
			st.Err = pr.err
		default:
		}
		for c, p := range pr.procs {
			if !p.exited() {
				st.Pids[c] = p.pid()
			}
		}
		out[pr.key] = st
	}
	return out
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		if err := r.sync(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("listing pods failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			r.stopAll()
			return
		case <-t.C:
		}
	}
}

// sync starts the processes of Running pods not yet run and stops those
// of pods gone or terminating.
func (r *Runner) sync(ctx context.Context) error {
	pods, err := r.kube.CoreV1().Pods(r.cfg.Namespace).List(ctx, metav1.ListOptions{LabelSelector: PodSelector})
	if err != nil {
		return err
	}
	want := map[types.UID]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil && p.Status.PodIP != "" {
			want[p.UID] = p
		}
	}
	r.mu.Lock()
	var gone []*podRun
	for uid, pr := range r.pods {
		if want[uid] == nil {
			gone = append(gone, pr)
			delete(r.pods, uid)
		}
	}
	var fresh []*corev1.Pod
	for uid, p := range want {
		if r.pods[uid] == nil {
			fresh = append(fresh, p)
		}
	}
	r.mu.Unlock()
	for _, pr := range gone {
		r.stopPod(pr, "pod deleted or no longer Running")
	}
	for _, p := range fresh {
		if err := r.startPod(ctx, p); err != nil {
			r.cfg.Log.Info("pod not started yet", "pod", p.Namespace+"/"+p.Name, "reason", err.Error())
		}
	}
	return nil
}

// startPod translates the pod and, once that works, starts its
// processes in the background.
func (r *Runner) startPod(ctx context.Context, pod *corev1.Pod) error {
	cms, err := r.kube.CoreV1().ConfigMaps(pod.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	byName := map[string]*corev1.ConfigMap{}
	for i := range cms.Items {
		byName[cms.Items[i].Name] = &cms.Items[i]
	}
	all, err := r.kube.CoreV1().Pods(pod.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	svcs, err := r.kube.CoreV1().Services(pod.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	dirName := fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)
	dir := filepath.Join(r.cfg.WorkDir, "pods", dirName)
	r.mu.Lock()
	jobService := r.jobService[pod.Namespace+"/"+pod.Labels[RuntimeLabel]]
	r.mu.Unlock()
	plan, err := Translate(Input{Pod: pod, ConfigMaps: byName, Names: Names(pod.Namespace, all.Items, svcs.Items), Dir: dir, JobService: jobService})
	if err != nil {
		return err
	}
	pr := &podRun{key: pod.Namespace + "/" + pod.Name, uid: pod.UID, dir: dir, plan: plan, procs: map[string]*proc{}, ready: make(chan struct{})}
	j := jvm{java: r.java, classpath: r.cp, dir: dir, heapMB: r.cfg.HeapMB}
	if err := j.prepare(plan); err != nil {
		return err
	}
	// Logs outlive the pod's folder, for a look afterwards.
	logs := filepath.Join(r.cfg.WorkDir, "logs", dirName)
	if err := os.MkdirAll(filepath.Dir(logs), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(j.logDir(), logs); err != nil && !os.IsExist(err) {
		return err
	}
	if err := ensureExec(ctx, r.dyn, pod, dir); err != nil {
		return fmt.Errorf("creating the pod's kwok Exec: %w", err)
	}
	r.mu.Lock()
	r.pods[pod.UID] = pr
	r.mu.Unlock()
	for c, why := range plan.Skipped {
		r.cfg.Log.Info("container not run", "pod", pr.key, "container", c, "reason", why)
	}
	go func() {
		defer close(pr.ready)
		pr.err = r.startProcesses(ctx, j, pr)
		if pr.err != nil {
			r.cfg.Log.Error("pod's processes did not start", "pod", pr.key, "err", pr.err)
		}
	}()
	return nil
}

func (r *Runner) startProcesses(ctx context.Context, j jvm, pr *podRun) error {
	for _, p := range pr.plan.Processes {
		if p.FormatJournal {
			if err := j.formatJournal(ctx, p); err != nil {
				return err
			}
		}
		r.mu.Lock()
		if pr.stopped {
			r.mu.Unlock()
			return errors.New("pod went before its processes started")
		}
		proc, err := j.start(p, p.MainClass)
		if err == nil {
			pr.procs[p.Container] = proc
		}
		r.mu.Unlock()
		if err != nil {
			return err
		}
		r.cfg.Log.Info("started", "pod", pr.key, "container", p.Container, "class", p.MainClass, "pid", proc.pid(), "logs", filepath.Join(j.logDir(), p.Container+".log"))
	}
	return nil
}

// stopPod ends the pod's processes (SIGTERM, SIGKILL after 10s) and
// removes its folder but its logs: its cache and journal go with it.
func (r *Runner) stopPod(pr *podRun, why string) {
	r.mu.Lock()
	pr.stopped = true
	procs := make([]*proc, 0, len(pr.procs))
	for _, p := range pr.procs {
		procs = append(procs, p)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.stop(syscall.SIGTERM, 10*time.Second)
			r.cfg.Log.Info("stopped", "pod", pr.key, "container", p.container, "pid", p.pid(), "reason", why)
		}()
	}
	wg.Wait()
	// Everything but logs/ goes, as the pod's volumes would.
	entries, _ := os.ReadDir(pr.dir)
	for _, e := range entries {
		if e.Name() != "logs" {
			_ = os.RemoveAll(filepath.Join(pr.dir, e.Name()))
		}
	}
}

func (r *Runner) stopAll() {
	r.mu.Lock()
	var all []*podRun
	for uid, pr := range r.pods {
		all = append(all, pr)
		delete(r.pods, uid)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, pr := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.stopPod(pr, "runner stopping")
		}()
	}
	wg.Wait()
}
