package main

import (
	"context"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/emulator"
)

// A Running worker pod with an IP gets an emulated worker on that IP; the
// worker is removed once the pod is terminating, and comes back (same id)
// when a pod of that name runs at that address again.
func TestWatchWorkerPods(t *testing.T) {
	emu := emulator.New(emulator.Config{})
	defer emu.Close()
	if err := emu.StartMaster("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := fake.NewClientset()
	pw := &podWorkers{emu: emu, defaultRPC: 29999, defaultWeb: 0, out: io.Discard, running: map[string]podWorker{}}
	done := make(chan error, 1)
	go func() { done <- watchWorkerPods(ctx, cs, "ns", "data.fluid.io/component=worker", pw) }()

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "w-0", Namespace: "ns", Labels: map[string]string{"data.fluid.io/component": "worker"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "worker", Ports: []corev1.ContainerPort{{Name: "rpc", ContainerPort: 29001}}}}},
	}
	pods := cs.CoreV1().Pods("ns")
	var err error
	if pod, err = pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Pending, no IP: no worker yet.
	time.Sleep(200 * time.Millisecond)
	if n := len(emu.Workers()); n != 0 {
		t.Fatalf("%d workers for a pending pod", n)
	}

	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.5.7"}
	if pod, err = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := waitWorker(t, emu, emulator.WorkerLive)
	if w.Host != "127.0.5.7" || w.RPCPort != 29001 {
		t.Fatalf("worker %+v, want host 127.0.5.7 rpc 29001", w.Worker)
	}

	now := metav1.Now()
	pod.DeletionTimestamp = &now
	if _, err = pods.Update(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitWorker(t, emu, emulator.WorkerLost)

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func waitWorker(t *testing.T, emu *emulator.Cluster, state emulator.WorkerState) emulator.WorkerSnapshot {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ws := emu.Workers()
		if len(ws) == 1 && ws[0].State == state {
			return ws[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers %+v, want one in state %v", ws, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
