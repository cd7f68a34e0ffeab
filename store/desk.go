package store

import (
	"context"
	"time"
)

// Desk is what the agents' desk keeps beyond the conversations
// themselves: who has read what, internal notes and their @mentions,
// customers merged into persons, and full-text search. Every Store is a
// Desk.
type Desk interface {
	// Glances returns, for each of the conversations ids, what the queue
	// shows besides the conversation itself, as seen by agent: the newest
	// message (or the message match names, for search results), whether
	// it is unread, whether agent is mentioned in an unseen note. Unknown
	// ids are left out.
	Glances(ctx context.Context, agent string, ids []int64, match map[int64]int64) (map[int64]Glance, error)
	// MarkRead records that agent has seen a conversation's customer
	// messages up to at, and every note that mentions them there. A mark
	// never moves back. ErrNotFound for an unknown conversation.
	MarkRead(ctx context.Context, agent string, conversationID int64, at time.Time) error
	// Mentions counts the conversations where agent is mentioned in a
	// note they have not seen.
	Mentions(ctx context.Context, agent string) (int, error)

	// AddNote stores an internal note with the agents it mentions, and
	// returns it with its id and time. ErrNotFound for an unknown
	// conversation, ErrInvalid for an empty or unstorable note.
	AddNote(ctx context.Context, n Note) (Note, error)
	// Notes returns a conversation's notes, oldest first.
	Notes(ctx context.Context, conversationID int64) ([]Note, error)

	// Person returns the customers of the person that the customer id
	// belongs to (the customer alone until merged), ordered by id.
	// ErrNotFound for an unknown customer.
	Person(ctx context.Context, customerID int64) (Person, error)
	// MergeCustomers makes the persons of the customers keep and merge
	// one, under keep's person id, and returns it. Merging a person with
	// itself changes nothing. ErrNotFound for an unknown customer.
	MergeCustomers(ctx context.Context, keep, merge int64) (Person, error)

	// ConversationsByID returns the conversations with the given ids, in
	// that order; unknown ids are left out.
	ConversationsByID(ctx context.Context, ids []int64) ([]Conversation, error)

	// Search returns the conversations that match a search query (see
	// ParseQuery) and the filter f: those with an id equal to one of the
	// query's ids first, then those whose customer matches (newest
	// conversation first), then those with a matching message (newest
	// match first). ErrInvalid for a query with nothing to search.
	Search(ctx context.Context, query string, f Filter) (SearchPage, error)
}

// Glance is what the queue shows of a conversation besides its record.
type Glance struct {
	// Preview is the newest message of the conversation, or the message a
	// search matched; zero when it has none. Its text is as stored: public
	// text redacted, private text in clear, for the desk to mask.
	Preview Message
	// Unread is true when a customer message is newer than the agent's
	// read mark (or the agent never opened the conversation).
	Unread bool
	// Mentioned is true when a note mentions the agent and they have not
	// opened the conversation since.
	Mentioned bool
	// FirstResponseAt is when an agent first answered; zero before. The
	// SLA's first-response target applies until then.
	FirstResponseAt time.Time
	// PersonID is the person the customer belongs to.
	PersonID int64
	// AvatarURL is the customer's profile picture, when the platform gave one.
	AvatarURL string
}

// Note is an internal note: written by an agent for agents, never sent to
// a platform.
type Note struct {
	ID             int64 `json:"id"`
	ConversationID int64 `json:"conversation_id"`
	// Author is the agent's name.
	Author string `json:"author"`
	Text   string `json:"text"`
	// Mentions are the names of the agents the note mentions.
	Mentions  []string  `json:"mentions"`
	CreatedAt time.Time `json:"created_at"`
}

// Person is the human behind one or more platform accounts.
type Person struct {
	// ID is the id of the customer the person was first merged into (the
	// customer's own id until merged).
	ID        int64      `json:"id"`
	Customers []Customer `json:"customers"`
}
