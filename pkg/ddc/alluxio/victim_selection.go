package alluxio

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
	"github.com/fluid-drain/fluid-drain/pkg/drainfsm"
)

// chooseLeaving returns the ordinals that must leave for the worker set to
// go from current to target workers, given the victims already chosen.
//
// A native StatefulSet can only lose its highest ordinals. A workload that
// can remove any pod keeps the victims already chosen (most recently
// chosen are let go first when fewer are needed), then picks pods
// annotated data.fluid.io/scale-in-victim=true, then pods that are not
// Ready (they hold little or no cache), then by victimSelection.
func chooseLeaving(rt *datav1alpha1.AlluxioRuntime, anyPod bool, pods []victim, current, target int32, cached map[string]int64) []int32 {
	need := int(current - target)
	if need <= 0 {
		return nil
	}
	if !anyPod {
		var out []int32
		for o := target; o < current; o++ {
			out = append(out, o)
		}
		return out
	}

	var chosen, candidates []victim
	for _, v := range pods {
		switch {
		case v.deleting() && v.state == "":
			// Leaving anyway, not by our choice.
		case v.state != "" && v.state != drainfsm.Cancelled:
			chosen = append(chosen, v)
		default:
			candidates = append(candidates, v)
		}
	}
	// Keep the earliest chosen: they are furthest along.
	slices.SortStableFunc(chosen, func(a, b victim) int { return a.since.Compare(b.since) })
	if len(chosen) > need {
		chosen = chosen[:need]
	}
	slices.SortStableFunc(candidates, func(a, b victim) int {
		return compareCandidates(rt, a, b, cached)
	})
	for _, v := range candidates {
		if len(chosen) >= need {
			break
		}
		chosen = append(chosen, v)
	}
	out := make([]int32, 0, len(chosen))
	for _, v := range chosen {
		out = append(out, v.ordinal)
	}
	slices.Sort(out)
	return out
}

// compareCandidates orders pods by how good a victim each is: <0 when a
// should leave before b.
func compareCandidates(rt *datav1alpha1.AlluxioRuntime, a, b victim, cached map[string]int64) int {
	if d := boolRank(b.pod.Annotations[datav1alpha1.ScaleInVictimAnnotation] == "true") - boolRank(a.pod.Annotations[datav1alpha1.ScaleInVictimAnnotation] == "true"); d != 0 {
		return d
	}
	if d := boolRank(!podReady(b.pod)) - boolRank(!podReady(a.pod)); d != 0 {
		return d
	}
	if rt.Spec.ScaleIn.VictimSelection == datav1alpha1.LeastCached {
		ca, cb := cached[a.pod.Name], cached[b.pod.Name]
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return int(b.ordinal - a.ordinal) // highest ordinal first
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// cachedBytesByPod maps worker pods to the bytes the master says they
// cache, for LeastCached.
func cachedBytesByPod(pods []victim, info *operations.ClusterInfo) map[string]int64 {
	if info == nil {
		return nil
	}
	out := map[string]int64{}
	for _, v := range pods {
		if w, ok := operations.FindWorker(info.Live, v.obs.addr); ok && v.obs.addrErr == "" {
			out[v.name()] = w.UsedBytes
		}
	}
	return out
}
