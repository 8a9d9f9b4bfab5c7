package emulator

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes of the emulated CLI besides decommissionWorker's own.
const (
	// exitShellError is Java's `return -1` from AbstractShell: unknown
	// fsadmin command, bad arguments, or an exception in a command.
	exitShellError = 255
	// exitLauncherError is bin/alluxio's exit for no or an unknown command.
	exitLauncherError = 1
	// exitInterrupted: the caller's context ended (the shim was killed).
	exitInterrupted = 130
)

// fsadminCommand is one `alluxio fsadmin` subcommand.
type fsadminCommand struct {
	usage string
	// since2_10 marks commands that came with Alluxio 2.10.
	since2_10 bool
	// options lists the command's options for this cluster's version.
	options func(cfg Config) []optionSpec
	// takesArgs: positional arguments are allowed (report's category).
	takesArgs bool
	// run is nil for commands Alluxio has but the emulator does not.
	run func(c *Cluster, ctx context.Context, opts parsedOptions, stdout, stderr io.Writer) int
}

var decommissionOptions = []optionSpec{
	{short: "a", long: "addresses", hasArg: true, required: true},
	{short: "w", long: "wait", hasArg: true},
	{short: "d", long: "disable"},
}

var enableOptions = []optionSpec{
	{short: "a", long: "addresses", hasArg: true, required: true},
}

func fixedOptions(specs []optionSpec) func(Config) []optionSpec {
	return func(Config) []optionSpec { return specs }
}

// fsadminCommands lists Alluxio's fsadmin commands, so that usage text
// and "unknown command" answers look like Alluxio's.
var fsadminCommands = map[string]fsadminCommand{
	"backup":       {usage: "backup [directory] [--local] [--allow-leader] [--bypass-delegation]"},
	"doctor":       {usage: "doctor [category]"},
	"getBlockInfo": {usage: "getBlockInfo [blockId]"},
	"journal":      {usage: "journal [checkpoint] [quorum]"},
	"metrics":      {usage: "metrics [clear]"},
	"pathConf":     {usage: "pathConf [add] [show] [list] [remove]"},
	"report": {usage: "report [category] [category args]",
		options: reportOptions, takesArgs: true, run: (*Cluster).reportCmd},
	"statelock":  {usage: "statelock"},
	"ufs":        {usage: "ufs [--mode <noAccess/readOnly/readWrite>] <ufsPath>"},
	"updateConf": {usage: "updateConf key1=val1 [key2=val2 ...]"},
	"decommissionWorker": {usage: "decommissionWorker --addresses <workerHosts> [--wait waitTime] [--disable]",
		since2_10: true, options: fixedOptions(decommissionOptions), run: (*Cluster).decommissionWorkerCmd},
	"enableWorker": {usage: "enableWorker --addresses <workerHosts>",
		since2_10: true, options: fixedOptions(enableOptions), run: (*Cluster).enableWorkerCmd},
}

// RunCLI runs `alluxio <args...>` against the cluster, writing what
// Alluxio would print and returning its exit code. Arguments are only
// ever data: nothing is executed. When ctx ends (the caller was killed)
// a blocking command stops and RunCLI returns 130; what the master
// already did (a decommission) stays done, as with the real CLI.
func (c *Cluster) RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	code := c.runCLI(ctx, args, stdout, stderr)
	c.mu.Lock()
	c.record(Event{Kind: EventCLI, Detail: fmt.Sprintf("alluxio %s: exit %d", strings.Join(quoteAll(args), " "), code)})
	c.mu.Unlock()
	return code
}

func (c *Cluster) runCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printLauncherUsage(stdout)
		return exitLauncherError
	}
	if f, ok := c.takeCLIFault(commandWord(args)); ok {
		fmt.Fprintf(stderr, "emulated failure of %q: exit %d\n", commandWord(args), f.ExitCode)
		return f.ExitCode
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, c.cfg.Version)
		return 0
	case "fsadmin":
		return c.runFsadmin(ctx, args[1:], stdout, stderr)
	case "fs":
		return c.runFs(ctx, args[1:], stdout, stderr)
	case "format", "formatJournal", "formatMasters", "formatWorker", "fsadmin-old", "getConf",
		"job", "logLevel", "runClass", "runTest", "runTests", "table", "validateConf", "validateEnv":
		fmt.Fprintf(stderr, "alluxio %s is not emulated by the fluid-drain Alluxio emulator\n", args[0])
		return exitShellError
	default:
		fmt.Fprintf(stderr, "Unsupported command %s\n", args[0])
		printLauncherUsage(stdout)
		return exitLauncherError
	}
}

func (c *Cluster) runFsadmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		c.printFsadminUsage(stdout)
		return exitShellError
	}
	cmd, ok := fsadminCommands[args[0]]
	if !ok || (cmd.since2_10 && !c.cfg.hasDecommission()) {
		// AbstractShell.run: unknown command (stderr), usage (stdout), return -1.
		fmt.Fprintf(stderr, "%s is an unknown command.\n", args[0])
		c.printFsadminUsage(stdout)
		return exitShellError
	}
	if cmd.run == nil {
		fmt.Fprintf(stderr, "alluxio fsadmin %s is not emulated by the fluid-drain Alluxio emulator\n", args[0])
		return exitShellError
	}
	opts, err := parseOptions(cmd.options(c.cfg), args[1:])
	if err == nil && !cmd.takesArgs && len(opts.args) > 0 {
		err = fmt.Errorf("Command %s takes 0 arguments, not %d", args[0], len(opts.args))
	}
	if err != nil {
		fmt.Fprintf(stdout, "Unable to parse input args: %s\n", err)
		fmt.Fprintf(stdout, "Usage: %s\n", cmd.usage)
		return exitShellError
	}
	return cmd.run(c, ctx, opts, stdout, stderr)
}

func (c *Cluster) printFsadminUsage(w io.Writer) {
	names := make([]string, 0, len(fsadminCommands))
	for name, cmd := range fsadminCommands {
		if !cmd.since2_10 || c.cfg.hasDecommission() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Usage: alluxio fsadmin [generic options]")
	for _, name := range names {
		fmt.Fprintf(w, "%-60s\n", "\t ["+fsadminCommands[name].usage+"]")
	}
}

func printLauncherUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: alluxio COMMAND [GENERIC_COMMAND_OPTIONS] [COMMAND_ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "COMMAND is one of:")
	fmt.Fprintln(w, "fs                       \t Command line tool for interacting with the Alluxio filesystem.")
	fmt.Fprintln(w, "fsadmin                  \t Command line tool for use by Alluxio filesystem admins.")
	fmt.Fprintln(w, "version                  \t Print Alluxio version and exit.")
}

// commandWord names the command for FaultCLIExitCode: the word after
// fsadmin, or the top-level command.
func commandWord(args []string) string {
	if len(args) > 1 && args[0] == "fsadmin" {
		return args[1]
	}
	if len(args) > 0 {
		return args[0]
	}
	return ""
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = fmt.Sprintf("%q", a)
	}
	return out
}
