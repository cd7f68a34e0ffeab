package chaos_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fault is one kind of trouble the proxy makes of a platform request.
type fault int

const (
	faultNone      fault = iota
	faultRateLimit       // the platform's rate-limit answer; the request is not forwarded
	faultServer          // 500/502/503, JSON or an HTML error page; not forwarded
	faultMalformed       // forwarded; the answer's JSON gets a control byte (invalid anywhere in JSON)
	faultTruncated       // forwarded; the answer's JSON is cut short (Content-Length matches the cut)
	faultSlow            // forwarded after 1–3 s
	faultReset           // the connection is reset, before forwarding or after the platform answered
	numFaults
)

var faultNames = [numFaults]string{"none", "rate_limit", "5xx", "malformed_json", "truncated_json", "slow", "reset"}

func (f fault) String() string { return faultNames[f] }

// dialect is how a platform says "rate limited" and "server error".
type dialect int

const (
	dialectX     dialect = iota // X API v2: 429 with x-rate-limit-* headers and a problem JSON
	dialectGraph                // Graph API: HTTP 400 with a rate-limit error code in the body
)

// injection is one fault the proxy injected.
type injection struct {
	At     time.Time
	Method string
	Path   string
	Fault  fault
	// Forwarded is whether the platform received (and acted on) the
	// request: a send whose answer was then lost may have been done.
	Forwarded bool
}

// faultProxy is a reverse proxy in front of a fake platform that turns a
// share of the requests into faults, from a seeded RNG: the sequence of
// decisions is the same on every run (which request gets which fault
// still depends on the order in which requests arrive). The fault kinds
// in force change per phase (set); with none, it only forwards.
type faultProxy struct {
	name    string
	dialect dialect
	rp      *httputil.ReverseProxy
	srv     *httptest.Server

	mu        sync.Mutex
	rng       *rand.Rand
	rate      float64 // share of requests that get a fault
	kinds     []fault // the kinds in force
	targeted  []target
	injected  []injection
	requests  int
	slowSleep func(time.Duration) // time.Sleep; tests of the proxy shorten it
}

func newFaultProxy(name string, d dialect, target string, seed uint64) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	p := &faultProxy{name: name, dialect: d, rng: rand.New(rand.NewPCG(seed, 0x5eed)), slowSleep: time.Sleep}
	u.Path = "" // forward the request's own path
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// Keep the proxy's host, so that the paging links the fakes
			// write (Graph's paging.next) lead back through the proxy.
			pr.Out.Host = pr.In.Host
		},
		// A fake that went away answers 502 like a real gateway.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = httptest.NewServer(p)
	return p
}

// URL is the proxy's base URL, with a trailing slash.
func (p *faultProxy) URL() string { return p.srv.URL + "/" }

func (p *faultProxy) Close() { p.srv.Close() }

// set puts kinds in force on rate of the requests; no kinds turns faults off.
func (p *faultProxy) set(rate float64, kinds ...fault) {
	p.mu.Lock()
	p.rate, p.kinds = rate, slices.Clone(kinds)
	p.mu.Unlock()
}

// target is a fault for the next request that matches, whatever the
// rate: a fault aimed at a particular kind of call.
type target struct {
	match func(*http.Request) bool
	fault fault
	x     float64 // the variant, for resets
}

// aim makes the next request that matches get fault f (x picks a reset's
// variant: below 1/4 before the platform sees it).
func (p *faultProxy) aim(match func(*http.Request) bool, f fault, x float64) {
	p.mu.Lock()
	p.targeted = append(p.targeted, target{match, f, x})
	p.mu.Unlock()
}

// pendingAims counts the aimed faults not yet delivered.
func (p *faultProxy) pendingAims() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.targeted)
}

// decide draws the fault of the next request and the numbers it needs,
// under the lock, so that the draws form one deterministic sequence.
func (p *faultProxy) decide(r *http.Request) (f fault, x, y float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	for i, tg := range p.targeted {
		if tg.match(r) {
			p.targeted = slices.Delete(p.targeted, i, i+1)
			return tg.fault, tg.x, 0.5
		}
	}
	if len(p.kinds) == 0 || p.rng.Float64() >= p.rate {
		return faultNone, 0, 0
	}
	return p.kinds[p.rng.IntN(len(p.kinds))], p.rng.Float64(), p.rng.Float64()
}

