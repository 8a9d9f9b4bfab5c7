package reliability

import "strings"

// eventPods are the pods an event of the controller names: its note
// starts "pod a: " or, for victims that took the same step together,
// "pods a, b and c: ".
func eventPods(note string) []string {
	head, _, found := strings.Cut(note, ": ")
	if !found {
		return nil
	}
	if name, ok := strings.CutPrefix(head, "pod "); ok {
		return []string{name}
	}
	list, ok := strings.CutPrefix(head, "pods ")
	if !ok {
		return nil
	}
	var names []string
	for _, part := range strings.Split(list, ", ") {
		first, last, and := strings.Cut(part, " and ")
		names = append(names, first)
		if and && !strings.HasSuffix(last, " more") {
			names = append(names, last)
		}
	}
	return names
}
