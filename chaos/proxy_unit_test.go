package chaos_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFaultProxy checks the proxy itself, quickly (it runs with -short):
// the same seed gives the same faults, each fault looks as it should to a
// client, and with no faults in force it only forwards.
func TestFaultProxy(t *testing.T) {
	var hits int
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"id":"1","text":"hello"},{"id":"2","text":"world"}],"host":"`+r.Host+`"}`)
	}))
	defer backend.Close()

	sequence := func(seed uint64) []fault {
		p := newFaultProxy("x", dialectX, backend.URL, seed)
		defer p.Close()
		p.slowSleep = func(time.Duration) {}
		p.set(0.5, faultRateLimit, faultServer, faultMalformed, faultTruncated, faultSlow, faultReset)
		c := &http.Client{Timeout: 5 * time.Second}
		for range 60 {
			if resp, err := c.Get(p.URL() + "2/users/me"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		var out []fault
		for _, in := range p.injections() {
			out = append(out, in.Fault)
		}
		return out
	}
	a, b := sequence(7), sequence(7)
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("the same seed gave different faults:\n%v\n%v", a, b)
	}
	if c := sequence(8); slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same faults: %v", a)
	}

	for _, d := range []dialect{dialectX, dialectGraph} {
		for f := faultRateLimit; f < numFaults; f++ {
			p := newFaultProxy("p", d, backend.URL, 1)
			p.slowSleep = func(time.Duration) {}
			p.set(1, f)
			resp, err := http.Get(p.URL() + "v27.0/me/feed")
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var v map[string]any
			parses := err == nil && json.Unmarshal(body, &v) == nil
			switch f {
			case faultRateLimit:
				switch {
				case err != nil:
					t.Errorf("%d/%s: %v", d, f, err)
				case d == dialectX && (resp.StatusCode != 429 || resp.Header.Get("x-rate-limit-remaining") != "0" || resp.Header.Get("x-rate-limit-reset") == ""):
					t.Errorf("X rate limit: %d %v", resp.StatusCode, resp.Header)
				case d == dialectGraph && (resp.StatusCode != 400 || !strings.Contains(string(body), `"is_transient":true`)):
					t.Errorf("Graph rate limit: %d %s", resp.StatusCode, body)
				}
			case faultServer:
				if err != nil || resp.StatusCode < 500 {
					t.Errorf("%d/%s: %v %v", d, f, resp, err)
				}
			case faultMalformed, faultTruncated:
				if err != nil || parses {
					t.Errorf("%d/%s: the body parses (or the read failed: %v): %q", d, f, err, body)
				}
			case faultSlow:
				if !parses || !strings.Contains(string(body), `"host":"`+strings.TrimPrefix(p.srv.URL, "http://")+`"`) {
					t.Errorf("%d/%s: %v %q (the fake must see the proxy's host)", d, f, err, body)
				}
			case faultReset:
				if err == nil {
					t.Errorf("%d/%s: no error, status %d", d, f, resp.StatusCode)
				}
				// The three kinds: no answer at all, or the headers and
				// then a reset in the body.
				c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				var atDo, inBody int
				for range 30 {
					resp, err := c.Get(p.URL() + "x")
					if err != nil {
						atDo++
						continue
					}
					if _, err := io.ReadAll(resp.Body); err != nil && resp.StatusCode == 200 {
						inBody++
					}
					resp.Body.Close()
				}
				if atDo == 0 || inBody == 0 || atDo+inBody != 30 {
					t.Errorf("%d/%s: %d failed before the answer, %d in its body, of 30", d, f, atDo, inBody)
				}
			}
			p.Close()
		}
	}

	p := newFaultProxy("off", dialectGraph, backend.URL, 1)
	defer p.Close()
	before := hits
	for range 20 {
		resp, err := http.Get(p.URL() + "x")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("without faults: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	if hits-before != 20 || len(p.injections()) != 0 {
		t.Errorf("without faults: %d forwarded, %d injected", hits-before, len(p.injections()))
	}
	for _, s := range []string{"", "a", "{}", `{"a":"b"}`} {
		for _, x := range []float64{0, 0.5, 0.999} {
			if json.Valid(malform([]byte(s), x)) || json.Valid(truncate([]byte(s), x)) {
				t.Errorf("malform or truncate(%q, %v) is valid JSON", s, x)
			}
		}
	}
}
