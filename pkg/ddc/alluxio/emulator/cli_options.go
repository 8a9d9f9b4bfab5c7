package emulator

import (
	"fmt"
	"strings"
)

// optionSpec describes one option the way Apache commons-cli (which
// Alluxio's shell uses) is told about it.
type optionSpec struct {
	short    string // "a" for -a; may be empty
	long     string // "addresses" for --addresses (and -addresses)
	hasArg   bool
	required bool
}

// parsedOptions are the options found on a command line, by long name
// (or short name when there is none), and the remaining arguments.
type parsedOptions struct {
	values map[string]string
	set    []string // option names in the order given
	args   []string
}

func (p parsedOptions) has(name string) bool { _, ok := p.values[name]; return ok }

// parseOptions reads args as commons-cli's DefaultParser does: -a v,
// -av, --addresses v, --addresses=v, and single-dash long names such as
// -live. Every value is kept as data; nothing is interpreted further.
func parseOptions(specs []optionSpec, args []string) (parsedOptions, error) {
	p := parsedOptions{values: map[string]string{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			p.args = append(p.args, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			p.args = append(p.args, arg)
			continue
		}
		spec, inline, ok := matchOption(specs, arg)
		if !ok {
			return p, fmt.Errorf("Unrecognized option: %s", arg)
		}
		name := spec.name()
		value := ""
		if spec.hasArg {
			switch {
			case inline != "":
				value = inline
			case i+1 < len(args):
				i++
				value = args[i]
			default:
				return p, fmt.Errorf("Missing argument for option: %s", name)
			}
		}
		p.values[name] = value
		p.set = append(p.set, name)
	}
	for _, spec := range specs {
		if spec.required && !p.has(spec.name()) {
			return p, fmt.Errorf("Missing required option: %s", spec.displayName())
		}
	}
	return p, nil
}

func (s optionSpec) name() string {
	if s.long != "" {
		return s.long
	}
	return s.short
}

func (s optionSpec) displayName() string {
	if s.short != "" {
		return s.short
	}
	return s.long
}

// matchOption finds the spec arg names, and a value given inline
// (--name=value or -avalue).
func matchOption(specs []optionSpec, arg string) (optionSpec, string, bool) {
	body := strings.TrimLeft(arg, "-")
	name, inline, hasInline := strings.Cut(body, "=")
	for _, s := range specs {
		if (s.long != "" && name == s.long) || (s.short != "" && name == s.short) {
			if hasInline && !s.hasArg {
				return optionSpec{}, "", false
			}
			return s, inline, true
		}
	}
	// -avalue: a short option with its value attached.
	if !strings.HasPrefix(arg, "--") && len(body) > 1 {
		for _, s := range specs {
			if s.short != "" && s.hasArg && strings.HasPrefix(body, s.short) {
				return s, body[len(s.short):], true
			}
		}
	}
	return optionSpec{}, "", false
}
