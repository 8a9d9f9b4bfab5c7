package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/test/fluid/stack"
)

// printScaleIn prints, as they happen, each worker pod's scale-in state
// (the data.fluid.io/scale-in-state annotation fluid-drain keeps), the
// pods going, and the runtime's GracefulScaleIn condition, until ctx ends.
func printScaleIn(ctx context.Context, s *stack.Stack, rt stack.Runtime) error {
	w, err := s.Cluster.Clientset.CoreV1().Pods(rt.Namespace).Watch(ctx, metav1.ListOptions{LabelSelector: "role=alluxio-worker,release=" + rt.Name})
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		states := map[string]string{}
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			st := pod.Annotations[datav1alpha1.ScaleInStateAnnotation]
			switch {
			case ev.Type == watch.Deleted:
				say("   pod %s deleted (its worker process stops)", pod.Name)
				delete(states, pod.Name)
			case st != states[pod.Name]:
				states[pod.Name] = st
				if st != "" {
					say("   pod %s: %s", pod.Name, st)
				}
			}
		}
	}()
	go func() {
		last := ""
		for ctx.Err() == nil {
			if st, err := s.State(ctx, rt); err == nil {
				for _, c := range st.ConditionObjects {
					if c.Type != datav1alpha1.GracefulScaleInCondition {
						continue
					}
					if line := fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message); line != last {
						last = line
						say("   condition %s", line)
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return nil
}

// printTable compares the two scale-ins.
func printTable(alone, drained stack.Figures) {
	row := func(name string, f stack.Figures) string {
		return fmt.Sprintf("| %-26s | %8d | %12d | %10d | %10d | %15s |", name, f.Reads, f.FailedReads, f.Files, f.LostFiles, f.ScaleIn.Round(time.Second))
	}
	lines := []string{
		"",
		fmt.Sprintf("Scale-in 4 → 2 workers under load, Fluid %s, real Alluxio 2.9.6:", stack.FluidVersion),
		"",
		"| scale-in                   |    reads | failed reads |      files | lost files | workers gone in |",
		"|----------------------------|----------|--------------|------------|------------|-----------------|",
		row("Fluid alone", alone),
		row("Fluid with fluid-drain", drained),
		"",
	}
	fmt.Println(strings.Join(lines, "\n"))
}
