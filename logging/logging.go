// Package logging builds inboxbot's slog logger. Whatever is logged passes
// two guards: the redact handler masks booking numbers, PINs and card
// numbers, and the secret scrubber masks every configured secret (a
// token in a failed request's URL, say), so neither can reach the logs
// even when a caller slips. Id-typed attributes (external_id=...,
// target=...) keep platform ids as they are (see isPlatformID); messages
// and every other attribute are redacted.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/inboxbot/inboxbot/redact"
)

// Mask replaces a secret in log output.
const Mask = "********"

// New returns a logger writing text or JSON (format "json") at level to w,
// with personal data redacted and every value in secrets masked.
func New(w io.Writer, format string, level slog.Level, secrets []string) *slog.Logger {
	var live []string
	for _, s := range secrets {
		if len(s) >= 4 { // shorter values would mask ordinary words
			live = append(live, s)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	if len(live) > 0 {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			switch a.Value.Kind() {
			case slog.KindString:
				if s := a.Value.String(); containsAny(s, live) {
					a.Value = slog.StringValue(scrub(s, live))
				}
			case slog.KindAny:
				if v, ok := a.Value.Any().(interface{ Error() string }); ok {
					a.Value = slog.StringValue(scrub(v.Error(), live))
				} else if v, ok := a.Value.Any().(fmt.Stringer); ok {
					a.Value = slog.StringValue(scrub(v.String(), live))
				}
			}
			return a
		}
	}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(redact.NewHandler(h, redact.KeepAttrs(isPlatformID)))
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func scrub(s string, secrets []string) string {
	for _, x := range secrets {
		s = strings.ReplaceAll(s, x, Mask)
	}
	return s
}
