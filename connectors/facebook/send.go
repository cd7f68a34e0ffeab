package facebook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// The Messenger windows, counted from the customer's last message.
const (
	// StandardWindow is how long after the customer's last message a Page
	// may answer with messaging_type=RESPONSE.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow is how long a human agent may still answer with
	// messaging_type=MESSAGE_TAG and tag=HUMAN_AGENT. It is also how long
	// after a comment a Private Reply may be sent.
	HumanAgentWindow = 7 * 24 * time.Hour
)

// The messaging_type and tag values MessagingType returns.
const (
	TypeResponse   = "RESPONSE"
	TypeMessageTag = "MESSAGE_TAG"
	TagHumanAgent  = "HUMAN_AGENT"
)

// RetiredTags are the message tags Meta retired in April 2026. Send
// refuses to send them whatever asks for them: Facebook would refuse the
// message, and using them was a policy violation before.
var RetiredTags = []string{"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}

// checkTag refuses a retired tag; HUMAN_AGENT is the only tag sent.
func checkTag(tag string) error {
	if tag == "" || tag == TagHumanAgent {
		return nil
	}
	for _, r := range RetiredTags {
		if tag == r {
			return connectors.Refusal("the message tag %s was retired by Meta in April 2026 and is never sent", tag)
		}
	}
	return connectors.Refusal("the message tag %s is not one inboxbot sends (only %s, on a human agent's reply)", tag, TagHumanAgent)
}

// MessagingType decides how a Messenger message (an inbox.SendDM action)
// may be sent at now, from a.LastCustomerMessageAt and who wrote it:
//
//   - within 24 hours of the customer's last message: RESPONSE, no tag;
//   - from 24 hours to 7 days, and only for a reply written by a human
//     agent (a.ByAgent()): MESSAGE_TAG with tag HUMAN_AGENT;
//   - otherwise an error wrapping connectors.ErrRefused whose text tells
//     the agent why, so that nothing is sent in the hope that Facebook
//     lets it through.
//
// Both windows are half-open: at exactly 24 hours the message needs the
// tag, at exactly 7 days it is refused. A zero LastCustomerMessageAt
// (the customer never wrote) is refused. It is a pure function: the
// router's reply guard calls it before it queues an action, and Send
// calls it again before sending.
func MessagingType(a inbox.Action, now time.Time) (messagingType, tag string, err error) {
	if a.LastCustomerMessageAt.IsZero() {
		return "", "", connectors.Refusal("Messenger allows a Page to write only after the customer has written, and this customer has not")
	}
	age := max(now.Sub(a.LastCustomerMessageAt), 0)
	switch {
	case age < StandardWindow:
		return TypeResponse, "", nil
	case age < HumanAgentWindow && a.ByAgent():
		return TypeMessageTag, TagHumanAgent, nil
	case age < HumanAgentWindow:
		return "", "", connectors.Refusal("the Messenger 24-hour window closed %s ago; only a reply written by a human agent may be sent until the 7-day window closes", roundAge(age-StandardWindow))
	}
	return "", "", connectors.Refusal("the customer's last message is %s old: the 7-day window for human agent replies (HUMAN_AGENT) has closed; wait for the customer to write again", roundAge(age))
}

// CheckPrivateReply reports whether a Private Reply (an
// inbox.PrivateReply action) is still allowed at now: Facebook accepts one
// within 7 days of the comment or visitor post. The comment's time is
// a.LastCustomerMessageAt, which the store fills from the public
// conversation; when the customer commented again later in the same
// conversation it is later than the target comment, and Facebook's own
// check (error 10903) is then the last guard. A zero time is refused.
func CheckPrivateReply(a inbox.Action, now time.Time) error {
	if a.LastCustomerMessageAt.IsZero() {
		return connectors.Refusal("the time of the comment is unknown, so the 7-day window for a private reply cannot be checked")
	}
	if age := now.Sub(a.LastCustomerMessageAt); age >= HumanAgentWindow {
		return connectors.Refusal("the comment is %s old: a private reply is only possible within the 7-day window after the comment", roundAge(age))
	}
	return nil
}

// PrivateReplyKey is the idempotency key of the Private Reply to target
// (a comment or visitor post id). The router uses it for private replies,
// so the store's unique key allows one per comment; Send also refuses a
// private reply with another key when this one was sent.
func PrivateReplyKey(target string) string { return "facebook:private_reply:" + target }

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}

