package connectors

import (
	"testing"
	"time"
)

func TestCheckBaseURL(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", ""},
		{"https://graph.facebook.com/", ""},
		{"http://127.0.0.1:8080/1.1/", ""},
		{"ftp://x/", `api_url: "ftp://x/" is not an http(s) URL`},
		{"https:///", `api_url: "https:///" is not an http(s) URL`},
		{"::", `api_url: "::" is not an http(s) URL`},
		{"http://127.0.0.1:1", "api_url: must end with '/'"},
	} {
		err := CheckBaseURL("api_url", tc.raw)
		if got := errText(err); got != tc.want {
			t.Errorf("CheckBaseURL(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestCheckInterval(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, ""},
		{100 * time.Millisecond, ""},
		{time.Minute, ""},
		{99 * time.Millisecond, "poll_interval: 99ms is too short (minimum 100ms)"},
		{-time.Second, "poll_interval: -1s is too short (minimum 100ms)"},
	} {
		if got := errText(CheckInterval("poll_interval", tc.d)); got != tc.want {
			t.Errorf("CheckInterval(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
