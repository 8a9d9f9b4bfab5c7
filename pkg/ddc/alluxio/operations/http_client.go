package operations

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// NewHTTPClient returns the client the controller uses for Alluxio's REST
// APIs. The addresses it dials come from pod status and from what a
// runtime's image serves, so it trusts neither:
//   - redirects are never followed (a redirecting server could point the
//     controller's requests at any address, e.g. a cloud metadata
//     endpoint); the 3xx answer is returned and reported as a bad answer;
//   - no proxy is taken from the environment (HTTP_PROXY, NO_PROXY): the
//     controller talks to pod and node IPs directly, and a proxy would see
//     or redirect that traffic.
//
// timeout bounds each request (DefaultHTTPTimeout when <= 0).
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     sharedDirectTransport(),
		CheckRedirect: refuseRedirect,
	}
}

// hardenHTTPClient returns a copy of c with the rules of NewHTTPClient: no
// redirect followed and, when its transport is an *http.Transport or the
// default one, no proxy. A nil c gives NewHTTPClient(0).
func hardenHTTPClient(c *http.Client) *http.Client {
	if c == nil {
		return NewHTTPClient(0)
	}
	hc := *c
	hc.CheckRedirect = refuseRedirect
	switch t := hc.Transport.(type) {
	case nil:
		hc.Transport = sharedDirectTransport()
	case *http.Transport:
		if t.Proxy != nil {
			hc.Transport = withoutProxy(t)
		}
	}
	return &hc
}

// A Client is made per runtime and reconcile: the transports that replace
// a default or proxied one are made once and shared, so connections are
// reused and none is left idle per call.
var (
	sharedDirectTransport = sync.OnceValue(newDirectTransport)
	unproxied             sync.Map // *http.Transport -> its clone without proxy
)

func withoutProxy(t *http.Transport) *http.Transport {
	if c, ok := unproxied.Load(t); ok {
		return c.(*http.Transport)
	}
	c := t.Clone()
	c.Proxy = nil
	actual, _ := unproxied.LoadOrStore(t, c)
	return actual.(*http.Transport)
}

// refuseRedirect makes the client return a 3xx answer as it is.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newDirectTransport is http.DefaultTransport's settings without a proxy.
func newDirectTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     false,
	}
}
