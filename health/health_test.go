package health_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/health"
)

func TestReportStatus(t *testing.T) {
	tests := []struct {
		name   string
		set    func(r *health.Registry)
		status string
		code   int
	}{
		{"starting degrades, not down", func(r *health.Registry) {}, health.StatusDegraded, 200},
		{"all ok", func(r *health.Registry) {
			r.Success("bus")
			r.Success("store")
			r.Success("facebook")
		}, health.StatusOK, 200},
		{"disabled connector is fine", func(r *health.Registry) {
			r.Success("bus")
			r.Success("store")
			r.Set("facebook", health.Disabled, "")
		}, health.StatusOK, 200},
		{"standby connector is fine", func(r *health.Registry) {
			r.Success("bus")
			r.Success("store")
			r.Set("facebook", health.Standby, "another instance polls facebook")
		}, health.StatusOK, 200},
		{"unauthorized connector degrades", func(r *health.Registry) {
			r.Success("bus")
			r.Success("store")
			r.Set("facebook", health.Unauthorized, "token expired (190/463)")
		}, health.StatusDegraded, 200},
		{"rate limited connector degrades", func(r *health.Registry) {
			r.Success("bus")
			r.Success("store")
			r.Set("facebook", health.RateLimited, "613, wait 60s")
		}, health.StatusDegraded, 200},
		{"store down takes it down", func(r *health.Registry) {
			r.Success("bus")
			r.Set("store", health.Down, "database is locked")
			r.Set("facebook", health.Unauthorized, "")
		}, health.StatusDown, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := health.New()
			r.Register("bus", true)
			r.Register("store", true)
			r.Register("facebook", false)
			tt.set(r)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			var rep health.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Status != tt.status || rec.Code != tt.code {
				t.Fatalf("status %q (HTTP %d), want %q (HTTP %d): %s", rep.Status, rec.Code, tt.status, tt.code, rec.Body)
			}
			if len(rep.Components) != 3 {
				t.Errorf("components = %v", rep.Components)
			}
		})
	}
}

func TestSuccessRecordsTimeAndChangesNotify(t *testing.T) {
	r := health.New()
	r.Register("twitter", false)
	var changes []health.State
	r.OnChange(func(name string, c health.Component) { changes = append(changes, c.State) })
	r.Success("twitter")
	r.Success("twitter") // no change: no second notification
	r.Set("twitter", health.Unauthorized, "401/89")
	c, _ := r.Get("twitter")
	if c.LastSuccess.IsZero() || c.State != health.Unauthorized || c.Reason != "401/89" {
		t.Fatalf("component = %+v", c)
	}
	if len(changes) != 2 || changes[0] != health.OK || changes[1] != health.Unauthorized {
		t.Fatalf("changes = %v", changes)
	}
}

func TestAnonymousCallersSeeStatesOnly(t *testing.T) {
	r := health.New()
	r.Register("twitter", false)
	r.Set("twitter", health.Forbidden, "X answered 453 for statuses/mentions_timeline")
	r.SetDetail("twitter", "spend_today_usd", 1.5)
	h := r.Handler(health.Loopback)
	for _, tt := range []struct {
		remote string
		full   bool
	}{{"192.0.2.1:1234", false}, {"127.0.0.1:1234", true}, {"[::1]:1234", true}} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.RemoteAddr = tt.remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		body := w.Body.String()
		if full := strings.Contains(body, "453") && strings.Contains(body, "spend_today_usd"); full != tt.full {
			t.Errorf("%s: full report %v, want %v: %s", tt.remote, full, tt.full, body)
		}
		if !strings.Contains(body, `"forbidden"`) || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %s", tt.remote, body)
		}
	}
}
