package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/sla"
	"github.com/inboxbot/inboxbot/store"
)

// The desk: the queue as agents work it (previews, unread and mention
// markers, SLA clocks, search), and one conversation with its thread,
// notes and customer.

// WithSLA sets the response targets the queue is coloured and sorted by
// (policy.sla). Default: no targets.
func WithSLA(cfg sla.Config) ServiceOption {
	return func(s *Service) { s.sla = cfg }
}

// WithClock sets the Service's time (default the system clock).
func WithClock(c Clock) ServiceOption {
	return func(s *Service) {
		if c != nil {
			s.now = c.Now
		}
	}
}

// WithPublisher sets where the Service announces notes to every desk
// instance (bus.PublishEvent). Nil: nowhere, pages catch up on their next
// refresh.
func WithPublisher(publish func(inbox.Event)) ServiceOption {
	return func(s *Service) { s.publish = publish }
}

// announce publishes a live event, when there is somewhere to publish.
func (s *Service) announce(ev inbox.Event) {
	if s.publish != nil {
		ev.At = s.now()
		s.publish(ev)
	}
}

// SLAView is where a conversation's wait for an agent stands against its
// target (policy.sla).
type SLAView struct {
	// State is ok, warning (amber) or breached (red); empty when nothing
	// is owed or no target applies.
	State sla.State `json:"state,omitempty"`
	// DueAt is when the answer is due; zero when State is empty.
	DueAt time.Time `json:"due_at,omitzero"`
	// First is true while the conversation waits for its first answer.
	First bool `json:"first,omitempty"`
}

// slaView measures an open conversation's wait at now; answered tells
// whether an agent answered it before (the next-response target applies).
func slaView(cfg sla.Config, c store.Conversation, answered bool, now time.Time) SLAView {
	if c.Status != inbox.Open || c.AwaitingSince.IsZero() {
		return SLAView{}
	}
	t := cfg.For(c.Platform, c.Channel)
	due := t.Due(answered)
	if due <= 0 {
		return SLAView{}
	}
	return SLAView{State: t.State(now.Sub(c.AwaitingSince), answered), DueAt: c.AwaitingSince.Add(due), First: !answered}
}

// QueueItem is a conversation as the queue lists it.
type QueueItem struct {
	ConversationView
	// Preview is the newest message (or, in search results, the message
	// that matched) on one line, with every secret hidden.
	Preview string `json:"preview"`
	// PreviewBy is who wrote it: "customer", an agent's name, or
	// "inboxbot" for the automatic policy.
	PreviewBy string `json:"preview_by,omitempty"`
	// Unread is true when the customer wrote since the agent last opened
	// the conversation (or they never did).
	Unread bool `json:"unread"`
	// Mentioned is true when a note mentions the agent and they have not
	// opened the conversation since.
	Mentioned bool    `json:"mentioned"`
	SLA       SLAView `json:"sla"`
	// AvatarURL is the customer's picture, when the platform gave one.
	AvatarURL string `json:"-"`
	// Moved is the public conversation that this private one continues,
	// set pending when the customer moved here; the queue shows it under
	// this one.
	Moved *ConversationView `json:"moved_from,omitempty"`
}

