package stack

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio"
	"github.com/fluid-drain/fluid-drain/test/e2e/cluster"
)

// Scheme knows the core types, AlluxioRuntime and Kruise's StatefulSet.
func Scheme() *runtime.Scheme { return alluxio.Scheme() }

// WorkerWebPort is the workers' web port (Alluxio's default): each worker
// pod serves on its own IP.
const WorkerWebPort = 30000

// RuntimeOptions shape an AlluxioRuntime for the local cluster.
type RuntimeOptions struct {
	Namespace, Name string
	Replicas        int32
	// MasterRPCPort and MasterWebPort: the master runs under HostNetwork
	// on the master node, so its web port (where the emulator's master
	// listens) must be free there.
	MasterRPCPort, MasterWebPort int
	RefreshInterval              time.Duration // alluxio.user.worker.list.refresh.interval
	QuietPeriod, PollInterval    time.Duration
	DrainTimeout                 time.Duration
	OnDrainTimeout               datav1alpha1.DrainTimeoutAction
}

// Runtime builds the runtime: master on the master node under
// HostNetwork (its address is the node's IP), workers on the worker nodes
// under ContainerNetwork (each its own pod IP).
func Runtime(o RuntimeOptions) *datav1alpha1.AlluxioRuntime {
	rt := &datav1alpha1.AlluxioRuntime{}
	rt.Namespace, rt.Name = o.Namespace, o.Name
	rt.Spec.Replicas = o.Replicas
	rt.Spec.AlluxioVersion = datav1alpha1.VersionSpec{Image: "alluxio/alluxio", ImageTag: "2.10.0", ImagePullPolicy: corev1.PullIfNotPresent}
	rt.Spec.Properties = map[string]string{
		"alluxio.user.worker.list.refresh.interval": o.RefreshInterval.String(),
		"alluxio.user.file.writetype.default":       "CACHE_THROUGH",
	}
	rt.Spec.Master = datav1alpha1.AlluxioCompTemplateSpec{
		NetworkMode:  datav1alpha1.HostNetworkMode,
		NodeSelector: map[string]string{cluster.MasterNodeLabel: "true"},
		Ports:        map[string]int{"rpc": o.MasterRPCPort, "web": o.MasterWebPort},
	}
	rt.Spec.Worker = datav1alpha1.AlluxioCompTemplateSpec{
		NetworkMode:  datav1alpha1.ContainerNetworkMode,
		NodeSelector: map[string]string{cluster.WorkerNodeLabel: "true"},
		Ports:        map[string]int{"rpc": 29999, "web": WorkerWebPort},
	}
	rt.Spec.ScaleIn = datav1alpha1.ScaleInPolicy{OnDrainTimeout: o.OnDrainTimeout}
	if o.QuietPeriod > 0 {
		rt.Spec.ScaleIn.QuietPeriod = duration(o.QuietPeriod)
	}
	if o.PollInterval > 0 {
		rt.Spec.ScaleIn.PollInterval = duration(o.PollInterval)
	}
	if o.DrainTimeout > 0 {
		rt.Spec.ScaleIn.DrainTimeout = duration(o.DrainTimeout)
	}
	return rt
}

// RuntimeEvents lists the events about the runtime, oldest first.
func RuntimeEvents(ctx context.Context, c client.Client, rt *datav1alpha1.AlluxioRuntime) ([]corev1.Event, error) {
	list := &corev1.EventList{}
	if err := c.List(ctx, list, client.InNamespace(rt.Namespace)); err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == "AlluxioRuntime" && e.InvolvedObject.Name == rt.Name {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return EventTime(out[i]).Before(EventTime(out[j])) })
	return out, nil
}

// EventTime is when the event (last) happened.
func EventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// Describe prints the runtime the way `kubectl describe alluxioruntime`
// would show what matters here: spec and status replicas, conditions,
// status.scaleIn and its victims, and events.
func Describe(ctx context.Context, w io.Writer, c client.Client, rt *datav1alpha1.AlluxioRuntime) error {
	fresh := &datav1alpha1.AlluxioRuntime{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(rt), fresh); err != nil {
		return err
	}
	rt = fresh
	now := time.Now()
	fmt.Fprintf(w, "Name:         %s\nNamespace:    %s\nAPI Version:  %s\nKind:         AlluxioRuntime\n", rt.Name, rt.Namespace, datav1alpha1.GroupVersion)
	fmt.Fprintf(w, "Spec:\n  Replicas:   %d\n  Scale In:   drainTimeout=%s onDrainTimeout=%s pollInterval=%s quietPeriod=%s\n",
		rt.Spec.Replicas, durStr(rt.Spec.ScaleIn.DrainTimeout), orDefault(string(rt.Spec.ScaleIn.OnDrainTimeout)),
		durStr(rt.Spec.ScaleIn.PollInterval), durStr(rt.Spec.ScaleIn.QuietPeriod))
	st := rt.Status
	fmt.Fprintf(w, "Status:\n  Worker Number Ready:  %d\n", st.WorkerNumberReady)
	fmt.Fprintf(w, "  Conditions:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "    Type\tStatus\tReason\tLast Transition\tMessage\n")
	fmt.Fprintf(tw, "    ----\t------\t------\t---------------\t-------\n")
	for _, cond := range st.Conditions {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", cond.Type, cond.Status, cond.Reason, cond.LastTransitionTime.Format("15:04:05"), cond.Message)
	}
	tw.Flush()
	if si := st.ScaleIn; si != nil {
		fmt.Fprintf(w, "  Scale In:\n    From Replicas:    %d\n    Target Replicas:  %d\n", si.FromReplicas, si.TargetReplicas)
		if si.StartTime != nil {
			fmt.Fprintf(w, "    Start Time:       %s\n", si.StartTime.Format(time.RFC3339))
		}
		if si.CompletionTime != nil {
			fmt.Fprintf(w, "    Completion Time:  %s", si.CompletionTime.Format(time.RFC3339))
			if si.StartTime != nil {
				fmt.Fprintf(w, " (took %s)", si.CompletionTime.Sub(si.StartTime.Time))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "    Victims:\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "      Pod\tState\tSince\tMessage\n")
		fmt.Fprintf(tw, "      ---\t-----\t-----\t-------\n")
		for _, v := range si.Victims {
			since := ""
			if v.Since != nil {
				since = v.Since.Format("15:04:05")
			}
			fmt.Fprintf(tw, "      %s\t%s\t%s\t%s\n", v.Pod, v.State, since, v.Message)
		}
		tw.Flush()
	}
	events, err := RuntimeEvents(ctx, c, rt)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Events:\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  Type\tReason\tAge\tFrom\tMessage\n")
	fmt.Fprintf(tw, "  ----\t------\t---\t----\t-------\n")
	for _, e := range events {
		from := e.ReportingController
		if from == "" {
			from = e.Source.Component
		}
		msg := e.Message
		if e.Series != nil && e.Series.Count > 1 {
			msg += fmt.Sprintf(" (x%d)", e.Series.Count)
		} else if e.Count > 1 {
			msg += fmt.Sprintf(" (x%d)", e.Count)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.Type, e.Reason, now.Sub(EventTime(e)).Round(time.Second), from, msg)
	}
	return tw.Flush()
}

func duration(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func durStr(d *metav1.Duration) string {
	if d == nil {
		return "(default)"
	}
	return d.Duration.String()
}

func orDefault(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}
