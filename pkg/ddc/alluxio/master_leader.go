package alluxio

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// With master.replicas > 1 Fluid runs Alluxio's masters as an embedded
// journal quorum, pods <name>-master-0 .. -N-1, any of which may lead.
// Only the leading master knows the workers: a standby answers none of
// the REST calls (Alluxio 2.9 binds a standby's web port to a server that
// rejects every connection unless alluxio.standby.master.web.enabled),
// and one that does answer lists no workers (they register with the
// leader only). So every master is asked, and the one that answers
// listing the most workers is taken for the leader; CLI commands run in
// its pod too (the CLI finds the leader itself from any master).

// masterPods lists the runtime's master pods that exist, ordinal order:
// the one the caller read (ordinal 0), then the others master.replicas
// says there are.
func (r *Reconciler) masterPods(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, first *corev1.Pod) ([]*corev1.Pod, error) {
	var pods []*corev1.Pod
	if first != nil {
		pods = append(pods, first)
	}
	reader := client.Reader(r.Client)
	if r.FluidReader != nil {
		reader = r.FluidReader
	}
	for i := int32(1); i < rt.Spec.Master.Replicas; i++ {
		pod := &corev1.Pod{}
		err := reader.Get(ctx, client.ObjectKey{Namespace: rt.Namespace, Name: fmt.Sprintf("%s-%d", masterName(rt), i)}, pod)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return pods, fmt.Errorf("read master pod %s-%d: %w", masterName(rt), i, err)
		}
		pods = append(pods, pod)
	}
	return pods, nil
}

// masterAnswer is what one master pod said.
type masterAnswer struct {
	pod  *corev1.Pod
	conn operations.Interface
	info *operations.ClusterInfo
	err  error
}

// leadingMaster asks every master pod and returns the leader's answer:
// of those that answered, the one listing the most workers (live or
// lost), the lowest ordinal on a tie. With none answering, the error
// names each master's failure.
func (r *Reconciler) leadingMaster(ctx context.Context, rt *datav1alpha1.AlluxioRuntime, pods []*corev1.Pod) (masterAnswer, error) {
	answers := make([]masterAnswer, len(pods))
	ask := func(i int) {
		a := masterAnswer{pod: pods[i]}
		a.conn, a.err = r.Alluxio.Connect(ctx, rt, pods[i])
		if a.err == nil {
			a.info, a.err = a.conn.Observe(ctx)
		}
		answers[i] = a
	}
	if len(pods) == 1 {
		ask(0)
	} else {
		done := make(chan int, len(pods))
		for i := range pods {
			go func() { ask(i); done <- i }()
		}
		for range pods {
			<-done
		}
	}
	best := -1
	var errs []error
	for i, a := range answers {
		switch {
		case a.err != nil:
			errs = append(errs, fmt.Errorf("master pod %s: %w", a.pod.Name, a.err))
		case best < 0 || workersKnown(a.info) > workersKnown(answers[best].info):
			best = i
		}
	}
	if best < 0 {
		if len(errs) == 1 {
			return masterAnswer{}, errors.Unwrap(errs[0])
		}
		return masterAnswer{}, fmt.Errorf("no Alluxio master answered (a standby refuses; the leader may be changing): %w", errors.Join(errs...))
	}
	return answers[best], nil
}

func workersKnown(info *operations.ClusterInfo) int { return len(info.Live) + len(info.Lost) }
