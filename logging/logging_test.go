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

// TestPlatformIDsAreKept: ids in id-typed attributes reach the log as they
// are, although the redactor takes a 19-digit tweet id for a card number
// and a 10-digit Page id for a booking number; the same digits in a
// message, in a text attribute or in an id attribute that holds text are
// still masked.
func TestPlatformIDsAreKept(t *testing.T) {
	const tweetID, pageID = "1790000000000000005", "1234567890" // a Luhn-valid 19 digits; 10 digits
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := logging.New(&buf, format, slog.LevelDebug, nil)
		log.With("page_id", pageID).Info("routed",
			"external_id", tweetID,
			"target", pageID+"_"+tweetID,
			"action_id", int64(1790000000000000005),
			"conversation_id", 4111111111111111,
			"key", "twitter:reply:"+tweetID,
			"subject", "inbox.in.twitter.mention",
		)
		log.Info("customer wrote "+pageID, "text", "my card "+tweetID, "id", "booking "+pageID, "ref_id", pageID+" pin 4321")
		out := buf.String()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines:\n%s", format, len(lines), out)
		}
		kept, text := lines[0], lines[1]
		for _, id := range []string{tweetID, pageID, pageID + "_" + tweetID, "4111111111111111", "twitter:reply:" + tweetID, "inbox.in.twitter.mention"} {
			if !strings.Contains(kept, id) {
				t.Errorf("%s: id %s masked:\n%s", format, id, kept)
			}
		}
		for _, leak := range []string{tweetID, pageID, "4321"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s: text line leaks %s:\n%s", format, leak, text)
			}
		}
		for _, want := range []string{"customer wrote [booking number]", "[card number]", "booking [booking number]", "[PIN]"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text line lacks %q:\n%s", format, want, text)
			}
		}
	}
}
