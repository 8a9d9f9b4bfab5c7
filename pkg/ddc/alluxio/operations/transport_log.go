package operations

import (
	"context"

	"github.com/go-logr/logr"
)

// quietTransportLog returns ctx with its logger's Error lines turned into
// Info lines at verbosity 1. client-go's exec stream logs its transport's
// hiccups through the context's logger at Error (a websocket heartbeat
// ping racing the stream's close is routine), while the exec's outcome is
// returned to the caller, which decides whether a human must look. Left
// as they are, these lines make a normal drain wait look like a failure.
func quietTransportLog(ctx context.Context) context.Context {
	l, err := logr.FromContext(ctx)
	if err != nil || l.GetSink() == nil {
		return ctx
	}
	return logr.NewContext(ctx, logr.New(errorsAsDetail{l.GetSink()}))
}

// errorsAsDetail forwards everything but turns Error into Info(1).
type errorsAsDetail struct{ logr.LogSink }

func (s errorsAsDetail) Error(err error, msg string, keysAndValues ...any) {
	if s.LogSink.Enabled(1) {
		s.LogSink.Info(1, msg, append(keysAndValues, "error", err)...)
	}
}

func (s errorsAsDetail) WithValues(keysAndValues ...any) logr.LogSink {
	return errorsAsDetail{s.LogSink.WithValues(keysAndValues...)}
}

func (s errorsAsDetail) WithName(name string) logr.LogSink {
	return errorsAsDetail{s.LogSink.WithName(name)}
}