// QueuePage is one page of the queue or of search results.
type QueuePage struct {
	Conversations []QueueItem `json:"conversations"`
	// Total counts the conversations the filter selects; for a search,
	// those found up to the end of this page (see More).
	Total int `json:"total"`
	// More is true when more conversations follow this page.
	More   bool   `json:"more"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Query  string `json:"query,omitempty"`
}

// Queue returns one page of the queue as agent sees it, or of the
// conversations that match the search query q (see store.ParseQuery)
// when q is not empty. f.Sort SortDue orders by the SLA targets.
func (s *Service) Queue(ctx context.Context, agent string, f store.Filter, q string) (QueuePage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
	if f.Sort == store.SortDue {
		f.Targets = store.SLATargets(s.sla)
	}
	out := QueuePage{Limit: f.Limit, Offset: f.Offset, Query: q}
	var (
		convs   []store.Conversation
		matches map[int64]int64
	)
	if q = strings.TrimSpace(q); q != "" {
		if _, err := store.ParseQuery(q); err != nil {
			var qe *store.QueryError
			if errors.As(err, &qe) {
				return QueuePage{}, &InvalidError{Message: "search: " + qe.Reason, Err: err}
			}
			return QueuePage{}, err
		}
		res, err := s.store.Search(ctx, q, f)
		if err != nil {
			return QueuePage{}, fmt.Errorf("searching conversations: %w", err)
		}
		convs, matches, out.More = res.Conversations, res.Matches, res.More
		out.Total = f.Offset + len(convs)
	} else {
		p, err := s.store.Conversations(ctx, f)
		if err != nil {
			return QueuePage{}, fmt.Errorf("listing conversations: %w", err)
		}
		convs, out.Total = p.Conversations, p.Total
		out.More = f.Offset+len(convs) < p.Total
	}
	items, err := s.queueItems(ctx, agent, convs, matches)
	if err != nil {
		return QueuePage{}, err
	}
	out.Conversations = items
	return out, nil
}

// queueItems dresses conversations for the queue: glances (previews,
// markers, first responses), SLA clocks, and the public conversation each
// private one continues.
func (s *Service) queueItems(ctx context.Context, agent string, convs []store.Conversation, matches map[int64]int64) ([]QueueItem, error) {
	ids := make([]int64, len(convs))
	var linked []int64
	for i, c := range convs {
		ids[i] = c.ID
		if c.Channel == inbox.Private && c.LinkedConversation != 0 {
			linked = append(linked, c.LinkedConversation)
		}
	}
	glances, err := s.store.Glances(ctx, agent, ids, matches)
	if err != nil {
		return nil, fmt.Errorf("reading the queue's previews: %w", err)
	}
	moved := map[int64]ConversationView{}
	if len(linked) > 0 {
		pubs, err := s.store.ConversationsByID(ctx, linked)
		if err != nil {
			return nil, fmt.Errorf("reading linked conversations: %w", err)
		}
		for _, p := range pubs {
			moved[p.ID] = conversationView(p)
		}
	}
	now := s.now()
	items := make([]QueueItem, len(convs))
	for i, c := range convs {
		g := glances[c.ID]
		it := QueueItem{
			ConversationView: conversationView(c),
			Unread:           g.Unread, Mentioned: g.Mentioned, AvatarURL: g.AvatarURL,
			SLA: slaView(s.sla, c, !g.FirstResponseAt.IsZero(), now),
		}
		if g.Preview.ID != 0 {
			it.Preview = preview(s.rd, strings.TrimSpace(g.Preview.Text+" "+attachmentsSummary(g.Preview.Attachments)))
			it.PreviewBy = "customer"
			if g.Preview.Direction == inbox.Out {
				it.PreviewBy = actorLabel(g.Preview.Author)
				if g.Preview.Author == "router" {
					it.PreviewBy = "inboxbot"
				}
			}
		}
		if m, ok := moved[c.LinkedConversation]; ok && c.Channel == inbox.Private {
			it.Moved = &m
		}
		items[i] = it
	}
	return items, nil
}

// PersonView is the person behind a conversation's customer: every
// platform account merged into them, and their conversations.
type PersonView struct {
	ID       int64         `json:"id"`
	Accounts []AccountView `json:"accounts"`
	// Recent are the person's newest conversations, on every platform.
	Recent []QueueItem `json:"conversations"`
	// More is true when the person has more conversations than Recent.
	More bool `json:"more"`
	// Customer is the account of the conversation the person was read for.
	Customer store.Customer `json:"-"`
	// Avatar is that account's picture URL, when the platform gave one.
	Avatar string `json:"-"`
}

// AccountView is one platform account of a person.
type AccountView struct {
	Platform inbox.Platform `json:"platform"`
	Handle   string         `json:"handle,omitempty"`
	Name     string         `json:"name,omitempty"`
}

// Label names the account as the desk shows customers.
func (a AccountView) Label() string {
	return CustomerView{Handle: a.Handle, Name: a.Name}.Label()
}

// personConversations is how many of a person's conversations the
// customer pane lists.
const personConversations = 20

// Desk is one conversation as an agent works it: the thread (messages,
// replies each with its delivery state, notes) in time order, the
// customer, and the SLA clock.
type Desk struct {
	ConversationDetail
	// Notes are the internal notes, oldest first.
	Notes []NoteView `json:"notes"`
	// Person is the customer behind the conversation, on every platform.
	Person PersonView `json:"person"`
	SLA    SLAView    `json:"sla"`
	// Thread is every item of the conversation in time order.
	Thread []ThreadItem `json:"-"`
}

// Open returns a conversation for agent, and marks it read for them: its
// customer messages so far and the notes that mention them.
func (s *Service) Open(ctx context.Context, agent string, id int64) (Desk, error) {
	d, msgs, acts, err := s.showConversation(ctx, id)
	if err != nil {
		return Desk{}, err
	}
	c, err := s.conversation(ctx, id)
	if err != nil {
		return Desk{}, err
	}
	notes, err := s.store.Notes(ctx, id)
	if err != nil {
		return Desk{}, fmt.Errorf("loading notes of %d: %w", id, err)
	}
	glances, err := s.store.Glances(ctx, agent, []int64{id}, nil)
	if err != nil {
		return Desk{}, fmt.Errorf("reading conversation %d: %w", id, err)
	}
	g := glances[id]
	out := Desk{
		ConversationDetail: d,
		Notes:              make([]NoteView, len(notes)),
		SLA:                slaView(s.sla, c, !g.FirstResponseAt.IsZero(), s.now()),
	}
	for i, n := range notes {
		out.Notes[i] = noteView(n, agent)
	}
	out.Thread = thread(s.rd, msgs, acts, out.Notes)
	if out.Person, err = s.person(ctx, agent, c); err != nil {
		return Desk{}, err
	}
	out.Person.Avatar = platformImage(g.AvatarURL)
	if err := s.store.MarkRead(ctx, agent, id, c.LastCustomerMessageAt); err != nil {
		return Desk{}, fmt.Errorf("marking conversation %d read: %w", id, err)
	}
	return out, nil
}

// person returns the person behind c's customer with their newest
// conversations.
func (s *Service) person(ctx context.Context, agent string, c store.Conversation) (PersonView, error) {
	p, err := s.store.Person(ctx, c.Customer.ID)
	if err != nil {
		return PersonView{}, fmt.Errorf("reading the customer of conversation %d: %w", c.ID, err)
	}
	out := PersonView{ID: p.ID, Customer: c.Customer, Accounts: make([]AccountView, len(p.Customers))}
	for i, cu := range p.Customers {
		out.Accounts[i] = AccountView{Platform: cu.Platform, Handle: cu.Handle, Name: cu.Name}
	}
	page, err := s.store.Conversations(ctx, store.Filter{PersonID: p.ID, Sort: store.SortNewest, Limit: personConversations})
	if err != nil {
		return PersonView{}, fmt.Errorf("listing the customer's conversations: %w", err)
	}
	if out.Recent, err = s.queueItems(ctx, agent, page.Conversations, nil); err != nil {
		return PersonView{}, err
	}
	out.More = page.Total > len(page.Conversations)
	return out, nil
}

// Merge makes the customers of two conversations one person, so that the
// customer pane of either lists the conversations of both, on every
// platform. It is audited on both conversations.
func (s *Service) Merge(ctx context.Context, agent string, id, other int64) (PersonView, error) {
	if id == other {
		return PersonView{}, invalidf("a conversation cannot be merged with itself")
	}
	c, err := s.conversation(ctx, id)
	if err != nil {
		return PersonView{}, err
	}
	o, err := s.conversation(ctx, other)
	if err != nil {
		return PersonView{}, err
	}
	if _, err := s.store.MergeCustomers(ctx, c.Customer.ID, o.Customer.ID); err != nil {
		return PersonView{}, fmt.Errorf("merging customers: %w", err)
	}
	s.audit(ctx, "agent:"+agent, "merge_customer", id, fmt.Sprintf("with the customer of #%d", other))
	s.audit(ctx, "agent:"+agent, "merge_customer", other, fmt.Sprintf("with the customer of #%d", id))
	s.announce(inbox.Event{Type: "conversation", ConversationID: id})
	s.announce(inbox.Event{Type: "conversation", ConversationID: other})
	return s.person(ctx, agent, c)
}
