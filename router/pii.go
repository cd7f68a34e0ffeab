package router

import (
	"context"
	"strings"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
)

// piiPolicy keeps booking numbers, PINs and card numbers out of public
// view. Every item is scanned; the findings' kinds and offsets are
// recorded (never the values). A public item is stored redacted and its
// conversation flagged pii_redacted; a private one is stored as sent.
// Then, for a customer's public item with findings:
//   - a Facebook comment is hidden when policy.facebook.hide_pii is on
//     (the Private Reply then says why);
//   - a Facebook visitor post (which cannot be hidden) or a comment left
//     visible gets a request to delete it, in the customer's language;
//   - a tweet (which cannot be hidden) gets a request to delete it and to
//     continue by DM, in English.
//
// The requests never repeat the details: they are templates without
// customer text.
type piiPolicy struct {
	cfg Config
	t   *templates
	rd  *redact.Redactor
}

// Apply redacts d and decides the hide or the delete request.
func (p piiPolicy) Apply(ctx context.Context, d *Decision) error {
	// Public items come redacted from the bus (bus.RedactPublic), with
	// their findings; a second pass finds nothing new but costs little,
	// and covers items published by an older build.
	redacted, found := p.rd.Redact(d.Message.Text)
	if len(found) == 0 && len(d.Message.Findings) == 0 {
		return nil
	}
	d.Findings = append(make([]inbox.Finding, 0, len(d.Message.Findings)+len(found)), d.Message.Findings...)
	d.secrets = make([]string, 0, len(found))
	for _, f := range found {
		d.Findings = append(d.Findings, inbox.Finding{Kind: string(f.Kind), Start: f.Start, End: f.End})
		d.secrets = append(d.secrets, f.Value)
	}
	if !d.Public() {
		// Booking numbers and PINs stay in private text: agents need
		// them. A card number is never stored: only its last four digits.
		d.Text = maskCards(d.Message.Text, found)
		return nil
	}
	d.Text = redacted
	d.AddFlag(inbox.FlagPIIRedacted)
	if d.own {
		return nil
	}
	m := &d.Message
	switch {
	case m.Platform == inbox.Facebook && m.Kind == inbox.Comment && on(p.cfg.Facebook.HidePII):
		d.Actions = append(d.Actions, inbox.Action{
			Platform: inbox.Facebook, Kind: inbox.Hide, Purpose: PurposePIIHide,
			Key: "facebook:hide:" + m.ExternalID, Target: m.ExternalID, RequestedBy: RequestedByRouter,
		})
		d.hidden = true
	case m.Platform == inbox.Facebook:
		d.parts = append(d.parts, part{purpose: PurposePIINotice, text: p.t.text(TmplPIIDeleteFacebook, replyLanguage(d), vars{})})
	case m.Platform == inbox.Twitter:
		d.parts = append(d.parts, part{purpose: PurposePIINotice, text: p.t.text(TmplPIIDeleteTweet, "en", vars{})})
	}
	d.replyTarget = m.ExternalID
	return nil
}

// replyLanguage is the language of Facebook texts for d: the customer's,
// when they confidently write in another language than English, else
// English. (The template falls back to English when it has no text in
// that language.)
func replyLanguage(d *Decision) string {
	if d.English == "false" && d.Language != "" {
		return d.Language
	}
	return "en"
}

// maskCards replaces each card number found in text by "[card •••• 4242]"
// (its last four digits), leaving other findings as they are. found holds
// byte offsets into text, in order.
func maskCards(text string, found []redact.Finding) string {
	var b strings.Builder
	last := 0
	for _, f := range found {
		if f.Kind != redact.CardNumber || f.Start < last || f.End > len(text) {
			continue
		}
		digits := f.Value
		if len(digits) > 4 {
			digits = digits[len(digits)-4:]
		}
		b.WriteString(text[last:f.Start])
		b.WriteString("[card •••• " + digits + "]")
		last = f.End
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}
