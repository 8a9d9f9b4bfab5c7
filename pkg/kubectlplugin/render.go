package kubectlplugin

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// Render writes what `kubectl fluid-drain status` shows: per runtime, the
// scale-in summary, its condition, and one line per leaving worker with
// its state, how long it has been in it, and what it waits for.
func Render(w io.Writer, statuses []RuntimeStatus, now time.Time) error {
	if len(statuses) == 0 {
		_, err := fmt.Fprintln(w, "No AlluxioRuntimes found.")
		return err
	}
	for i, st := range statuses {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "AlluxioRuntime %s/%s\n", st.Namespace, st.Name)
		s := st.Summary
		switch {
		case s == nil:
			fmt.Fprintln(w, "  Scale-in:   none recorded")
		default:
			line := fmt.Sprintf("  Scale-in:   %d → %d workers", s.FromReplicas, s.TargetReplicas)
			if s.StartTime != nil {
				line += ", started " + ago(s.StartTime.Time, now)
			}
			if s.CompletionTime != nil {
				line += ", completed " + ago(s.CompletionTime.Time, now)
			} else {
				line += ", in progress"
			}
			fmt.Fprintln(w, line)
			where := string(st.Source)
			if st.MasterPod != "" {
				where += " on pod " + st.MasterPod
			}
			fmt.Fprintf(w, "  Recorded:   %s\n", where)
		}
		if c := st.Condition; c != nil {
			line := fmt.Sprintf("  Condition:  %s=%s", c.Type, c.Status)
			if c.Reason != "" {
				line += " (" + c.Reason + ")"
			}
			if c.Message != "" {
				line += ": " + c.Message
			}
			fmt.Fprintln(w, line)
		}
		if len(st.Victims) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  POD\tSTATE\tFOR\tREASON")
		for _, v := range st.Victims {
			since := "-"
			if v.Since != nil {
				since = duration.HumanDuration(now.Sub(*v.Since))
			}
			reason := oneLine(v.Message)
			if v.Forced {
				reason = strings.TrimSpace("forced by a user. " + reason)
			}
			if reason == "" {
				reason = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", v.Pod, v.State, since, reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func ago(t, now time.Time) string { return duration.HumanDuration(now.Sub(t)) + " ago" }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
