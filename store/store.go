// Package store keeps every conversation, message, action, agent and audit
// record of inboxbot. It is the source of truth; the bus only carries work.
//
// This package holds what the rest of inboxbot shares about storage: the
// records, the small interfaces each consumer takes (Ingester for the
// router's batches, Conversations and Actions for reads and the send
// guard, Cursors for the connectors' positions, Accounts for agents and
// tokens, Auditor, Desk, Reporter, Profiles, Retention), Store which
// gathers them, the Config that chooses an implementation, and the errors.
// It links no database driver: store/sqlstore implements Store on SQLite
// (the default) and PostgreSQL, and every implementation passes the
// shared behaviour suite in package storetest.
package store

import (
	"context"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// Customer is a platform account that writes to us.
type Customer struct {
	ID         int64          `json:"id" db:"id"`
	Platform   inbox.Platform `json:"platform" db:"platform"`
	ExternalID string         `json:"external_id" db:"external_id"`
	Handle     string         `json:"handle" db:"handle"`
	Name       string         `json:"name" db:"name"`
}

// Conversation is one thread with one customer on one channel.
type Conversation struct {
	ID       int64          `json:"id"`
	Platform inbox.Platform `json:"platform"`
	Channel  inbox.Channel  `json:"channel"`
	// Thread is the platform key of the thread (see inbox.Inbound.Thread).
	Thread   string       `json:"thread"`
	Customer Customer     `json:"customer"`
	Status   inbox.Status `json:"status"`
	// Assignee is the name of the agent who holds the conversation, or "".
	Assignee           string   `json:"assignee"`
	Language           string   `json:"language"`
	LanguageConfidence float64  `json:"language_confidence"`
	Flags              []string `json:"flags"`
	// LinkedConversation is the id of the public conversation this private
	// one continues (or the private one a public one moved to), or 0.
	LinkedConversation int64 `json:"linked_conversation"`
	// AwaitingSince is the time of the oldest customer message that no
	// agent has answered yet; zero when nothing is owed.
	AwaitingSince         time.Time `json:"awaiting_since"`
	LastCustomerMessageAt time.Time `json:"last_customer_message_at"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
}

// HasFlag reports whether the conversation carries flag f.
func (c *Conversation) HasFlag(f string) bool {
	for _, x := range c.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// Message is one stored item of a conversation. Public inbound text is
// stored redacted; Findings say where the redacted spans were.
type Message struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	Platform       inbox.Platform  `json:"platform"`
	Kind           inbox.Kind      `json:"kind"`
	ExternalID     string          `json:"external_id"`
	Direction      inbox.Direction `json:"direction"`
	// Author is the platform user id for inbound messages, or
	// "router" / "agent:<name>" for outbound ones.
	Author     string          `json:"author"`
	Text       string          `json:"text"`
	Visibility inbox.Channel   `json:"visibility"`
	Findings   []inbox.Finding `json:"findings"`
	// Attachments are the references (type and URL) to the media the
	// customer attached, as the connector gave them: never downloaded,
	// and not personal text, so stored as they came even when the text
	// is redacted. None is nil.
	Attachments []inbox.Attachment `json:"attachments,omitempty"`
	// ParentID is the platform id of the item this one answers, or "".
	ParentID  string    `json:"parent_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Item is one inbound message to store, with what the router decided about it.
type Item struct {
	// Message is the inbound item. Its Text must already be redacted when
	// the item is public: the store writes what it is given.
	Message  inbox.Inbound
	Findings []inbox.Finding
	// Language and LanguageConfidence describe the message; the
	// conversation takes the latest confident value.
	Language           string
	LanguageConfidence float64
	// Flags are added to the conversation.
	Flags []string
	// Status, when not empty, sets the conversation's status (e.g. Pending
	// for a non-English thread that awaits no agent). When empty, a new
	// customer message reopens a closed conversation and makes it Open.
	Status inbox.Status
	// Link asks the store to link a private conversation to the newest
	// unlinked public conversation of the same customer on the same
	// platform, flagging both moved_to_private. When the customer has
	// none, the newest unlinked public conversation on the platform with
	// a sent Private Reply whose Recipient is this customer is taken: on
	// Facebook a commenter's id differs from their Messenger PSID, which
	// only the Private Reply's answer reveals (see Result.Recipient).
	Link bool
	// Actions are created with the message, unique by Key. Their
	// ConversationID is filled in by the store.
	Actions []inbox.Action
}

// Ingested is what the store did with one Item.
type Ingested struct {
	ConversationID int64
	MessageID      int64
	// Duplicate is true when the message was already stored (a redelivery):
	// nothing was changed.
	Duplicate bool
	// Actions are the item's actions as stored (existing ones on a
	// duplicate), so the router can (re)publish those still pending.
	Actions []inbox.Action
}

// Filter selects conversations for the queue. Zero fields match everything.
type Filter struct {
	Platform inbox.Platform
	Channel  inbox.Channel
	Language string
	Flag     string
	Assignee string // "-" selects unassigned conversations
	Status   inbox.Status
	// CustomerID selects one customer's conversations.
	CustomerID int64
	// PersonID selects the conversations of every customer of one person
	// (see Desk.MergeCustomers).
	PersonID int64
	// Sort is the order; the default is SortWaiting.
	Sort Sort
	// Targets are the response-time goals SortDue orders by.
	Targets []SLATarget
	// Limit caps the page size (default 50, at most 500); Offset skips.
	Limit  int
	Offset int
}

// Page is one page of the queue, in the order of Filter.Sort.
type Page struct {
	Conversations []Conversation `json:"conversations"`
	// Total counts all conversations that match the filter.
	Total int `json:"total"`
}

// Counts are the queue's facet counts over the conversations a Filter
// selects (see Store.Counts).
type Counts struct {
	ByPlatform map[string]int `json:"by_platform"`
	ByChannel  map[string]int `json:"by_channel"`
	ByLanguage map[string]int `json:"by_language"`
	ByFlag     map[string]int `json:"by_flag"`
	ByStatus   map[string]int `json:"by_status"`
	ByAssignee map[string]int `json:"by_assignee"`
}

// ActionFilter selects actions for the router's "at most one per window"
// rules.
type ActionFilter struct {
	Platform inbox.Platform
	// CustomerExternalID is the platform user id of the customer whose
	// conversations the actions belong to.
	CustomerExternalID string
	// ConversationID, when not 0, restricts to one conversation.
	ConversationID int64
	Purpose        string
	// Purposes, when set, keeps actions with any of these purposes (and
	// Purpose, when also set): one look-up for the policy's window rules,
	// whose notices may be combined into replies of several purposes.
	Purposes []string
	// Since keeps actions created at or after this time.
	Since time.Time
}

// Result is the outcome of sending an action, recorded by a connector.
type Result struct {
	State      inbox.State
	PlatformID string
	Error      string
	// Recipient is the platform user id the action reached when the
	// platform reveals it, e.g. a Private Reply's Messenger PSID, or "".
	// FinishSend stores it as the action's Recipient when that is empty,
	// so that Ingest can link the customer's Messenger conversation to
	// the public one the Private Reply answered (see Item.Link).
	Recipient string
}

// Agent is a member of the social team.
type Agent struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"` // "agent" | "admin"
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
}

// Token is an API bearer token or browser session of an agent. Only the
// SHA-256 hash of the secret is stored.
type Token struct {
	Hash      string    `json:"-"`
	AgentID   int64     `json:"agent_id"`
	Kind      string    `json:"kind"` // "session" | "api"
	CSRF      string    `json:"-"`    // session tokens only
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// Audit is one entry of the audit trail: who did what, and when.
type Audit struct {
	ID             int64     `json:"id"`
	Actor          string    `json:"actor"` // "router", "agent:<name>", "connector:<platform>"
	Action         string    `json:"action"`
	ConversationID int64     `json:"conversation_id,omitempty"`
	Detail         string    `json:"detail,omitempty"` // never customer text
	At             time.Time `json:"at"`
}

// Update changes a conversation's agent-facing fields. Nil fields are left
// as they are.
type Update struct {
	Status   *inbox.Status
	Assignee *string
	// ExpectAssignee, when not nil, makes the update fail with ErrConflict
	// unless the current assignee equals it (compare-and-set for claims).
	ExpectAssignee *string
	AddFlags       []string
	RemoveFlags    []string
	// Answered clears AwaitingSince: an agent has answered.
	Answered bool
}

// Ingester stores the router's decided batches.
type Ingester interface {
	// Ingest stores each item's customer, conversation, message and actions
	// in one transaction, and returns what it did, in order. It is
	// idempotent on (platform, external_id): a redelivered item changes
	// nothing and reports Duplicate.
	Ingest(ctx context.Context, items []Item) ([]Ingested, error)
}

// ConversationReader reads conversations and their messages.
type ConversationReader interface {
	// Conversation returns one conversation, or ErrNotFound.
	Conversation(ctx context.Context, id int64) (Conversation, error)
	// ConversationByThread returns the conversation of a platform thread,
	// or ErrNotFound.
	ConversationByThread(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (Conversation, error)
	// ConversationID returns the id of a platform thread's conversation,
	// or ErrNotFound: ConversationByThread without reading the rest, for
	// the router's per-item look-ups.
	ConversationID(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (int64, error)
	// Messages returns a conversation's messages, oldest first.
	Messages(ctx context.Context, conversationID int64) ([]Message, error)
	// Message returns one message by id, or ErrNotFound.
	Message(ctx context.Context, id int64) (Message, error)
}

// Queue is the agents' queue: its pages, facet counts and the changes
// agents make to conversations.
type Queue interface {
	// Conversations returns one page of the queue.
	Conversations(ctx context.Context, f Filter) (Page, error)
	// Counts returns the queue's facet counts over the conversations f
	// selects, each facet leaving out its own field of f, so that each
	// count is the length of the list that choosing its value would show.
	Counts(ctx context.Context, f Filter) (Counts, error)
	// UpdateConversation applies u and returns the result. It fails with
	// ErrConflict (and the current conversation) when ExpectAssignee does
	// not hold, and ErrNotFound for an unknown id.
	UpdateConversation(ctx context.Context, id int64, u Update) (Conversation, error)
}

// Retention is what the retention job needs to redact stored secrets.
type Retention interface {
	// ClosedConversations returns up to limit closed conversations whose
	// last change comes after from (in (UpdatedAt, ID) order) and at or
	// before until, in that order; pass the last one as the next from.
	ClosedConversations(ctx context.Context, from ConversationRef, until time.Time, limit int) ([]ConversationRef, error)
	// RewriteTexts replaces, in one transaction, the text of each message
	// of a conversation, and of each of its actions that is no longer
	// pending, with rewrite(text) where that differs, and returns how many
	// changed. rewrite must be pure: it may run more than once.
	RewriteTexts(ctx context.Context, conversationID int64, rewrite func(string) string) (int, error)
}

// ActionReader reads actions and counts them for the router's "at most
// one per window" rules.
type ActionReader interface {
	// Action returns one action by id, or ErrNotFound.
	Action(ctx context.Context, id int64) (inbox.Action, error)
	// ActionByKey returns one action by idempotency key, or ErrNotFound.
	ActionByKey(ctx context.Context, key string) (inbox.Action, error)
	// Actions returns a conversation's actions, oldest first.
	Actions(ctx context.Context, conversationID int64) ([]inbox.Action, error)
	// CountActions counts actions matching f.
	CountActions(ctx context.Context, f ActionFilter) (int, error)
}

// ActionCreator creates actions outside an ingest (agents' replies and
// the router's later answers).
type ActionCreator interface {
	// CreateAction stores a new pending action, unique by Key. When the key
	// exists it returns the stored action and created == false.
	CreateAction(ctx context.Context, a inbox.Action) (stored inbox.Action, created bool, err error)
}

// SendGuard is the send state machine that makes every action go out at
// most once: a connector asks before it sends and records the outcome.
type SendGuard interface {
	// BeginSend marks a pending action as being attempted (attempts+1)
	// before a connector sends it. It returns ErrAlreadyAttempted, after
	// marking the action unknown, when an earlier attempt's outcome was
	// lost; and ErrTerminal when the action is already sent, failed or
	// unknown. Only a nil error allows the send.
	BeginSend(ctx context.Context, id int64) (inbox.Action, error)
	// FinishSend records a send's outcome. A sent public or private reply
	// also becomes an outbound message of its conversation. A Result with
	// State pending means the platform refused the call before acting
	// (a rate limit): the attempt is undone (attempts back to 0, Error
	// kept) so that a later BeginSend allows the send again. A non-empty
	// r.Recipient becomes the action's Recipient when it has none.
	FinishSend(ctx context.Context, id int64, r Result) (inbox.Action, error)
	// RetrySend takes an action whose outcome is unknown back for one
	// more attempt, once its sender has checked on the platform that it
	// was not carried out (a retry-safe action, see connectors.Verifier):
	// the action becomes pending with one attempt in flight, as after
	// BeginSend, and reason as its error until FinishSend. It returns
	// ErrTerminal when the action is not unknown (another instance took
	// it back first, or it is finished).
	RetrySend(ctx context.Context, id int64, reason string) (inbox.Action, error)
}

// Cursors keeps the connectors' polling positions.
type Cursors interface {
	// Cursor returns a connector's saved position, and false when none is saved.
	Cursor(ctx context.Context, key string) (string, bool, error)
	// SetCursor saves a connector's position.
	SetCursor(ctx context.Context, key, value string) error
}

// Accounts keeps the agents and their tokens.
type Accounts interface {
	// CreateAgent adds an agent; ErrExists when the name is taken.
	CreateAgent(ctx context.Context, a Agent) (Agent, error)
	// Agent returns an agent by name, or ErrNotFound.
	Agent(ctx context.Context, name string) (Agent, error)
	// AgentByID returns an agent by id, or ErrNotFound.
	AgentByID(ctx context.Context, id int64) (Agent, error)
	// Agents lists all agents by name.
	Agents(ctx context.Context) ([]Agent, error)
	// SetPassword replaces an agent's password hash.
	SetPassword(ctx context.Context, name, hash string) error
	// CreateToken stores a session or API token.
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns an unexpired token, or ErrNotFound.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// DeleteToken removes a token (sign-out); deleting a missing one is not an error.
	DeleteToken(ctx context.Context, hash string) error
}

// Auditor keeps the audit trail.
type Auditor interface {
	// AddAudit appends to the audit trail.
	AddAudit(ctx context.Context, a Audit) error
	// AuditTrail returns a conversation's audit entries, oldest first.
	AuditTrail(ctx context.Context, conversationID int64) ([]Audit, error)
}

// Lifecycle is the database's own upkeep.
type Lifecycle interface {
	// Migrate brings the schema to the newest version. sqlstore.Open
	// already does; it is exposed for `inboxbot migrate`. It returns the
	// version reached.
	Migrate(ctx context.Context) (int, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database. It is idempotent.
	Close() error
}

// Store is the persistence of inboxbot: every small interface above in
// one. Only the program's wiring (package app, cmd/inboxbot) and the
// implementations deal in a whole Store; each consumer takes the small
// interfaces it uses. Every method's ctx bounds that call only;
// implementations are safe for concurrent use.
type Store interface {
	Ingester
	ConversationReader
	Queue
	Retention
	ActionReader
	ActionCreator
	SendGuard
	Cursors
	Accounts
	Auditor
	// Desk is what the agents' desk keeps besides conversations: read
	// marks, notes, persons, search.
	Desk
	// Reporter computes the reports page's figures.
	Reporter
	// Profiles keeps the customers' profiles the connectors look up.
	Profiles
	Lifecycle
}