func (p *faultProxy) record(r *http.Request, f fault, forwarded bool) {
	p.mu.Lock()
	p.injected = append(p.injected, injection{At: time.Now(), Method: r.Method, Path: r.URL.Path, Fault: f, Forwarded: forwarded})
	p.mu.Unlock()
}

// injections returns what the proxy injected so far.
func (p *faultProxy) injections() []injection {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.injected)
}

// summary counts the injections by fault, and the requests seen.
func (p *faultProxy) summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := map[fault]int{}
	for _, in := range p.injected {
		n[in.Fault]++
	}
	parts := []string{fmt.Sprintf("%d requests", p.requests)}
	for f := faultRateLimit; f < numFaults; f++ {
		parts = append(parts, fmt.Sprintf("%s=%d", f, n[f]))
	}
	return strings.Join(parts, " ")
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, x, y := p.decide(r)
	switch f {
	case faultNone:
		p.rp.ServeHTTP(w, r)
	case faultRateLimit:
		p.record(r, f, false)
		p.rateLimited(w, x)
	case faultServer:
		p.record(r, f, false)
		p.serverError(w, x)
	case faultSlow:
		p.record(r, f, true)
		p.slowSleep(time.Second + time.Duration(y*float64(2*time.Second)))
		p.rp.ServeHTTP(w, r)
	case faultReset:
		// A quarter before the platform sees the request, a quarter after
		// it has acted (nothing of its answer sent), half in the middle of
		// its answer. A client may retry the first two kinds of a GET on
		// a reused connection by itself (net/http does), never the third.
		if x < 0.25 {
			p.record(r, f, false)
			reset(w, nil)
			return
		}
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		p.record(r, f, true)
		if x < 0.5 {
			reset(w, nil)
			return
		}
		resp := rec.Result()
		body := rec.Body.Bytes()
		resp.Body = io.NopCloser(bytes.NewReader(body[:len(body)/2]))
		resp.ContentLength = int64(len(body)) // more than will come
		resp.TransferEncoding = nil
		reset(w, resp)
	case faultMalformed, faultTruncated:
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		p.record(r, f, true)
		body := rec.Body.Bytes()
		if f == faultMalformed {
			body = malform(body, y)
		} else {
			body = truncate(body, y)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}
}

// malform inserts a control byte at a position chosen by x: a raw control
// character is invalid JSON both between tokens and inside a string, so
// the body never parses, whatever the position.
func malform(body []byte, x float64) []byte {
	i := int(x * float64(len(body)))
	out := make([]byte, 0, len(body)+1)
	out = append(out, body[:i]...)
	out = append(out, 0x01)
	return append(out, body[i:]...)
}

// truncate cuts body to between one byte and all but one: a JSON value
// missing at least its last byte never parses.
func truncate(body []byte, x float64) []byte {
	if len(body) < 2 {
		return []byte("{")
	}
	return body[:1+int(x*float64(len(body)-2))]
}

// reset hijacks the connection, writes partial (the status, the headers
// and part of the body of an answer) when it is not nil, and closes the
// connection with a TCP RST.
func reset(w http.ResponseWriter, partial *http.Response) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("proxy: the response writer cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	if partial != nil {
		// Write sends what Body holds and stops short of ContentLength.
		_ = partial.Write(rw)
		_ = rw.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST rather than FIN
	}
	_ = conn.Close()
}

// rateLimited answers as the platform does when the account is over its
// limit. X: 429 with the window's end two seconds away. Graph: HTTP 400
// with one of the rate-limit codes (Graph says it in the body, not with
// 429), marked transient.
func (p *faultProxy) rateLimited(w http.ResponseWriter, x float64) {
	h := w.Header()
	if p.dialect == dialectX {
		h.Set("Content-Type", "application/problem+json")
		h.Set("x-rate-limit-limit", "300")
		h.Set("x-rate-limit-remaining", "0")
		h.Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(2*time.Second).Unix()+1, 10))
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`))
		return
	}
	code := []int{4, 17, 32, 613}[int(x*4)%4]
	h.Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"error":{"message":"(#%d) Rate limit reached","type":"OAuthException","code":%d,"is_transient":true,"fbtrace_id":"AChaos"}}`, code, code)
}

// serverError answers a 5xx: the platform's own error JSON, or a
// gateway's HTML page.
func (p *faultProxy) serverError(w http.ResponseWriter, x float64) {
	h := w.Header()
	switch {
	case x < 0.5:
		h.Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>\n"))
	case p.dialect == dialectX:
		h.Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`))
	default:
		h.Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"AChaos"}}`))
	}
}
