package kubectlplugin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/kubernetes"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// Force sets the force annotation on a leaving worker's pod, after asking
// on in/out unless yes: the controller then lets it go without waiting for
// its drain. A pod that is not leaving is refused (the annotation would
// let the drain guard pass a later delete of a worker never drained).
func Force(ctx context.Context, kube kubernetes.Interface, namespace, pod string, yes bool, in io.Reader, out io.Writer, now time.Time) error {
	p, err := kube.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("no pod %q in namespace %q", pod, namespace)
	}
	if err != nil {
		return err
	}
	state := p.Annotations[datav1alpha1.ScaleInStateAnnotation]
	switch {
	case state == "":
		return fmt.Errorf("pod %s/%s is not leaving in a scale-in (it has no %s annotation): there is nothing to force", namespace, pod, datav1alpha1.ScaleInStateAnnotation)
	case drainfsm.State(state) == drainfsm.Scaled || drainfsm.State(state) == drainfsm.Cancelled:
		return fmt.Errorf("pod %s/%s is %s: its scale-in is over, there is nothing to force", namespace, pod, state)
	case p.Annotations[datav1alpha1.ScaleInForceAnnotation] == "true":
		fmt.Fprintf(out, "pod %s/%s is already forced (%s=true).\n", namespace, pod, datav1alpha1.ScaleInForceAnnotation)
		return nil
	}
	for_ := ""
	if raw := p.Annotations[datav1alpha1.ScaleInSinceAnnotation]; raw != "" {
		if t, err := time.Parse(time.RFC3339, raw); err == nil {
			for_ = " for " + duration.HumanDuration(now.Sub(t))
		}
	}
	fmt.Fprintf(out, "Pod %s/%s is %s%s.\n", namespace, pod, state, for_)
	if !yes {
		fmt.Fprintln(out, "Forcing lets this worker leave now, without waiting for its drain: clients still reading from it fail over to other workers or the under store, and data it holds that is not persisted may be lost.")
		fmt.Fprintf(out, "Force %s out? [y/N]: ", pod)
		answer, _ := bufio.NewReader(in).ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
		default:
			return fmt.Errorf("not forced: %s was not confirmed (answer y, or pass --yes)", pod)
		}
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations":     map[string]string{datav1alpha1.ScaleInForceAnnotation: "true"},
		"resourceVersion": p.ResourceVersion,
	}})
	if err != nil {
		return err
	}
	if _, err := kube.CoreV1().Pods(namespace).Patch(ctx, pod, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		if apierrors.IsConflict(err) {
			return fmt.Errorf("pod %s/%s changed while you were asked (its scale-in moved on): run the command again to see its state", namespace, pod)
		}
		return err
	}
	fmt.Fprintf(out, "pod/%s annotated %s=true: fluid-drain lets it leave at its next look at the scale-in.\n", pod, datav1alpha1.ScaleInForceAnnotation)
	return nil
}
