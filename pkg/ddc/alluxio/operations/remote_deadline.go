package operations

import (
	"context"
	"math"
	"strconv"
	"time"
)

// A command run through pods/exec keeps running in the container when
// the controller closes its stream: the kubelet does not kill it. So the
// container is told the command's own deadline: argv runs under
// coreutils' `timeout`, which, past the deadline, sends TERM to the
// command's whole process group (the `alluxio` script and its JVM), then
// KILL remoteKillAfter later. A command is thereby never left running in
// the master for longer than the controller's interest in it, plus at
// most remoteDeadlineSlack and remoteKillAfter.
const (
	// remoteDeadlineSlack is added to what is left of the context, so
	// that the controller, not the container, is the first to give up and
	// an abandoned command is reported as such, not as exit status 124.
	remoteDeadlineSlack = time.Second
	// remoteKillAfter is how long a command may take to stop on TERM.
	remoteKillAfter = 5 * time.Second
	// maxRemoteCommand bounds a command whose context has no deadline.
	maxRemoteCommand = 15 * time.Minute
)

// withRemoteDeadline wraps argv so that it ends inside the container no
// later than ctx's deadline (maxRemoteCommand when there is none).
func withRemoteDeadline(ctx context.Context, now time.Time, argv []string) []string {
	limit := maxRemoteCommand
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, deadline.Sub(now))
	}
	secs := max(1, int64(math.Ceil((limit + remoteDeadlineSlack).Seconds())))
	wrapped := []string{"timeout", "-k", strconv.Itoa(int(remoteKillAfter.Seconds())), strconv.FormatInt(secs, 10)}
	return append(wrapped, argv...)
}

// remoteSeconds is the command's time limit in the container, in whole
// seconds: what is left of ctx (at most maxRemoteCommand) and the slack.
func remoteSeconds(ctx context.Context, now time.Time) int64 {
	limit := maxRemoteCommand
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, deadline.Sub(now))
	}
	return max(1, int64(math.Ceil((limit + remoteDeadlineSlack).Seconds())))
}

// runsUntil is the latest a command started at start under ctx may still
// run in the container after the controller abandoned it.
func (e *PodExecutor) runsUntil(ctx context.Context, start time.Time) time.Time {
	return start.Add(time.Duration(remoteSeconds(ctx, start))*time.Second + remoteKillAfter)
}
