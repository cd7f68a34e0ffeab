package twitter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// twitterAPI is go-twitter's fixed base URL. Requests are built against it
// and rewriteTransport moves them to Config.APIURL.
const twitterAPI = "https://api.twitter.com/1.1/"

// maxErrorBody caps how much of an error response is kept for
// classification; Twitter's error bodies are a few hundred bytes.
const maxErrorBody = 64 << 10

// rewriteTransport sends requests aimed at go-twitter's fixed base URL to
// another base URL (a fake server or a proxy) instead. go-twitter has no
// option for its base URL, so this is the only way to run the same code
// against the fake and the real API. It sits outside the OAuth1 signer so
// that the signature covers the URL the server actually receives.
type rewriteTransport struct {
	to   *url.URL
	next http.RoundTripper
}

// newRewriteTransport returns a transport that maps twitterAPI onto base
// (an absolute URL ending in '/') and hands requests to next.
func newRewriteTransport(base string, next http.RoundTripper) (*rewriteTransport, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("parsing api_url: %w", err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return &rewriteTransport{to: u, next: next}, nil
}

// RoundTrip rewrites the scheme, host and path prefix of requests for the
// Twitter v1.1 API, and passes any other request through unchanged.
func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	const prefix = "/1.1/"
	if r.URL.Host != "api.twitter.com" || !strings.HasPrefix(r.URL.Path, prefix) {
		return t.next.RoundTrip(r)
	}
	// A RoundTripper must not modify the caller's request.
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = t.to.Scheme
	r2.URL.Host = t.to.Host
	r2.URL.Path = t.to.Path + strings.TrimPrefix(r.URL.Path, prefix)
	r2.URL.RawPath = ""
	r2.Host = ""
	return t.next.RoundTrip(r2)
}

// roundTripFunc turns a function into an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// exchange is what the transport saw of one API call: status, headers and,
// for failures, the body. go-twitter returns neither the rate-limit headers
// in a usable form nor an error it could not decode (the legacy
// {"errors":"text"} form), so the connector keeps its own copy.
type exchange struct {
	status  int
	header  http.Header
	errBody []byte
}

// record notes resp and, for a failure, keeps a copy of its body while
// leaving an identical body for go-twitter to decode.
func (ex *exchange) record(resp *http.Response) {
	ex.status, ex.header = resp.StatusCode, resp.Header
	if resp.StatusCode/100 == 2 || resp.Body == nil {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	ex.errBody = b
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
}

// httpClient returns a client for one call: it binds the call to ctx
// (go-twitter builds requests without a context) and records the exchange
// in ex. It is built per call so that no context is ever kept in the
// Connector.
func (c *Connector) httpClient(ctx context.Context, ex *exchange) *http.Client {
	return &http.Client{
		Timeout: c.timeout,
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := c.rt.RoundTrip(r.WithContext(ctx))
			if err == nil {
				ex.record(resp)
			}
			return resp, err
		}),
		// Twitter does not redirect API calls; following one could send a
		// signed request somewhere unexpected.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
