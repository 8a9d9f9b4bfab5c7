package operations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"golang.org/x/net/http/httpproxy"
)

// countingServer answers every request with status and body, and counts
// the requests it got.
func countingServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

const emptyMasterInfo = `{"version":"2.9.6","workers":[],"lostWorkers":[]}`

func TestARedirectFromAlluxioIsNotFollowed(t *testing.T) {
	g := NewWithT(t)
	elsewhere, elsewhereHits := countingServer(t, http.StatusOK, emptyMasterInfo)
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+masterInfoPath, http.StatusFound)
	}))
	t.Cleanup(master.Close)

	// Control: a default client does follow it, so the redirect is live.
	resp, err := http.Get(master.URL + masterInfoPath)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(elsewhereHits.Load()).To(BeEquivalentTo(1))

	for name, hc := range map[string]*http.Client{
		"the controller's client":        NewHTTPClient(2 * time.Second),
		"a plain client given to Config": {Timeout: 2 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			before := elsewhereHits.Load()
			c, err := NewClient(Config{MasterWebURL: master.URL, Executor: &fakeExecutor{}, HTTPClient: hc})
			g.Expect(err).NotTo(HaveOccurred())

			_, err = c.Observe(context.Background())

			g.Expect(err).To(MatchError(ErrBadResponse))
			g.Expect(err.Error()).To(ContainSubstring("302"))
			g.Expect(err.Error()).To(ContainSubstring("redirects are not followed"))
			g.Expect(err.Error()).To(ContainSubstring(elsewhere.URL))
			g.Expect(elsewhereHits.Load()).To(Equal(before), "the redirect target was contacted")
		})
	}
}

func TestAProxyFromTheEnvironmentIsIgnored(t *testing.T) {
	g := NewWithT(t)
	proxy, proxyHits := countingServer(t, http.StatusOK, emptyMasterInfo)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	// Not a loopback name: proxies are never used for loopback, so that
	// would prove nothing. ".invalid" never resolves.
	const masterURL = "http://alluxio-master.invalid:19999"

	// Control: a transport that reads the environment goes to the proxy,
	// which answers as a master would.
	fromEnv := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: func(r *http.Request) (*url.URL, error) {
		return httpproxy.FromEnvironment().ProxyFunc()(r.URL)
	}}}
	resp, err := fromEnv.Get(masterURL + masterInfoPath)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(proxyHits.Load()).To(BeEquivalentTo(1))

	for name, hc := range map[string]*http.Client{
		"the controller's client":                  NewHTTPClient(2 * time.Second),
		"a client with the default transport":      {Timeout: 2 * time.Second},
		"a client whose transport reads the proxy": fromEnv,
		"no client (the default)":                  nil,
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			before := proxyHits.Load()
			c, err := NewClient(Config{MasterWebURL: masterURL, Executor: &fakeExecutor{}, HTTPClient: hc})
			g.Expect(err).NotTo(HaveOccurred())

			_, err = c.Observe(context.Background())

			g.Expect(err).To(MatchError(ErrMasterUnreachable), "the master's name does not resolve; only a proxy could have answered")
			g.Expect(proxyHits.Load()).To(Equal(before), "the request went through HTTP_PROXY")
		})
	}
}

func TestAnExplicitProxyOnAGivenTransportIsDropped(t *testing.T) {
	g := NewWithT(t)
	proxy, proxyHits := countingServer(t, http.StatusOK, `{"version":"from-proxy","workers":[]}`)
	master := masterInfoServer(t, http.StatusOK, emptyMasterInfo)
	proxyURL, _ := url.Parse(proxy.URL)
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}

	c, err := NewClient(Config{MasterWebURL: master.URL, Executor: &fakeExecutor{}, HTTPClient: hc})
	g.Expect(err).NotTo(HaveOccurred())
	info, err := c.Observe(context.Background())

	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Version).To(Equal("2.9.6"), "the answer came from the proxy, not the master")
	g.Expect(proxyHits.Load()).To(BeZero())
}

func TestABadMasterAddressIsRefusedNamingTheField(t *testing.T) {
	for name, raw := range map[string]string{
		"link-local (cloud metadata)": "http://169.254.169.254:80",
		"unspecified":                 "http://0.0.0.0:19999",
		"multicast":                   "http://224.0.0.1:19999",
		"user info":                   "http://admin@10.0.0.1:19999",
		"a path":                      "http://10.0.0.1:19999/elsewhere",
		"a query":                     "http://10.0.0.1:19999?next=http://evil",
		"no port":                     "http://10.0.0.1",
		"port zero":                   "http://10.0.0.1:0",
		"port too high":               "http://10.0.0.1:65536",
		"not a DNS-1123 name":         "http://Alluxio_Master:19999",
		"not http":                    "file:///etc/passwd",
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			exec := &fakeExecutor{}
			_, err := NewClient(Config{MasterWebURL: raw, Executor: exec})
			g.Expect(err).To(MatchError(ErrInvalidAddress))
			g.Expect(err.Error()).To(ContainSubstring("MasterWebURL"))
			g.Expect(err.Error()).To(ContainSubstring("http://<master pod IP>:<web port>"))
			g.Expect(exec.Calls()).To(BeEmpty())
		})
	}
}

func TestClientsForManyReconcilesShareOneTransport(t *testing.T) {
	g := NewWithT(t)
	given := &http.Client{Timeout: time.Second}
	proxied := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}

	g.Expect(hardenHTTPClient(given).Transport).To(BeIdenticalTo(hardenHTTPClient(given).Transport))
	g.Expect(hardenHTTPClient(nil).Transport).To(BeIdenticalTo(hardenHTTPClient(given).Transport))
	g.Expect(hardenHTTPClient(proxied).Transport).To(BeIdenticalTo(hardenHTTPClient(proxied).Transport))
	g.Expect(hardenHTTPClient(proxied).Transport.(*http.Transport).Proxy).To(BeNil())
	g.Expect(given.CheckRedirect).To(BeNil(), "the caller's client is not changed")
}
