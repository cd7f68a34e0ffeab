// Package inbox holds the vocabulary that every part of inboxbot shares:
// platforms, kinds of customer item, channels, actions and their states, and
// the two records that travel on the bus (Inbound and Action).
//
// It has no behaviour beyond small helpers, so that connectors, the router,
// the store and the agents' desk can all depend on it without depending on
// each other.
package inbox

import (
	"fmt"
	"time"
)

// SchemaVersion is the value of the "v" field of every record this build
// writes to the bus. Readers reject records with a newer version rather than
// guessing at their meaning.
const SchemaVersion = 1

// Platform names a social network that inboxbot serves.
type Platform string

// The platforms inboxbot serves.
const (
	Facebook Platform = "facebook"
	Twitter  Platform = "twitter"
)

// Valid reports whether p is a platform this build knows.
func (p Platform) Valid() bool { return p == Facebook || p == Twitter }

// Kind names what sort of customer item a message is.
type Kind string

// The kinds of customer item. Message and DM are private; the rest are public.
const (
	Message Kind = "message" // Facebook Messenger message
	Post    Kind = "post"    // visitor post on the Facebook Page
	Comment Kind = "comment" // comment under a Facebook post
	Mention Kind = "mention" // tweet that mentions the support account
	DM      Kind = "dm"      // Twitter direct message
)

// Valid reports whether k is a kind that can arrive on platform p.
func (k Kind) Valid(p Platform) bool {
	switch p {
	case Facebook:
		return k == Message || k == Post || k == Comment
	case Twitter:
		return k == Mention || k == DM
	}
	return false
}

// Channel reports whether items of kind k are seen by the public.
func (k Kind) Channel() Channel {
	if k == Message || k == DM {
		return Private
	}
	return Public
}

// Channel says who can read a conversation.
type Channel string

// The channels of a conversation.
const (
	Private Channel = "private"
	Public  Channel = "public"
)

// Status is where a conversation stands in the agents' queue.
type Status string

// The statuses of a conversation. Pending means the ball is in the
// customer's court (or no agent answer is owed), so it does not count as
// awaiting an agent.
const (
	Open    Status = "open"
	Pending Status = "pending"
	Closed  Status = "closed"
)

// Direction says who wrote a stored message.
type Direction string

// The directions of a message.
const (
	In  Direction = "in"  // written by the customer
	Out Direction = "out" // written by us: the router or an agent
)

// Flags set on conversations by the router. A conversation's flags only grow
// until an agent clears them.
const (
	FlagPIIRedacted = "pii_redacted"
	// FlagUnstorable marks a conversation holding a message the store
	// refused (invalid text): it is kept as a placeholder, acted on, and
	// shown to agents.
	FlagUnstorable     = "unstorable"
	FlagNonEnglish     = "non_english"
	FlagLanguageUnsure = "language_unsure"
	FlagMovedToPrivate = "moved_to_private"
)

// Author is the platform account that wrote an item.
type Author struct {
	// ID is the platform's stable user id (Facebook PSID or user id, Twitter user id).
	ID string `json:"id"`
	// Handle is the screen name without '@' (Twitter) or empty.
	Handle string `json:"handle,omitempty"`
	// Name is the display name.
	Name string `json:"name,omitempty"`
}

