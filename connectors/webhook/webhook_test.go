package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/connectors/webhook"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
)

// stub is a platform whose deliveries are signed with the header sig: ok,
// and whose items are the body as an id.
type stub struct{}

func (stub) Name() inbox.Platform { return inbox.Twitter }
func (stub) Challenge(*http.Request) (int, string, []byte) {
	return http.StatusOK, "text/plain", []byte("challenge")
}
func (stub) Verify(h http.Header, _ []byte) error {
	if h.Get("sig") != "ok" {
		return webhook.ErrBadSignature
	}
	return nil
}
func (stub) Parse(body []byte) ([]inbox.Inbound, error) {
	if bytes.Equal(body, []byte("bad")) {
		return nil, errors.New("not a delivery")
	}
	return []inbox.Inbound{{ExternalID: string(body)}}, nil
}

func TestHandlerOutcomes(t *testing.T) {
	var published []string
	m := metrics.New()
	hr := health.New()
	h, err := webhook.New(stub{}, webhook.Deps{
		Publish: func(_ context.Context, items []inbox.Inbound) error {
			for _, in := range items {
				published = append(published, in.ExternalID)
			}
			return nil
		},
		Health: hr, Metrics: m, RatePerSecond: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body []byte, sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/x", bytes.NewReader(body))
		req.Header.Set("sig", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for _, tt := range []struct {
		name, sig string
		body      []byte
		status    int
		outcome   string
	}{
		{"signed", "ok", []byte("a"), http.StatusOK, "ok"},
		{"unsigned", "", []byte("b"), http.StatusUnauthorized, "bad_signature"},
		{"forged", "no", []byte("c"), http.StatusUnauthorized, "bad_signature"},
		{"too large", "ok", bytes.Repeat([]byte("x"), webhook.MaxBody+1), http.StatusRequestEntityTooLarge, "too_large"},
		{"malformed", "ok", []byte("bad"), http.StatusBadRequest, "malformed"},
	} {
		if got := post(tt.body, tt.sig); got != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.status)
		}
	}
	if len(published) != 1 || published[0] != "a" {
		t.Errorf("published %v, want only the signed delivery", published)
	}
	for outcome, want := range map[string]float64{"ok": 1, "bad_signature": 2, "too_large": 1, "malformed": 1} {
		if got := testutil.ToFloat64(m.Webhooks.WithLabelValues("twitter", outcome)); got != want {
			t.Errorf("%s counted %v, want %v", outcome, got, want)
		}
	}
	c, _ := hr.Get("twitter")
	if c.Details["webhook_bad_signatures"] != int64(2) {
		t.Errorf("health details %v", c.Details)
	}
	if last, ok := c.Details["webhook_last_delivery"].(time.Time); !ok || last.IsZero() {
		t.Errorf("last delivery %v", c.Details["webhook_last_delivery"])
	}
	req := httptest.NewRequest(http.MethodGet, "/webhooks/x", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Body.String() != "challenge" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("challenge: %d %q", w.Code, w.Body.String())
	}
}

func TestHandlerIsRateLimited(t *testing.T) {
	m := metrics.New()
	h, err := webhook.New(stub{}, webhook.Deps{
		Publish: func(context.Context, []inbox.Inbound) error { return nil }, Metrics: m, RatePerSecond: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	limited := 0
	for range 20 {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/x", bytes.NewReader([]byte("a")))
		req.Header.Set("sig", "no")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == http.StatusTooManyRequests {
			limited++
		}
	}
	// A burst of 3 at one request per second: the rest of 20 are refused.
	if limited < 15 || testutil.ToFloat64(m.Webhooks.WithLabelValues("twitter", "rate_limited")) != float64(limited) {
		t.Errorf("%d of 20 rate-limited", limited)
	}
}