// Send performs a on the Page and returns the id Facebook gave what it
// created (Sent.PlatformID, "" for a hide):
//
//   - inbox.SendDM: POST /{page-id}/messages to recipient {"id": a.Recipient}
//     with the messaging_type and tag from MessagingType; returns message_id.
//   - inbox.PrivateReply: POST /{page-id}/messages to recipient
//     {"comment_id": a.Target}, or {"post_id": a.Target} when the target is
//     a post (its id starts with "<page-id>_", as post ids do; comment ids
//     start with the post's object id). Refused after 7 days (see
//     CheckPrivateReply) and when another private reply to the same target
//     is sent, in flight or of unknown outcome; returns message_id, and
//     as Sent.Recipient the answer's recipient_id: the commenter's
//     Messenger PSID, which differs from their comment author id and is
//     how the store links their Messenger conversation to the comments.
//   - inbox.Reply: POST /{a.Target}/comments; returns the new comment id.
//   - inbox.Hide: POST /{a.Target} with is_hidden=true.
//
// Refusals wrap connectors.ErrRefused and are decided before calling
// Facebook whenever possible; an error answer from Facebook is a refusal
// too (nothing was done), except rate limits and a Page restricted from
// sending Messenger messages (*connectors.RateLimitError: not sent, retry
// after the wait), token errors (connectors.ErrUnauthorized) and
// Facebook's "unknown" and "temporary" errors, whose outcome is not known.
func (c *Connector) Send(ctx context.Context, a inbox.Action) (connectors.Sent, error) {
	var (
		out connectors.Sent
		err error
	)
	switch a.Kind {
	case inbox.SendDM:
		out.PlatformID, err = c.sendMessage(ctx, a)
	case inbox.PrivateReply:
		out, err = c.sendPrivateReply(ctx, a)
	case inbox.Reply:
		out.PlatformID, err = c.reply(ctx, a)
	case inbox.Hide:
		err = c.hide(ctx, a)
	default:
		err = connectors.Refusal("Facebook has no %q action", a.Kind)
	}
	if err != nil {
		return connectors.Sent{}, err
	}
	return out, nil
}

func (c *Connector) sendMessage(ctx context.Context, a inbox.Action) (string, error) {
	if strings.TrimSpace(a.Text) == "" {
		return "", connectors.Refusal("the message is empty")
	}
	mt, tag, err := MessagingType(a, c.now())
	if err == nil {
		err = checkTag(tag)
	}
	if err != nil {
		return "", err
	}
	params := fb.Params{
		"recipient":      map[string]string{"id": a.Recipient},
		"message":        map[string]string{"text": a.Text},
		"messaging_type": mt,
	}
	if tag != "" {
		params["tag"] = tag
	}
	id, _, err := c.postMessage(ctx, "sending message", params)
	if err != nil {
		return "", fmt.Errorf("sending Messenger message: %w", err)
	}
	return id, nil
}

// isPostID reports whether target is a post of this Page rather than a
// comment: post ids are "<page-id>_<n>".
func (c *Connector) isPostID(target string) bool {
	return strings.HasPrefix(target, c.cfg.PageID+"_")
}

func (c *Connector) sendPrivateReply(ctx context.Context, a inbox.Action) (connectors.Sent, error) {
	if strings.TrimSpace(a.Text) == "" {
		return connectors.Sent{}, connectors.Refusal("the private reply is empty")
	}
	if err := CheckPrivateReply(a, c.now()); err != nil {
		return connectors.Sent{}, err
	}
	c.prMu.Lock()
	defer c.prMu.Unlock()
	if err := c.checkOnePrivateReply(ctx, a); err != nil {
		return connectors.Sent{}, err
	}
	rcpt := map[string]string{"comment_id": a.Target}
	if c.isPostID(a.Target) {
		rcpt = map[string]string{"post_id": a.Target}
	}
	id, psid, err := c.postMessage(ctx, "sending private reply", fb.Params{
		"recipient": rcpt,
		"message":   map[string]string{"text": a.Text},
	})
	if err != nil {
		return connectors.Sent{}, fmt.Errorf("sending private reply: %w", err)
	}
	return connectors.Sent{PlatformID: id, Recipient: psid}, nil
}

// checkOnePrivateReply refuses a when another private reply to the same
// target was sent, is being sent, or may have been sent: the one under the
// canonical key, and any other in the conversation.
func (c *Connector) checkOnePrivateReply(ctx context.Context, a inbox.Action) error {
	blocks := func(o inbox.Action) bool {
		return o.ID != a.ID && o.Kind == inbox.PrivateReply && o.Target == a.Target &&
			(o.State == inbox.StateSent || o.State == inbox.StateUnknown || (o.State == inbox.StatePending && o.Attempts > 0))
	}
	refuse := func(o inbox.Action) error {
		return connectors.Refusal("a private reply to %s already exists (action %d, %s); Facebook allows one per comment", a.Target, o.ID, o.State)
	}
	// The store is not reachable: the reply was not sent, so it is safe to
	// retry later, which is what a rate-limit answer makes the Runner do.
	unavailable := func(err error) error {
		return &connectors.RateLimitError{Until: c.now().Add(5 * time.Second), Reason: "checking earlier private replies: " + err.Error()}
	}
	o, err := c.store.ActionByKey(ctx, PrivateReplyKey(a.Target))
	switch {
	case err == nil && blocks(o):
		return refuse(o)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return unavailable(err)
	}
	if a.ConversationID != 0 {
		others, err := c.store.Actions(ctx, a.ConversationID)
		if err != nil {
			return unavailable(err)
		}
		for _, o := range others {
			if blocks(o) {
				return refuse(o)
			}
		}
	}
	return nil
}