// Finding is the record of a secret found in a text: its kind and byte
// offsets. It never carries the secret itself, so it is safe to store and log.
type Finding struct {
	Kind  string `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Inbound is one customer item pulled by a connector, as carried on the
// INBOUND stream under inbox.in.<platform>.<kind>.
type Inbound struct {
	// V is the schema version, SchemaVersion when written by this build.
	V        int      `json:"v"`
	Platform Platform `json:"platform"`
	Kind     Kind     `json:"kind"`
	// ExternalID is the platform's id of the item: unique per platform.
	ExternalID string `json:"external_id"`
	// Thread is the platform key that groups items into one conversation:
	// the Messenger conversation id, the top-level comment or visitor post
	// id, the customer's user id for Twitter mentions and DMs.
	Thread string `json:"thread"`
	// ParentID is the item this one answers (in_reply_to_status_id, the
	// post of a comment), or empty.
	ParentID string `json:"parent_id,omitempty"`
	Author   Author `json:"author"`
	// Recipient is who the item was addressed to (our page or account id).
	Recipient string `json:"recipient,omitempty"`
	// Text is what the customer wrote, unredacted. It leaves the bus as soon
	// as the router has stored it (INBOUND is a work queue).
	Text string `json:"text"`
	// Lang is the platform's own language guess (Twitter "lang"), if any.
	Lang string `json:"lang,omitempty"`
	// Attachments are references to the media attached (type and URL),
	// for display only: nothing downloads them.
	Attachments []Attachment `json:"attachments,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	// Redacted says that Text was redacted before the item reached the
	// bus (public items are, so that no secret shown in public rests on
	// the bus's disk); Findings then lists what was found, with offsets
	// into the original text, for the router's decisions.
	Redacted bool      `json:"redacted,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
}

// Subject is the INBOUND subject the item is published on.
func (m *Inbound) Subject() string { return "inbox.in." + string(m.Platform) + "." + string(m.Kind) }

// MsgID is the Nats-Msg-Id that lets the bus drop an item pulled twice.
func (m *Inbound) MsgID() string {
	return string(m.Platform) + ":" + string(m.Kind) + ":" + m.ExternalID
}

// Validate reports the first reason m cannot be routed, or nil.
func (m *Inbound) Validate() error {
	switch {
	case m.V < 1 || m.V > SchemaVersion:
		return fmt.Errorf("unsupported schema version %d", m.V)
	case !m.Platform.Valid():
		return fmt.Errorf("unknown platform %q", m.Platform)
	case !m.Kind.Valid(m.Platform):
		return fmt.Errorf("kind %q is not valid on %s", m.Kind, m.Platform)
	case m.ExternalID == "":
		return fmt.Errorf("missing external_id")
	case m.Thread == "":
		return fmt.Errorf("missing thread")
	case m.Author.ID == "":
		return fmt.Errorf("missing author.id")
	case m.CreatedAt.IsZero():
		return fmt.Errorf("missing created_at")
	}
	return nil
}

// ActionKind names something we do on a platform.
type ActionKind string

// The kinds of action, as in the OUTBOUND subjects inbox.out.<platform>.<kind>.
const (
	Reply        ActionKind = "reply"         // public reply (tweet reply, comment reply)
	SendDM       ActionKind = "dm"            // private message (Messenger message, Twitter DM)
	PrivateReply ActionKind = "private_reply" // Facebook Private Reply to a comment or visitor post
	Hide         ActionKind = "hide"          // hide a Facebook comment
	Follow       ActionKind = "follow"        // follow a Twitter user
)

// Public reports whether the action makes text visible to everyone.
func (k ActionKind) Public() bool { return k == Reply }

// State is where an action stands.
type State string

// The states of an action. Unknown means a send was attempted but its
// outcome was lost in a crash: an agent must check, it is never re-sent.
const (
	StatePending State = "pending"
	StateSent    State = "sent"
	StateFailed  State = "failed"
	StateUnknown State = "unknown"
)

// Terminal reports whether no further attempt will be made.
func (s State) Terminal() bool { return s != StatePending }

// Action is something to do on a platform, as stored and as carried on the
// OUTBOUND stream under inbox.out.<platform>.<kind>.
type Action struct {
	// V is the schema version.
	V int `json:"v"`
	// ID is the store's id of the action.
	ID             int64      `json:"id"`
	ConversationID int64      `json:"conversation_id"`
	Platform       Platform   `json:"platform"`
	Kind           ActionKind `json:"kind"`
	// Key is the idempotency key: unique in the store and used as the
	// Nats-Msg-Id, so that publishing an action twice sends it once.
	Key string `json:"key"`
	// Purpose says why the action exists, e.g. "non_english_notice",
	// "dm_invite", "pii_notice", "agent_reply". The router uses it to enforce
	// "at most one per window" rules.
	Purpose string `json:"purpose,omitempty"`
	// Target is the platform id of the item acted on: the tweet, comment or
	// post replied to or hidden.
	Target string `json:"target,omitempty"`
	// Recipient is the platform user id for DMs, Messenger messages and follows.
	Recipient string `json:"recipient,omitempty"`
	Text      string `json:"text,omitempty"`
	// RequestedBy is "router" or "agent:<name>".
	RequestedBy string `json:"requested_by"`
	// LastCustomerMessageAt is the time of the customer's last message in
	// the conversation, for the Messenger 24-hour and 7-day windows.
	LastCustomerMessageAt time.Time `json:"last_customer_message_at,omitempty"`

	State      State     `json:"state"`
	Attempts   int       `json:"attempts"`
	PlatformID string    `json:"platform_id,omitempty"`
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Subject is the OUTBOUND subject the action is published on.
func (a *Action) Subject() string { return "inbox.out." + string(a.Platform) + "." + string(a.Kind) }

// ByAgent reports whether a human agent wrote the action.
func (a *Action) ByAgent() bool { return len(a.RequestedBy) > 6 && a.RequestedBy[:6] == "agent:" }

// Validate reports the first reason a cannot be sent, or nil.
func (a *Action) Validate() error {
	switch {
	case a.V < 1 || a.V > SchemaVersion:
		return fmt.Errorf("unsupported schema version %d", a.V)
	case !a.Platform.Valid():
		return fmt.Errorf("unknown platform %q", a.Platform)
	case a.Key == "":
		return fmt.Errorf("missing key")
	}
	switch a.Kind {
	case Reply, Hide, PrivateReply:
		if a.Target == "" {
			return fmt.Errorf("%s needs a target", a.Kind)
		}
	case SendDM, Follow:
		if a.Recipient == "" {
			return fmt.Errorf("%s needs a recipient", a.Kind)
		}
	default:
		return fmt.Errorf("unknown action kind %q", a.Kind)
	}
	return nil
}

// Event is a live update for agents' screens, published on core NATS under
// inbox.events.conversation.<id>. It carries ids, states and agents'
// names, never text.
type Event struct {
	// Type is "message", "action", "conversation", "health", "note" (an
	// internal note was added) or "presence" (an agent views or types).
	Type           string    `json:"type"`
	ConversationID int64     `json:"conversation_id,omitempty"`
	ActionID       int64     `json:"action_id,omitempty"`
	State          State     `json:"state,omitempty"`
	At             time.Time `json:"at"`
	// Agent names the agent of a presence or note event.
	Agent string `json:"agent,omitempty"`
	// Presence is what the agent of a presence event does: "viewing",
	// "typing" or "left".
	Presence string `json:"presence,omitempty"`
}
