package operations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// httpStatusError is a non-200 answer; WorkerActivity inspects the code
// to tell an old Alluxio (404) from a failing one.
type httpStatusError struct {
	url        string
	statusCode int
	body       string
	// location is the Location header of a redirect, which is never
	// followed (see NewHTTPClient).
	location string
}

func (e *httpStatusError) Error() string {
	if e.location != "" {
		return fmt.Sprintf("GET %s answered %d %s redirecting to %q: redirects are not followed, Alluxio's REST API never redirects: check that the address is the Alluxio web port", e.url, e.statusCode, http.StatusText(e.statusCode), e.location)
	}
	return fmt.Sprintf("GET %s answered %d %s: %s", e.url, e.statusCode, http.StatusText(e.statusCode), e.body)
}

func (e *httpStatusError) Unwrap() error { return ErrBadResponse }

// getJSON GETs url and decodes its JSON body into out. It reads at most
// maxBytes of the body, so a broken or hostile endpoint streaming without
// end is cut off with an error rather than read into memory.
//
// unreachable is wrapped when the request could not be made or timed out,
// so callers can tell "down" from "answered wrongly" (ErrBadResponse).
func getJSON(ctx context.Context, client *http.Client, url string, maxBytes int64, unreachable error, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request GET %s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %s: %w", url, describeTransportError(err), unreachable)
	}
	defer func() { _ = resp.Body.Close() }()

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: reading the answer failed (%s): %w", url, describeTransportError(err), unreachable)
	}
	if int64(len(body)) > maxBytes {
		return fmt.Errorf("GET %s: answer larger than %d bytes, stopped reading: %w", url, maxBytes, ErrBadResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return &httpStatusError{url: url, statusCode: resp.StatusCode, body: snippet(body), location: resp.Header.Get("Location")}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: %s: %w", url, describeJSONError(err), ErrBadResponse)
	}
	return nil
}

func describeTransportError(err error) string {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return "timed out (check that the address and port are reachable from the controller): " + err.Error()
	}
	return err.Error()
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("field %q holds a JSON %s, want %s as Alluxio sends it", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("answer is not valid JSON (at byte %d): %v", syntaxErr.Offset, err)
	}
	return "answer is not the JSON Alluxio sends: " + err.Error()
}

// snippet keeps error messages short when a server answers with a page.
func snippet(body []byte) string {
	const max = 256
	body = bytes.TrimSpace(body)
	if len(body) > max {
		return string(body[:max]) + "..."
	}
	return string(body)
}
