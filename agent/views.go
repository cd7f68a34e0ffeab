package agent

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// Messenger's sending windows, counted from the customer's last message:
// a standard reply within 24 hours, a HUMAN_AGENT-tagged one within 7
// days. They are the Facebook connector's, so that what the desk shows is
// what the connector enforces.
const (
	StandardWindow   = facebook.StandardWindow
	HumanAgentWindow = facebook.HumanAgentWindow
)

// CustomerView is the customer as agents see it.
type CustomerView struct {
	// ID is the store's customer id, used to list the customer's other
	// conversations. It is not part of the JSON, which names customers by
	// their platform handle only.
	ID     int64  `json:"-"`
	Handle string `json:"handle"`
	Name   string `json:"name"`
}

// Label is how the UI names the customer: "@handle", else the display
// name, else "customer".
func (c CustomerView) Label() string {
	switch {
	case c.Handle != "":
		return "@" + c.Handle
	case c.Name != "":
		return c.Name
	}
	return "customer"
}

// ConversationView is one conversation of the queue, as the UI, the API and
// the CLI show it.
type ConversationView struct {
	ID       int64          `json:"id"`
	Platform inbox.Platform `json:"platform"`
	Channel  inbox.Channel  `json:"channel"`
	Status   inbox.Status   `json:"status"`
	// Assignee is the agent who holds the conversation, or "".
	Assignee string `json:"assignee"`
	Language string `json:"language"`
	// Flags is never null in JSON, so that clients can iterate it.
	Flags              []string     `json:"flags"`
	Customer           CustomerView `json:"customer"`
	LinkedConversation int64        `json:"linked_conversation"`
	// AwaitingSince is the oldest unanswered customer message, omitted
	// when no answer is owed.
	AwaitingSince         time.Time `json:"awaiting_since,omitzero"`
	LastCustomerMessageAt time.Time `json:"last_customer_message_at,omitzero"`
	UpdatedAt             time.Time `json:"updated_at"`
}

// HasFlag reports whether the conversation carries flag f.
func (c ConversationView) HasFlag(f string) bool {
	for _, x := range c.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// conversationView converts a stored conversation.
func conversationView(c store.Conversation) ConversationView {
	flags := c.Flags
	if flags == nil {
		flags = []string{}
	}
	return ConversationView{
		ID: c.ID, Platform: c.Platform, Channel: c.Channel, Status: c.Status,
		Assignee: c.Assignee, Language: c.Language, Flags: flags,
		Customer:              CustomerView{ID: c.Customer.ID, Handle: c.Customer.Handle, Name: c.Customer.Name},
		LinkedConversation:    c.LinkedConversation,
		AwaitingSince:         c.AwaitingSince,
		LastCustomerMessageAt: c.LastCustomerMessageAt,
		UpdatedAt:             c.UpdatedAt,
	}
}

// ConversationPage is one page of the queue.
type ConversationPage struct {
	Conversations []ConversationView `json:"conversations"`
	// Total counts every conversation that matches the filter.
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// MessageView is one message of a thread. Its text is shown with every
// secret hidden (redact.Mask): booking numbers and PINs kept in private
// messages, which agents need, appear only when an agent reveals the
// message (Service.Reveal), which the audit trail records.
type MessageView struct {
	ID         int64           `json:"id"`
	ExternalID string          `json:"external_id"`
	Kind       inbox.Kind      `json:"kind"`
	Direction  inbox.Direction `json:"direction"`
	// Author is the platform user id of the customer, or "router" /
	// "agent:<name>" for our messages.
	Author string `json:"author"`
	// Text is the stored text with every secret replaced by its
	// placeholder.
	Text string `json:"text"`
	// Revealable is true when Text hides secrets that the stored text
	// holds: POST /api/messages/{id}/reveal returns them (audited).
	Revealable bool          `json:"revealable"`
	Visibility inbox.Channel `json:"visibility"`
	// Findings are the secrets found when the message arrived: kinds and
	// byte offsets into the text as it was received (for a public
	// message, before it was redacted), never values.
	Findings []inbox.Finding `json:"findings"`
	// Attachments are the references to what the customer attached
	// (images, stickers, files), never null; a message may have them and
	// no text.
	Attachments []AttachmentView `json:"attachments"`
	CreatedAt   time.Time        `json:"created_at"`

	segs []redact.Segment // Text in segments; nil: Text is plain
}

// messageView converts a stored message, hiding its secrets with rd.
func messageView(rd *redact.Redactor, m store.Message) MessageView {
	f := m.Findings
	if f == nil {
		f = []inbox.Finding{}
	}
	v := MessageView{
		ID: m.ID, ExternalID: m.ExternalID, Kind: m.Kind, Direction: m.Direction,
		Author: m.Author, Visibility: m.Visibility, Findings: f, Attachments: attachmentViews(m.Attachments),
		CreatedAt: m.CreatedAt, segs: rd.Mask(m.Text),
	}
	var b strings.Builder
	for _, s := range v.segs {
		b.WriteString(s.Text)
		v.Revealable = v.Revealable || s.Kind != ""
	}
	v.Text = b.String()
	return v
}

// previewRunes is how much of the latest message a queue row shows.
const previewRunes = 140

// preview is how lists show a text: secrets hidden first, then cut to
// previewRunes runes, so that a cut never leaves part of a secret that
// the redactor would no longer recognise.
func preview(rd *redact.Redactor, text string) string {
	s := strings.Join(strings.Fields(rd.String(text)), " ")
	if utf8.RuneCountInString(s) <= previewRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:previewRunes-1])) + "…"
}

