package router

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
)

// Purposes of the router's actions (inbox.Action.Purpose). A public reply
// that combines several parts has their purposes joined by "+" in a fixed
// order (e.g. "pii_notice+non_english_notice+dm_invite"); the window rules
// count every combination that holds the part they care about.
const (
	// PurposeNonEnglishNotice: Twitter support is in English; help in
	// other languages is elsewhere.
	PurposeNonEnglishNotice = "non_english_notice"
	// PurposePIINotice: please delete what you posted, it shows booking
	// details.
	PurposePIINotice = "pii_notice"
	// PurposeDMInvite: please continue by DM (with the deep link).
	PurposeDMInvite = "dm_invite"
	// PurposePrivateReply: the Facebook Private Reply to a comment or post.
	PurposePrivateReply = "private_reply"
	// PurposePublicAck: "we've sent you a private message".
	PurposePublicAck = "public_ack"
	// PurposePIIHide: hiding a Facebook comment that shows booking details.
	PurposePIIHide = "pii_hide"
	// PurposeFollow: following a customer invited to DM.
	PurposeFollow = "follow"
	// PurposeAgentReply: a reply an agent wrote.
	PurposeAgentReply = "agent_reply"
)

// replyOrder is the order of parts in a combined public reply: what
// protects the customer first, what helps them last. dropOrder is the
// order in which parts are left out when the reply is too long for a
// tweet: the delete request is never left out.
var (
	replyOrder = []string{PurposePIINotice, PurposeNonEnglishNotice, PurposeDMInvite, PurposePublicAck}
	dropOrder  = []string{PurposePublicAck, PurposeDMInvite, PurposeNonEnglishNotice}
)

// MaxTweet is Twitter's length limit for a tweet, in weighted characters
// (see TweetLength). The leading @mentions of a reply are added by Twitter
// (auto_populate_reply_metadata) and do not count.
const MaxTweet = 280

// part is one rule's contribution to the single public reply of a message.
type part struct {
	purpose string
	text    string
}

// composed is the public reply built from the parts.
type composed struct {
	text     string
	purposes []string // in replyOrder
	dropped  []string // parts left out to fit a tweet
}

// purpose is the action's Purpose.
func (c composed) purpose() string { return strings.Join(c.purposes, "+") }

// composeParts joins the parts in replyOrder.
func composeParts(parts []part) composed {
	var c composed
	var texts []string
	for _, p := range replyOrder {
		for _, x := range parts {
			if x.purpose == p && x.text != "" {
				if n := len(texts); n > 0 && !endsSentence(texts[n-1]) {
					// A part ending in a link or a phone number still
					// ends its sentence.
					texts[n-1] += "."
				}
				texts = append(texts, x.text)
				c.purposes = append(c.purposes, p)
			}
		}
	}
	c.text = strings.Join(texts, " ")
	return c
}

// composeTweet joins the parts after greeting and fits the result into a
// tweet: parts are left out in dropOrder while it is too long, and a
// single part that is still too long is cut at a word boundary (never
// inside a link) with an ellipsis.
func composeTweet(greeting string, parts []part) composed {
	build := func(parts []part) composed {
		c := composeParts(parts)
		if greeting != "" && c.text != "" {
			c.text = greeting + " " + c.text
		}
		return c
	}
	parts = slices.Clone(parts)
	c := build(parts)
	var dropped []string
	for _, drop := range dropOrder {
		if TweetLength(c.text) <= MaxTweet || len(c.purposes) <= 1 {
			break
		}
		if slices.Contains(c.purposes, drop) {
			parts = slices.DeleteFunc(parts, func(p part) bool { return p.purpose == drop })
			dropped = append(dropped, drop)
			c = build(parts)
		}
	}
	c.dropped = dropped
	if TweetLength(c.text) > MaxTweet {
		c.text = truncateTweet(c.text, MaxTweet)
	}
	return c
}

// endsSentence reports whether s ends with sentence punctuation.
func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?…", r)
}

// truncateTweet cuts s at a word boundary so that it and a trailing
// ellipsis (which weighs 2) fit in limit weighted characters.
func truncateTweet(s string, limit int) string {
	var b strings.Builder
	for _, w := range strings.Fields(s) {
		next := w
		if b.Len() > 0 {
			next = b.String() + " " + w
		}
		if TweetLength(next+"…") > limit {
			break
		}
		b.Reset()
		b.WriteString(next)
	}
	return strings.TrimRight(b.String(), " ,;:") + "…"
}

// TweetLength is the length Twitter counts for s (links count 23); see
// twittertext.Length, which the fake Twitter API uses too.
func TweetLength(s string) int { return twittertext.Length(s) }

