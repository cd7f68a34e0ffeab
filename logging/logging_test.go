package logging_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/logging"
)

func TestSecretsAndPersonalDataNeverReachTheLog(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := logging.New(&buf, format, slog.LevelDebug, []string{"EAAtoken-123456", "x"})
		err := errors.New(`Get "https://graph.facebook.com/me?access_token=EAAtoken-123456": dial tcp: refused`)
		log.Info("poll failed", "err", err, "platform", "facebook")
		log.Warn("customer wrote booking 1234 567 890, PIN 4321", "url", "https://x/?t=EAAtoken-123456")
		log.With("req", "card 4111 1111 1111 1111").Error("oops")
		out := buf.String()
		for _, leak := range []string{"EAAtoken-123456", "1234 567 890", "4321", "4111 1111 1111 1111"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s log contains %q:\n%s", format, leak, out)
			}
		}
		for _, want := range []string{logging.Mask, "[booking number]", "[PIN]", "[card number]", "platform"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %q:\n%s", format, want, out)
			}
		}
		// A one-character "secret" must not mask ordinary text.
		if !strings.Contains(out, "poll failed") {
			t.Errorf("short secret masked ordinary words:\n%s", out)
		}
	}
}
