package router

import (
	"context"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// englishOnly applies "Twitter support is in English". A mention or DM
// that is confidently not English flags its conversation non_english
// (with the detected language, which the store keeps) and sets it
// Pending: it awaits no agent. When policy.twitter.english_only is on,
// the customer is told, in English, where to get help in other languages:
// in the public reply to a mention, or by DM. They are told once per
// policy.notice_window, however many tweets and DMs they send: the store
// is asked for earlier notices, the batch remembers the notices it gave,
// and the reply's key is bucketed in time (see compose.replyKey).
//
// Unsure items are treated as English: the notice to an English speaker
// is the worse error.
type englishOnly struct {
	cfg Config
	t   *templates
	lk  lookups
}

// Apply flags and notifies non-English Twitter items.
func (e englishOnly) Apply(ctx context.Context, d *Decision) error {
	m := &d.Message
	if m.Platform != inbox.Twitter || d.English != "false" || d.own {
		return nil
	}
	d.AddFlag(inbox.FlagNonEnglish)
	d.Status = inbox.Pending
	if !on(e.cfg.Twitter.EnglishOnly) {
		return nil
	}
	seen, err := e.lk.recent(ctx, store.ActionFilter{Platform: inbox.Twitter, CustomerExternalID: m.Author.ID}, PurposeNonEnglishNotice, e.cfg.NoticeWindow)
	if err != nil {
		return err
	}
	if seen || !claim(ctx, "twitter|customer:"+m.Author.ID+"|"+PurposeNonEnglishNotice) {
		return nil
	}
	text := e.t.text(TmplNonEnglishNotice, "en", vars{handle: m.Author.Handle, name: m.Author.Name})
	if m.Kind == inbox.DM {
		d.Actions = append(d.Actions, inbox.Action{
			Platform: inbox.Twitter, Kind: inbox.SendDM, Purpose: PurposeNonEnglishNotice,
			Key:       bucketKey(inbox.Twitter, PurposeNonEnglishNotice, m.Author.ID, m.CreatedAt, e.cfg.NoticeWindow),
			Recipient: m.Author.ID, Text: text, RequestedBy: RequestedByRouter,
		})
		return nil
	}
	d.parts = append(d.parts, part{purpose: PurposeNonEnglishNotice, text: text})
	d.replyTarget = m.ExternalID
	return nil
}