// postMessage calls the Send API and returns the message_id and the
// recipient_id (the recipient's PSID; "" when the answer lacks it, which
// only costs the link of a Private Reply's conversations).
//
// While Facebook has the Page restricted from sending (error 10,
// subcode 1893063) it returns a *connectors.RateLimitError without
// calling: the message is not sent and waits (see SendRestrictedWait).
func (c *Connector) postMessage(ctx context.Context, what string, params fb.Params) (messageID, recipientID string, err error) {
	if err := c.checkSendPause(); err != nil {
		return "", "", err
	}
	res, err := c.call(ctx, what, fb.POST, c.cfg.PageID+"/messages", params)
	if err != nil {
		return "", "", sendErr(err)
	}
	c.sendWorked()
	id, _ := res["message_id"].(string)
	if id == "" {
		// Facebook answered without an error, so it may well have sent
		// it: the outcome is unknown, not failed.
		return "", "", errors.New("the Send API answered without a message_id")
	}
	rcpt, _ := res["recipient_id"].(string)
	return id, rcpt, nil
}

func (c *Connector) reply(ctx context.Context, a inbox.Action) (string, error) {
	if strings.TrimSpace(a.Text) == "" {
		return "", connectors.Refusal("the reply is empty")
	}
	res, err := c.call(ctx, "replying to a comment", fb.POST, a.Target+"/comments", fb.Params{"message": a.Text})
	if err != nil {
		return "", fmt.Errorf("replying to %s: %w", a.Target, sendErr(err))
	}
	id, _ := res["id"].(string)
	if id == "" {
		return "", fmt.Errorf("replying to %s: the Graph API answered without an id", a.Target)
	}
	return id, nil
}

func (c *Connector) hide(ctx context.Context, a inbox.Action) error {
	res, err := c.call(ctx, "hiding a comment", fb.POST, a.Target, fb.Params{"is_hidden": "true"})
	if err != nil {
		return fmt.Errorf("hiding %s: %w", a.Target, sendErr(err))
	}
	// huandu/facebook turns the exact body {"success":true} into an
	// empty Result; otherwise "success" must be true.
	if ok, present := res["success"].(bool); present && !ok {
		return connectors.Refusal("Facebook did not hide comment %s", a.Target)
	}
	return nil
}

// Verifiable reports whether Verify can tell whether a was carried out:
// hides, whose effect Graph shows on the comment (is_hidden). Messages
// and replies have no such mark (the answer that was lost held the only
// id), so their lost outcomes stay unknown for an agent to check.
func (c *Connector) Verifiable(a inbox.Action) bool {
	return a.Platform == inbox.Facebook && a.Kind == inbox.Hide
}

// Verify reports whether the hide a is in effect: GET /{comment-id}
// with fields=is_hidden, which Graph answers for the Page's own token.
// The Runner calls it for a hide whose answer was lost (a timeout, a
// reset connection, a cut or garbled answer, a 5xx, a crash mid-send), so
// that the hide is sent again only while the comment is still visible:
// a comment that shows a booking number is hidden in the end, and not
// hidden twice. A comment Facebook no longer has cannot be hidden (the
// error wraps connectors.ErrRefused).
func (c *Connector) Verify(ctx context.Context, a inbox.Action) (bool, error) {
	if !c.Verifiable(a) {
		return false, connectors.Refusal("Facebook cannot tell whether a %s was carried out", a.Kind)
	}
	res, err := c.call(ctx, "checking a hide", fb.GET, a.Target, fb.Params{"fields": "is_hidden"})
	if err != nil {
		return false, fmt.Errorf("checking whether %s is hidden: %w", a.Target, sendErr(err))
	}
	hidden, ok := res["is_hidden"].(bool)
	if !ok {
		return false, fmt.Errorf("checking whether %s is hidden: %w: the answer has no is_hidden", a.Target, errMalformed)
	}
	return hidden, nil
}

// sendErr makes a Graph API error answer a refusal: Facebook did not
// perform the action, and sending the same thing again would not change
// its mind. Unknown (1), service (2) and temporary Send API (1200)
// errors stay as they are, so that the action is marked unknown for an
// agent to check.
func sendErr(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.Code != 1 && ae.Code != 2 && ae.Code != 1200 {
		return connectors.Refusal("Facebook refused: %s (code %d, subcode %d)", ae.Message, ae.Code, ae.Subcode)
	}
	return err
}
