package config

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzCredentialSpans: the scanners never panic, their spans are in
// bounds, ordered and apart, and whatever net/url sees as the password of
// a URL is among the values handed to the log scrubber, so a password is
// never missed where the standard parser finds one.
func FuzzCredentialSpans(f *testing.F) {
	for _, s := range []string{
		"postgres://u:p%40ss@db:5432/x?sslmode=require&password=q",
		"postgresql://u@h1:1,h2:2/db?sslpassword=z#frag",
		"nats://u:p@a:4222, tls://tok@b:4222,nats://c:4222",
		`host=db password='it\'s' user=u sslpassword=k\ ey`,
		"password=", "password='unterminated", "x=y\\", "/var/lib/inboxbot/inboxbot.db", "://@", "nats://:@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans := credentialSpans(s)
		last := 0
		for _, sp := range spans {
			if sp.start < last || sp.end < sp.start || sp.end > len(s) {
				t.Fatalf("bad spans %v for %q", spans, s)
			}
			last = sp.end
		}
		masked := maskCredentials(s, "********")
		if len(spans) == 0 && masked != s {
			t.Fatalf("masked %q without credentials into %q", s, masked)
		}
		values := credentialValues(s)
		for _, part := range strings.Split(s, ",") {
			u, err := url.Parse(strings.TrimSpace(part))
			if err != nil || u.User == nil {
				continue
			}
			if p, ok := u.User.Password(); ok && p != "" && !slices.Contains(values, p) {
				t.Fatalf("password %q of %q not among %q", p, s, values)
			}
		}
	})
}