// Segment is a run of a message's text, marked when it stands for a secret.
type Segment struct {
	Text string
	// Mark is the kind of a hidden secret ("pin", "booking_number", ...),
	// whose placeholder Text is, or "placeholder" for a placeholder in the
	// stored text (a public message is stored redacted); "" for plain
	// text.
	Mark string
	// Hidden is true for a secret the stored text holds, which revealing
	// the message shows.
	Hidden bool
}

// placeholderRE matches the placeholders package redact writes in place of
// secrets, so that redacted spans stand out in public messages, whose
// stored text is already redacted (their findings refer to the original).
var placeholderRE = regexp.MustCompile(`\[(?:booking number|PIN|card number|redacted)\]`)

// ShowsText reports whether the message's text is shown: unless it is
// empty and the message has attachments (a sticker alone gets no empty
// bubble).
func (m MessageView) ShowsText() bool { return m.Text != "" || len(m.Attachments) == 0 }

// Segments splits the text so that the UI can mark secrets: the hidden
// ones, and the placeholders of text stored redacted.
func (m MessageView) Segments() []Segment {
	segs := m.segs
	if segs == nil && m.Text != "" {
		segs = []redact.Segment{{Text: m.Text}}
	}
	var out []Segment
	for _, s := range segs {
		if s.Kind != "" {
			out = append(out, Segment{Text: s.Text, Mark: string(s.Kind), Hidden: true})
			continue
		}
		pos := 0
		for _, loc := range placeholderRE.FindAllStringIndex(s.Text, -1) {
			if loc[0] > pos {
				out = append(out, Segment{Text: s.Text[pos:loc[0]]})
			}
			out = append(out, Segment{Text: s.Text[loc[0]:loc[1]], Mark: "placeholder"})
			pos = loc[1]
		}
		if pos < len(s.Text) {
			out = append(out, Segment{Text: s.Text[pos:]})
		}
	}
	return out
}

