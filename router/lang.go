package router

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/redact"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
)

// languagePolicy gives every item a language, a confidence and the
// three-way English verdict. Twitter's own language guess is passed as a
// hint for mentions (DMs have none). An unsure Twitter item is treated as
// English and flagged language_unsure: there, the verdict decides whether
// the customer is told to write in English, and a false notice to an
// English speaker is the worse error. (On Facebook an unsure item is only
// answered in English, which needs no flag.)
//
// While the models load at start, the policy waits for them, at most
// wait per batch (all its items together); then the items are retried.
// Facebook items wait too, so that every stored item has a language.
type languagePolicy struct {
	detector Detector
	wait     time.Duration
}

// Apply detects d's language.
func (l languagePolicy) Apply(ctx context.Context, d *Decision) error {
	if l.wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, batchDeadline(ctx, l.wait))
		defer cancel()
	}
	hint := ""
	if d.Message.Kind == inbox.Mention {
		hint = d.Message.Lang
	}
	r, err := l.detector.Detect(ctx, withoutPlaceholders(d.Message.Text), hint)
	if err != nil {
		return fmt.Errorf("detecting language: %w", err)
	}
	d.Language, d.Confidence, d.English = r.Language, r.Confidence, string(r.English)
	if r.English == language.Unsure && d.Message.Platform == inbox.Twitter {
		d.AddFlag(inbox.FlagLanguageUnsure)
	}
	return nil
}

// placeholders are the redaction placeholders, which are English words
// that say nothing about the customer's language.
var placeholders = strings.NewReplacer(
	redact.Placeholder(redact.BookingNumber), " ",
	redact.Placeholder(redact.PIN), " ",
	redact.Placeholder(redact.CardNumber), " ",
)

// withoutPlaceholders drops the placeholders from an item redacted on its
// way to the bus.
func withoutPlaceholders(s string) string { return placeholders.Replace(s) }
