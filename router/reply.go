package router

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// ReplyRequest is one agent reply for the reply guard. Its fields match
// agent.ReplyRequest, so the desk converts one into the other.
type ReplyRequest struct {
	// ConversationID is the conversation answered.
	ConversationID int64
	// Agent is the name of the agent who wrote the reply.
	Agent string
	// Public asks for a reply in the public thread; false sends it
	// privately (a DM, a Messenger message or a Facebook Private Reply).
	Public bool
	// Text is the reply as the agent wrote it.
	Text string
}

// Platform limits the guard checks before queueing, so that the agent
// learns at once rather than from a failed action.
const (
	// MaxMessengerText is the Send API's limit on a message's text.
	MaxMessengerText = 2000
	// MaxTwitterDM is Twitter's limit on a direct message's text.
	MaxTwitterDM = 10000
)

// Reply checks an agent's reply and queues it: it picks the action (see
// below), runs the guard, stores the action (RequestedBy "agent:<name>",
// Purpose "agent_reply", a unique key), writes an audit entry and
// publishes the action to OUTBOUND. ctx bounds the store and bus calls.
//
// The action:
//   - public: a Reply to the latest customer message of the public
//     conversation;
//   - private on Twitter: a DM to the customer;
//   - private on Facebook: a Messenger message in a private conversation;
//     in a public one, a message in its linked private conversation when
//     the customer has written there, else the Private Reply to their
//     latest comment (Facebook allows one per comment, and nothing more
//     until they answer).
//
// The guard refuses, with an error wrapping ErrRefused whose text tells
// the agent why (and never repeats a secret), and then nothing is stored
// or sent:
//   - a public reply that shows a booking number, PIN or card number;
//   - a public tweet over 280 characters (links count 23), a Messenger
//     message over 2,000, a DM over 10,000;
//   - a Messenger message outside Facebook's windows (facebook.MessagingType:
//     24 hours, or 7 days for a human agent's reply), and a Private Reply
//     after 7 days or when one was sent already;
//   - a reply in a closed conversation: an agent reopens it first, so that
//     a closed case is never answered by accident (a stale tab);
//   - a public reply in a private conversation, and an empty reply.
//
// Other errors (a store or bus failure) are not refusals; when the action
// was stored but could not be published it is marked failed, so that it
// is never sent later by surprise.
func (r *Router) Reply(ctx context.Context, req ReplyRequest) (inbox.Action, error) {
	a, err := r.replyAction(ctx, req)
	if err != nil {
		if errors.Is(err, ErrRefused) {
			r.audit(ctx, req, "reply_refused", strings.TrimPrefix(err.Error(), ErrRefused.Error()+": "))
		}
		return inbox.Action{}, err
	}
	stored, created, err := r.store.CreateAction(ctx, a)
	if err != nil {
		return inbox.Action{}, fmt.Errorf("storing reply to conversation %d: %w", req.ConversationID, err)
	}
	if !created {
		// Only the Private Reply's key can exist already: the router or
		// another agent sent the one Facebook allows.
		err := refuse("a private reply to that comment exists already (action %d); Facebook allows one per comment", stored.ID)
		r.audit(ctx, req, "reply_refused", strings.TrimPrefix(err.Error(), ErrRefused.Error()+": "))
		return inbox.Action{}, err
	}
	r.audit(ctx, req, "reply_queued", fmt.Sprintf("%s %s, action %d", visibility(stored.Kind), stored.Kind, stored.ID))
	rec, err := ActionRecord(stored)
	if err == nil {
		err = r.bus.PublishBatch(ctx, []bus.Record{rec})
	}
	if err != nil {
		if _, ferr := r.store.FinishSend(context.WithoutCancel(ctx), stored.ID, store.Result{State: inbox.StateFailed, Error: "could not be queued for sending: " + err.Error()}); ferr != nil {
			r.log.Error("marking unqueued reply failed", "action_id", stored.ID, "err", ferr)
		}
		return inbox.Action{}, fmt.Errorf("queueing reply action %d: %w", stored.ID, err)
	}
	r.bus.PublishEvent(inbox.Event{Type: "action", ConversationID: stored.ConversationID, ActionID: stored.ID, State: stored.State, At: r.now()})
	return stored, nil
}