// compose is the last policy: it turns the parts the rules contributed
// into at most one public reply, and checks every action the policy
// decided for secrets. An action whose text would publish a booking
// number, PIN or card number is dropped (and logged by kind only): the
// templates never contain customer text, so that only happens with a
// misconfigured template or a customer name that holds one.
type compose struct {
	inviteWindow, noticeWindow time.Duration
	t                          *templates
	log                        *slog.Logger
	// mention starts Twitter replies with the author's @handle
	// (policy.twitter.mention_author).
	mention bool
	// rd finds secrets in action texts (nil: redact's defaults).
	rd *redact.Redactor
}

// Apply composes d's reply parts and guards every action's text.
func (c compose) Apply(ctx context.Context, d *Decision) error {
	if len(d.parts) > 0 && d.replyTarget != "" && !d.own {
		var r composed
		if m := &d.Message; m.Platform == inbox.Twitter {
			greeting := c.t.text(TmplGreeting, "en", vars{name: m.Author.Name, handle: m.Author.Handle})
			if h := m.Author.Handle; c.mention && validHandle(h) {
				greeting = strings.TrimSpace("@" + h + " " + greeting)
			}
			r = composeTweet(greeting, d.parts)
		} else {
			r = composeParts(d.parts)
		}
		if r.text != "" {
			d.Actions = append(d.Actions, inbox.Action{
				Platform: d.Message.Platform, Kind: inbox.Reply, Purpose: r.purpose(),
				Key: c.replyKey(d, r), Target: d.replyTarget, Text: r.text, RequestedBy: RequestedByRouter,
			})
		}
		if len(r.dropped) > 0 {
			c.log.WarnContext(ctx, "reply parts left out to fit a tweet", "platform", d.Message.Platform, "external_id", d.Message.ExternalID, "dropped", r.dropped)
		}
	}
	d.parts = nil
	kept := d.Actions[:0]
	for _, a := range d.Actions {
		if a.Text != "" && (c.rd.Contains(a.Text) || d.leaks(a.Text)) {
			c.log.ErrorContext(ctx, "dropped an automatic action whose text holds a secret", "platform", a.Platform, "kind", a.Kind, "purpose", a.Purpose)
			continue
		}
		kept = append(kept, a)
	}
	d.Actions = kept
	return nil
}

// validHandle reports whether h is an X username (1 to 15 letters,
// digits or underscores), so that a malformed one never becomes part of
// a post.
func validHandle(h string) bool {
	if len(h) == 0 || len(h) > 15 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// replyKey is the idempotency key of the public reply. A reply that holds
// a part owed to this very message (a delete request, an acknowledgement)
// is keyed by the message. A Twitter reply made only of once-per-window
// parts (notice, invitation) is keyed by customer, purpose and time
// bucket, so that two tweets routed at once by two routers still get one
// between them.
func (c compose) replyKey(d *Decision, r composed) string {
	m := &d.Message
	if m.Platform != inbox.Twitter || slices.Contains(r.purposes, PurposePIINotice) {
		return string(m.Platform) + ":reply:" + m.ExternalID
	}
	w := c.inviteWindow
	if slices.Contains(r.purposes, PurposeNonEnglishNotice) {
		w = c.noticeWindow
	}
	return bucketKey(m.Platform, r.purpose(), m.Author.ID, m.CreatedAt, w)
}

// bucketKey is a key unique per customer, purpose and window-long time
// bucket of t (the message's time, so that a redelivery gets the same key).
func bucketKey(p inbox.Platform, purpose, customer string, t time.Time, window time.Duration) string {
	return fmt.Sprintf("%s:%s:%s:%d", p, purpose, customer, t.UnixNano()/int64(max(window, time.Second)))
}

// leaks reports whether text holds one of the message's secrets as a
// number of its own (separators ignored), which redact.Contains may not
// see without the words around it in the original.
func (d *Decision) leaks(text string) bool {
	if len(d.secrets) == 0 {
		return false
	}
	for _, run := range digitRuns(text) {
		if slices.Contains(d.secrets, run) {
			return true
		}
	}
	return false
}

// digitRuns returns the numbers in s: runs of ASCII digits joined by
// single spaces, dots or dashes, with the separators removed. (Other
// scripts' digits are redact.Contains's business.)
func digitRuns(s string) []string {
	isDigit := func(b byte) bool { return b >= '0' && b <= '9' }
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			b.WriteByte(c)
			continue
		case (c == ' ' || c == '.' || c == '-') && b.Len() > 0 && i+1 < len(s) && isDigit(s[i+1]):
			continue
		}
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// RequestedByRouter is the RequestedBy of the router's own actions.
const RequestedByRouter = "router"