// ActionView is one action of a conversation: an agent's reply or
// something the router did, with its delivery state.
type ActionView struct {
	ID          int64            `json:"id"`
	Kind        inbox.ActionKind `json:"kind"`
	Purpose     string           `json:"purpose,omitempty"`
	Text        string           `json:"text,omitempty"`
	RequestedBy string           `json:"requested_by"`
	// State is pending, sent, failed (Error says why) or unknown (the
	// send was attempted but its outcome was lost: check the platform).
	State      inbox.State `json:"state"`
	Error      string      `json:"error,omitempty"`
	PlatformID string      `json:"platform_id,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// Public reports whether the action made text visible to everyone.
func (a ActionView) Public() bool { return a.Kind.Public() }

// actionView converts an action, hiding the secrets of its text with rd
// (an agent's private reply may repeat a booking number; the thread's
// message of the sent reply is what an agent reveals).
func actionView(rd *redact.Redactor, a inbox.Action) ActionView {
	return ActionView{
		ID: a.ID, Kind: a.Kind, Purpose: a.Purpose, Text: rd.String(a.Text), RequestedBy: a.RequestedBy,
		State: a.State, Error: a.Error, PlatformID: a.PlatformID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// AuditView is one entry of a conversation's audit trail.
type AuditView struct {
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// MessengerWindow says until when a Messenger conversation can be answered:
// with a standard message for 24 hours after the customer's last message,
// with a HUMAN_AGENT-tagged one for 7 days.
type MessengerWindow struct {
	LastCustomerMessageAt time.Time `json:"last_customer_message_at"`
	StandardEndsAt        time.Time `json:"standard_ends_at"`
	HumanAgentEndsAt      time.Time `json:"human_agent_ends_at"`
	// ReplyAs is how an agent's reply would be sent when the view was
	// made: "RESPONSE" or "MESSAGE_TAG HUMAN_AGENT"; empty when no reply
	// is possible, and then Refusal says why.
	ReplyAs string `json:"reply_as,omitempty"`
	Refusal string `json:"refusal,omitempty"`
}

// StandardLeft is the time left for a standard reply at now (0 when over).
func (w MessengerWindow) StandardLeft(now time.Time) time.Duration {
	return max(w.StandardEndsAt.Sub(now), 0)
}

// HumanAgentLeft is the time left for a HUMAN_AGENT reply at now (0 when over).
func (w MessengerWindow) HumanAgentLeft(now time.Time) time.Duration {
	return max(w.HumanAgentEndsAt.Sub(now), 0)
}

// messengerWindow returns the window of a Messenger conversation at now,
// or nil for any other kind, where no window applies. How an agent's reply
// would go out is decided by the connector's own rule
// (facebook.MessagingType), which only cares that an agent wrote it.
func messengerWindow(c store.Conversation, now time.Time) *MessengerWindow {
	if c.Platform != inbox.Facebook || c.Channel != inbox.Private || c.LastCustomerMessageAt.IsZero() {
		return nil
	}
	w := &MessengerWindow{
		LastCustomerMessageAt: c.LastCustomerMessageAt,
		StandardEndsAt:        c.LastCustomerMessageAt.Add(StandardWindow),
		HumanAgentEndsAt:      c.LastCustomerMessageAt.Add(HumanAgentWindow),
	}
	mt, tag, err := facebook.MessagingType(inbox.Action{
		Kind: inbox.SendDM, RequestedBy: "agent:desk", LastCustomerMessageAt: c.LastCustomerMessageAt,
	}, now)
	if err != nil {
		w.Refusal = refusalReason(err)
	} else {
		w.ReplyAs = strings.TrimSpace(mt + " " + tag)
	}
	return w
}

// privateReplyEndsAt is when a Facebook Private Reply to the latest
// comment or visitor post of a public conversation stops being possible.
func privateReplyEndsAt(c store.Conversation) time.Time {
	if c.Platform != inbox.Facebook || c.Channel != inbox.Public || c.LastCustomerMessageAt.IsZero() {
		return time.Time{}
	}
	return c.LastCustomerMessageAt.Add(HumanAgentWindow)
}

// ConversationDetail is a conversation with its whole thread, its actions
// and its audit trail.
type ConversationDetail struct {
	ConversationView
	Messages []MessageView `json:"messages"`
	Actions  []ActionView  `json:"actions"`
	Audit    []AuditView   `json:"audit"`
	// MessengerWindow is set for Messenger conversations only.
	MessengerWindow *MessengerWindow `json:"messenger_window,omitempty"`
	// PrivateReplyEndsAt is set for public Facebook conversations: a
	// Private Reply is possible until then (7 days after the comment).
	PrivateReplyEndsAt time.Time `json:"private_reply_ends_at,omitzero"`
}

// PublicAllowed reports whether a public reply is possible at all: only
// public conversations have a public thread to answer in.
func (d ConversationDetail) PublicAllowed() bool { return d.Channel == inbox.Public }

// shortDuration formats d for humans: "3d 4h", "5h 12m", "7m".
func shortDuration(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return strconv.Itoa(days) + "d " + strconv.Itoa(hours) + "h"
	case hours > 0:
		return strconv.Itoa(hours) + "h " + strconv.Itoa(mins) + "m"
	}
	return strconv.Itoa(max(mins, 1)) + "m"
}