// replyAction loads the conversation, picks the action and runs the guard.
func (r *Router) replyAction(ctx context.Context, req ReplyRequest) (inbox.Action, error) {
	text := strings.TrimSpace(req.Text)
	switch {
	case req.Agent == "":
		return inbox.Action{}, refuse("a reply needs the agent's name")
	case text == "":
		return inbox.Action{}, refuse("the reply is empty")
	case !utf8.ValidString(text):
		return inbox.Action{}, refuse("the reply is not valid UTF-8")
	}
	conv, err := r.store.Conversation(ctx, req.ConversationID)
	if err != nil {
		return inbox.Action{}, fmt.Errorf("loading conversation %d: %w", req.ConversationID, err)
	}
	if conv.Status == inbox.Closed {
		return inbox.Action{}, refuse("conversation %d is closed; reopen it before replying", conv.ID)
	}
	a := inbox.Action{
		V: inbox.SchemaVersion, ConversationID: conv.ID, Platform: conv.Platform, Purpose: PurposeAgentReply,
		Text: text, RequestedBy: "agent:" + req.Agent, LastCustomerMessageAt: conv.LastCustomerMessageAt,
		State: inbox.StatePending,
	}
	key, err := agentKey(conv.ID)
	if err != nil {
		return inbox.Action{}, err
	}
	a.Key = key
	if req.Public {
		return r.publicReply(ctx, conv, a)
	}
	switch {
	case conv.Platform == inbox.Twitter:
		if n := utf8.RuneCountInString(text); n > MaxTwitterDM {
			return inbox.Action{}, refuse("the DM is %d characters; Twitter allows %d", n, MaxTwitterDM)
		}
		a.Kind, a.Recipient = inbox.SendDM, conv.Customer.ExternalID
		return a, nil
	case conv.Channel == inbox.Private:
		return messengerMessage(conv, a, r.now())
	case conv.LinkedConversation != 0:
		linked, err := r.store.Conversation(ctx, conv.LinkedConversation)
		if err != nil {
			return inbox.Action{}, fmt.Errorf("loading linked conversation %d: %w", conv.LinkedConversation, err)
		}
		a.ConversationID, a.LastCustomerMessageAt = linked.ID, linked.LastCustomerMessageAt
		return messengerMessage(linked, a, r.now())
	}
	return r.privateReply(ctx, conv, a)
}

// publicReply answers the latest customer message in public.
func (r *Router) publicReply(ctx context.Context, conv store.Conversation, a inbox.Action) (inbox.Action, error) {
	if conv.Channel != inbox.Public {
		return inbox.Action{}, refuse("conversation %d is private: it has no public thread; send the reply privately", conv.ID)
	}
	if found := r.rd.Find(a.Text); len(found) > 0 {
		return inbox.Action{}, refuse("a public reply must not show %s; remove it, or send the reply privately", kindsOf(found))
	}
	if conv.Platform == inbox.Twitter {
		if n := TweetLength(a.Text); n > MaxTweet {
			return inbox.Action{}, refuse("the reply is %d characters; a tweet holds %d (links count 23): shorten it or send it by DM", n, MaxTweet)
		}
	}
	last, err := r.lastCustomerMessage(ctx, conv)
	if err != nil {
		return inbox.Action{}, err
	}
	a.Kind, a.Target = inbox.Reply, last.ExternalID
	return a, nil
}

