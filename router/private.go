package router

import (
	"context"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/store"
)

// publicToPrivate moves support out of public view.
//
//   - A tweet that needs support gets a DM invitation with the deep link
//     to our account (in the one public reply), and a follow when
//     policy.twitter.follow is on.
//   - A Facebook comment or visitor post that needs support gets a
//     Private Reply in the customer's language (one per comment, within
//     Facebook's 7 days, keyed facebook:private_reply:<id> as the
//     connector expects), and a public acknowledgement when
//     policy.facebook.public_ack is on, unless the comment was hidden:
//     then nobody but the customer sees the thread, and the Private Reply
//     says why it was hidden.
//   - A public thread gets at most one invitation per customer within
//     policy.invite_window.
//   - A private item (Twitter DM, Messenger message) asks the store to
//     link its conversation to the customer's public one, which flags
//     both moved_to_private.
//
// What "needs support" means is in needsSupport.
type publicToPrivate struct {
	cfg      Config
	t        *templates
	lk       lookups
	accounts Accounts
	now      func() time.Time
}

// Apply decides the invitation.
func (p publicToPrivate) Apply(ctx context.Context, d *Decision) error {
	if d.own {
		return nil
	}
	if !d.Public() {
		d.Link = true
		return nil
	}
	m := &d.Message
	if !needsSupport(d) {
		return nil
	}
	switch m.Platform {
	case inbox.Twitter:
		if !on(p.cfg.Twitter.InviteDM) {
			return nil
		}
	case inbox.Facebook:
		if !on(p.cfg.Facebook.PrivateReply) || p.now().Sub(m.CreatedAt) >= facebook.HumanAgentWindow {
			return nil
		}
	}
	free, err := p.inviteFree(ctx, d)
	if err != nil || !free {
		return err
	}
	if m.Platform == inbox.Twitter {
		return p.inviteTwitter(ctx, d)
	}
	p.inviteFacebook(d)
	return nil
}

// inviteFree reports whether the public thread got no invitation within
// the window, neither stored nor earlier in this batch, and claims it.
func (p publicToPrivate) inviteFree(ctx context.Context, d *Decision) (bool, error) {
	m := &d.Message
	purpose := PurposeDMInvite
	if m.Platform == inbox.Facebook {
		purpose = PurposePrivateReply
	}
	conv, err := p.lk.conversationID(ctx, m.Platform, inbox.Public, m.Thread)
	if err != nil {
		return false, err
	}
	if conv != 0 {
		seen, err := p.lk.recent(ctx, store.ActionFilter{Platform: m.Platform, ConversationID: conv, CustomerExternalID: m.Author.ID}, purpose, p.cfg.InviteWindow)
		if err != nil || seen {
			return false, err
		}
	}
	return claim(ctx, string(m.Platform)+"|thread:"+m.Thread+"|customer:"+m.Author.ID+"|"+purpose), nil
}

func (p publicToPrivate) inviteTwitter(ctx context.Context, d *Decision) error {
	m := &d.Message
	tmpl, v := TmplDMInviteNoLink, vars{handle: m.Author.Handle, name: m.Author.Name}
	if on(p.cfg.Twitter.DMLink) {
		id, err := p.accounts.TwitterID(ctx)
		if err != nil {
			// Without our id there is no deep link; retry the item rather
			// than invite without one.
			return err
		}
		tmpl, v.dmLink = TmplDMInvite, twitterDMLink(id)
	}
	d.parts = append(d.parts, part{purpose: PurposeDMInvite, text: p.t.text(tmpl, "en", v)})
	d.replyTarget = m.ExternalID
	if p.cfg.Twitter.Follow {
		d.Actions = append(d.Actions, inbox.Action{
			Platform: inbox.Twitter, Kind: inbox.Follow, Purpose: PurposeFollow,
			Key: "twitter:follow:" + m.Author.ID, Recipient: m.Author.ID, RequestedBy: RequestedByRouter,
		})
	}
	return nil
}

func (p publicToPrivate) inviteFacebook(d *Decision) {
	m := &d.Message
	lang := replyLanguage(d)
	text := p.t.text(TmplPrivateReply, lang, vars{name: m.Author.Name})
	if d.hidden {
		text += "\n\n" + p.t.text(TmplPIIHidden, lang, vars{})
	}
	d.Actions = append(d.Actions, inbox.Action{
		Platform: inbox.Facebook, Kind: inbox.PrivateReply, Purpose: PurposePrivateReply,
		Key: facebook.PrivateReplyKey(m.ExternalID), Target: m.ExternalID, Text: text,
		RequestedBy: RequestedByRouter, LastCustomerMessageAt: m.CreatedAt,
	})
	if on(p.cfg.Facebook.PublicAck) && !d.hidden {
		d.parts = append(d.parts, part{purpose: PurposePublicAck, text: p.t.text(TmplPublicAck, lang, vars{})})
		d.replyTarget = m.ExternalID
	}
}

// needsSupport reports whether a public item asks for our help. Anything
// with booking details or in another language does; so does any text
// with a word that is not a plain thank-you or acknowledgement. A tweet
// of only emoji, links and handles, or "thanks, great service!", does not:
// answering it with an invitation to private messages is noise.
func needsSupport(d *Decision) bool {
	if len(d.Findings) > 0 || d.English == "false" {
		return true
	}
	for _, w := range strings.Fields(strings.ToLower(language.Clean(d.Message.Text))) {
		if !ackWords[strings.Trim(w, "'’-")] {
			return true
		}
	}
	return false
}

// ackWords are the words of thank-yous and acknowledgements, in English
// and in the languages of the Facebook templates.
var ackWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`thanks thank you thx ty tysm ok okay k great cheers perfect awesome cool
		nice love loved it this that was wow yes yay lol amazing brilliant wonderful excellent good best so
		much very a lot lots again guys team all for the your you're youre received got done fantastic
		grazie mille gracias muchas danke schön vielen dank merci beaucoup obrigado obrigada bedankt dankjewel
		terima kasih banyak super top bravo service stay staff support experience everything job trip
		holiday vacation welcome`) {
		m[w] = true
	}
	return m
}()
