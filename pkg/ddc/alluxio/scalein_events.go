package alluxio

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// noteLimit is the longest note the API server accepts on an event
// (events.k8s.io/v1 validation).
const noteLimit = 1024

// victimEvent is one thing a reconcile tells about one or more victims.
type victimEvent struct {
	eventType, reason, note string
	victims                 []*victim
}

// event gathers what a reconcile tells about a victim; sendEvents sends
// it when the reconcile ends. Victims that took the same step with the
// same words share one event naming them all, so a runtime scaled in by
// 50 workers gets one event per step rather than 50: `kubectl describe`
// stays readable, and the API server is not kept busy while the victims
// wait on it. Each victim's own state stays on its pod.
func (s *scaleIn) event(v *victim, eventType, reason, note string, args ...any) {
	text := fmt.Sprintf(note, args...)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events {
		if e.eventType == eventType && e.reason == reason && e.note == text {
			if !slices.ContainsFunc(e.victims, func(o *victim) bool { return o.name() == v.name() }) {
				e.victims = append(e.victims, v)
			}
			return
		}
	}
	s.events = append(s.events, &victimEvent{eventType: eventType, reason: reason, note: text, victims: []*victim{v}})
}

// sendEvents sends the gathered events, in the order they first
// happened, each naming its victims highest ordinal first (as the status
// lists them), and the first one's pod as the related object. The events
// API folds events of the same object, type, reason, action and related
// object into one series that keeps the first note: without a related
// pod, the runtime's own event of the same reason (the scale-in's end,
// "scaled in from 5 to 2 workers") would be folded into the victims' and
// never shown.
func (s *scaleIn) sendEvents() {
	s.mu.Lock()
	gathered := s.events
	s.events = nil
	s.mu.Unlock()
	for _, e := range gathered {
		slices.SortFunc(e.victims, func(a, b *victim) int { return cmp.Compare(b.ordinal, a.ordinal) })
		s.r.Recorder.Eventf(s.rt, e.victims[0].pod, e.eventType, e.reason, "ScaleIn", "%s", podsNote(e.victims, e.note))
	}
}

// podsNote is "pod a: note" or "pods a, b and c: note". A list too long
// for an event names the first pods and counts the rest, and a note still
// too long is cut, since the API server refuses a longer one.
func podsNote(victims []*victim, note string) string {
	names := make([]string, len(victims))
	for i, v := range victims {
		names[i] = v.name()
	}
	n := len(names)
	if n == 1 {
		return cutNote("pod " + names[0] + ": " + note)
	}
	text := fmt.Sprintf("pods %s and %s: %s", strings.Join(names[:n-1], ", "), names[n-1], note)
	for shown := n - 1; shown > 1 && len(text) > noteLimit; shown-- {
		text = fmt.Sprintf("pods %s and %d more: %s", strings.Join(names[:shown], ", "), n-shown, note)
	}
	return cutNote(text)
}

// cutNote cuts text to noteLimit bytes, on a character boundary.
func cutNote(text string) string {
	if len(text) <= noteLimit {
		return text
	}
	cut := noteLimit - len("...")
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "..."
}