// messengerMessage is a Messenger message in private conversation conv,
// refused outside Facebook's windows.
func messengerMessage(conv store.Conversation, a inbox.Action, now time.Time) (inbox.Action, error) {
	if n := utf8.RuneCountInString(a.Text); n > MaxMessengerText {
		return inbox.Action{}, refuse("the message is %d characters; Messenger allows %d", n, MaxMessengerText)
	}
	a.Kind, a.Recipient = inbox.SendDM, conv.Customer.ExternalID
	if _, _, err := facebook.MessagingType(a, now); err != nil {
		return inbox.Action{}, refuse("%s", platformReason(err))
	}
	return a, nil
}

// privateReply is the Private Reply to the latest comment of public
// Facebook conversation conv.
func (r *Router) privateReply(ctx context.Context, conv store.Conversation, a inbox.Action) (inbox.Action, error) {
	if n := utf8.RuneCountInString(a.Text); n > MaxMessengerText {
		return inbox.Action{}, refuse("the message is %d characters; Messenger allows %d", n, MaxMessengerText)
	}
	acts, err := r.store.Actions(ctx, conv.ID)
	if err != nil {
		return inbox.Action{}, fmt.Errorf("loading actions of conversation %d: %w", conv.ID, err)
	}
	for _, o := range acts {
		if o.Kind == inbox.PrivateReply && o.State != inbox.StateFailed {
			return inbox.Action{}, refuse("a private reply was already sent to this customer (action %d, %s); Facebook allows another private message only after they answer in Messenger", o.ID, o.State)
		}
	}
	last, err := r.lastCustomerMessage(ctx, conv)
	if err != nil {
		return inbox.Action{}, err
	}
	a.Kind, a.Target, a.Key = inbox.PrivateReply, last.ExternalID, facebook.PrivateReplyKey(last.ExternalID)
	a.LastCustomerMessageAt = last.CreatedAt
	if err := facebook.CheckPrivateReply(a, r.now()); err != nil {
		return inbox.Action{}, refuse("%s", platformReason(err))
	}
	return a, nil
}

// lastCustomerMessage returns the newest message the customer wrote in conv.
func (r *Router) lastCustomerMessage(ctx context.Context, conv store.Conversation) (store.Message, error) {
	msgs, err := r.store.Messages(ctx, conv.ID)
	if err != nil {
		return store.Message{}, fmt.Errorf("loading messages of conversation %d: %w", conv.ID, err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == inbox.In {
			return msgs[i], nil
		}
	}
	return store.Message{}, refuse("conversation %d has no customer message to reply to", conv.ID)
}

// audit records a reply decision; a failure is logged, not returned: the
// reply itself went through (or was refused) either way.
func (r *Router) audit(ctx context.Context, req ReplyRequest, action, detail string) {
	err := r.store.AddAudit(context.WithoutCancel(ctx), store.Audit{
		Actor: "agent:" + req.Agent, Action: action, ConversationID: req.ConversationID, Detail: detail, At: r.now(),
	})
	if err != nil {
		r.log.Warn("writing audit entry", "action", action, "conversation_id", req.ConversationID, "err", err)
	}
}

// agentKey is a fresh idempotency key for an agent's action.
func agentKey(conv int64) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making an action key: %w", err)
	}
	return fmt.Sprintf("agent:%d:%s", conv, hex.EncodeToString(b[:])), nil
}

// platformReason is a connector refusal's reason without its prefix.
func platformReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, connectors.ErrRefused.Error()+": "); i >= 0 {
		return msg[i+len(connectors.ErrRefused.Error())+2:]
	}
	return msg
}

// kindsOf names the kinds of secrets found, for a refusal.
func kindsOf(fs []redact.Finding) string {
	names := map[redact.Kind]string{redact.BookingNumber: "a booking number", redact.PIN: "a PIN", redact.CardNumber: "a card number"}
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		n := names[f.Kind]
		if n == "" {
			n = "a " + strings.ReplaceAll(string(f.Kind), "_", " ")
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " and ")
}

func visibility(k inbox.ActionKind) string {
	if k.Public() {
		return "public"
	}
	return "private"
}
