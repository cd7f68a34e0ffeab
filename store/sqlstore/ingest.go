package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// storable reports whether both databases can keep s byte for byte:
// PostgreSQL text rejects NUL and invalid UTF-8, so the store rejects them
// everywhere rather than behave differently per driver.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// validateItem reports why an item cannot be stored, before any
// transaction starts, so that one bad item is named rather than failing
// the batch half-way.
func validateItem(it *store.Item) error {
	m := &it.Message
	if err := m.Validate(); err != nil {
		return err
	}
	// Times are stored as int64 nanoseconds.
	if y := m.CreatedAt.Year(); y < 1678 || y > 2261 {
		return fmt.Errorf("created_at %s out of range", m.CreatedAt)
	}
	for _, s := range []string{m.ExternalID, m.Thread, m.ParentID, m.Author.ID, m.Author.Handle, m.Author.Name, m.Text, it.Language} {
		if !storable(s) {
			return errors.New("text is not valid UTF-8 or contains NUL")
		}
	}
	for _, a := range m.Attachments {
		if !storable(a.Type) || !storable(a.URL) {
			return errors.New("attachment is not valid UTF-8 or contains NUL")
		}
	}
	if it.Status != "" && !validStatus(it.Status) {
		return fmt.Errorf("unknown status %q", it.Status)
	}
	if math.IsNaN(it.LanguageConfidence) || math.IsInf(it.LanguageConfidence, 0) {
		return errors.New("language_confidence is not a number")
	}
	for _, f := range it.Flags {
		if f == "" || !storable(f) {
			return fmt.Errorf("invalid flag %q", f)
		}
	}
	for i, a := range it.Actions {
		if err := validateAction(a); err != nil {
			return fmt.Errorf("action %d: %w", i, err)
		}
	}
	return nil
}

// Ingest stores a batch in one transaction as if item by item in order, so
// that later items of a conversation see what earlier ones did. SQLite
// does exactly that; PostgreSQL, where each statement is a round trip,
// stores the batch as sets to the same end (ingest_batch.go). Invalid items
// are reported before anything is written, as an *InvalidItemError that
// matches ErrInvalid.
//
// For a new message the conversation of (platform, channel of the kind,
// thread) is created Open (or with item.Status) or updated:
// last_customer_message_at becomes the latest customer message time;
// awaiting_since the oldest unanswered one, unless item.Status is Pending;
// the status becomes item.Status, or Open when it is empty (a customer
// writing reopens a closed or pending conversation); the language is
// replaced by a confident one (or fills an empty one); flags are added.
// item.Link links a private conversation without a link to the customer's
// public conversation on the same platform that has none and where the
// customer wrote most recently, and flags both moved_to_private. When the
// customer has no such conversation, it takes the one, among those without
// a link on the platform, with a sent Private Reply whose recipient is the
// customer's external id (a Facebook commenter's Messenger PSID, which
// differs from their comment author id) and the latest customer message.
//
// A message already stored (including twice in one batch) is a Duplicate:
// nothing changes, and the item's actions that exist are returned.
func (s *sqlStore) Ingest(ctx context.Context, items []store.Item) ([]store.Ingested, error) {
	return s.ingest(ctx, items, s.d.sets)
}

// ingest is Ingest with the dialect's set-based statements, or item by
// item when sets is nil (the per-item path, also a benchmark's baseline).
func (s *sqlStore) ingest(ctx context.Context, items []store.Item, sets *setIngest) ([]store.Ingested, error) {
	for i := range items {
		if err := validateItem(&items[i]); err != nil {
			return nil, fmt.Errorf("ingesting: %w", &store.InvalidItemError{Index: i, Err: err})
		}
	}
	if len(items) == 0 {
		return []store.Ingested{}, nil
	}
	var out []store.Ingested
	err := s.inTx(ctx, func(q *txq) error {
		g := ingester{txq: q, now: time.Now().UnixNano()}
		var err error
		if sets != nil {
			out, err = g.runBatch(ctx, items, sets)
		} else {
			out, err = g.run(ctx, items)
		}
		if err != nil {
			return err
		}
		return q.indexMessages(ctx, storedIDs(out))
	})
	if err != nil {
		return nil, fmt.Errorf("ingesting: %w", err)
	}
	return out, nil
}

// storedIDs returns the ids of the messages that res stored (not the
// duplicates).
func storedIDs(res []store.Ingested) []int64 {
	ids := make([]int64, 0, len(res))
	for _, r := range res {
		if !r.Duplicate {
			ids = append(ids, r.MessageID)
		}
	}
	return ids
}

type msgKey struct{ platform, externalID string }

type msgRef struct{ id, conversationID int64 }

type customerKey struct{ platform, externalID string }

// customerRow is a customer as this transaction last read or wrote it.
type customerRow struct {
	id           int64
	handle, name string
}

type flagKey struct {
	conversationID int64
	flag           string
}

// ingester is one Ingest transaction with its caches, which save the
// repeated statements of a batch where many items share a customer or flag.
type ingester struct {
	*txq
	now       int64
	known     map[msgKey]msgRef
	customers map[customerKey]customerRow
	flags     map[flagKey]struct{}
}

// ingestLockBuckets is how many ingest locks there are. Few enough that a
// big batch takes them all without exhausting PostgreSQL's lock table;
// enough that small batches (a router under light load) rarely wait.
const ingestLockBuckets = 64

// ingestBuckets returns, in ascending order, the lock buckets of every
// customer, conversation and action key that items may write.
//
// Concurrent Ingest transactions on PostgreSQL would otherwise lock the
// same customer and conversation rows in different orders and deadlock
// (each costing a second of deadlock_timeout and a retry). Taking the
// buckets in one global order first means that two transactions touching a
// common row queue on its bucket before either holds any row lock. It also
// makes existing() authoritative: a concurrent transaction storing the same
// message holds its conversation's bucket until it commits.
func ingestBuckets(items []store.Item) []int32 {
	var seen [ingestLockBuckets]bool
	mark := func(parts ...string) {
		h := fnv.New32a()
		for _, p := range parts {
			_, _ = h.Write([]byte(p))
			_, _ = h.Write([]byte{0})
		}
		seen[h.Sum32()%ingestLockBuckets] = true
	}
	for i := range items {
		m := &items[i].Message
		mark("customer", string(m.Platform), m.Author.ID)
		mark("conversation", string(m.Platform), string(m.Kind.Channel()), m.Thread)
		for _, a := range items[i].Actions {
			mark("action", a.Key)
		}
	}
	var out []int32
	for b, ok := range seen {
		if ok {
			out = append(out, int32(b))
		}
	}
	return out
}

func (g *ingester) run(ctx context.Context, items []store.Item) ([]store.Ingested, error) {
	var err error
	if g.s.d.ingestLock != "" {
		if _, err := g.tx.ExecContext(ctx, g.s.d.ingestLock, ingestBuckets(items)); err != nil {
			return nil, fmt.Errorf("taking ingest locks: %w", err)
		}
	}
	if g.known, err = g.existing(ctx, items); err != nil {
		return nil, err
	}
	if err := g.loadCustomers(ctx, items); err != nil {
		return nil, fmt.Errorf("reading customers: %w", err)
	}
	g.flags = make(map[flagKey]struct{})
	out := make([]store.Ingested, len(items))
	for i := range items {
		it := &items[i]
		k := msgKey{string(it.Message.Platform), it.Message.ExternalID}
		if ref, ok := g.known[k]; ok {
			out[i], err = g.duplicate(ctx, ref, it)
		} else {
			out[i], err = g.add(ctx, it)
			g.known[k] = msgRef{out[i].MessageID, out[i].ConversationID}
		}
		if err != nil {
			return nil, fmt.Errorf("item %d (%s %s): %w", i, it.Message.Platform, it.Message.ExternalID, err)
		}
	}
	return out, nil
}

// existing finds the batch's messages that are already stored, with one
// query per platform and chunk instead of one per item.
func (g *ingester) existing(ctx context.Context, items []store.Item) (map[msgKey]msgRef, error) {
	known := make(map[msgKey]msgRef, len(items))
	err := g.byExternalID(ctx, `SELECT external_id, id, conversation_id FROM messages`, items,
		func(m *inbox.Inbound) string { return m.ExternalID },
		func(p string, rows *sql.Rows) error {
			var ext string
			var ref msgRef
			if err := rows.Scan(&ext, &ref.id, &ref.conversationID); err != nil {
				return err
			}
			known[msgKey{p, ext}] = ref
			return nil
		})
	return known, err
}

// loadCustomers reads the stored customers who wrote the batch's new
// items, with one query per platform and chunk, so that customer needs no
// statement for a customer whose handle and name have not changed (a
// read per item was 14% of SQLite's ingest in `inboxbot bench`).
func (g *ingester) loadCustomers(ctx context.Context, items []store.Item) error {
	g.customers = make(map[customerKey]customerRow)
	return g.byExternalID(ctx, `SELECT external_id, id, handle, name FROM customers`, items,
		func(m *inbox.Inbound) string {
			if _, dup := g.known[msgKey{string(m.Platform), m.ExternalID}]; dup {
				return ""
			}
			return m.Author.ID
		},
		func(p string, rows *sql.Rows) error {
			var ext string
			var c customerRow
			if err := rows.Scan(&ext, &c.id, &c.handle, &c.name); err != nil {
				return err
			}
			g.customers[customerKey{p, ext}] = c
			return nil
		})
}

// byExternalID runs query, a SELECT from a table keyed by (platform,
// external_id), for the distinct external ids that id gives the items (""
// for none): it adds WHERE platform = ? AND external_id IN (...), runs one
// statement per platform and chunk of 500, and hands each row to scan.
func (g *ingester) byExternalID(ctx context.Context, query string, items []store.Item,
	id func(*inbox.Inbound) string, scan func(platform string, rows *sql.Rows) error) error {
	const chunk = 500
	byPlatform := map[string][]string{}
	seen := map[[2]string]bool{} // platform, external id
	for i := range items {
		m := &items[i].Message
		p, ext := string(m.Platform), id(m)
		if ext == "" || seen[[2]string{p, ext}] {
			continue
		}
		seen[[2]string{p, ext}] = true
		byPlatform[p] = append(byPlatform[p], ext)
	}
	for p, ids := range byPlatform {
		for len(ids) > 0 {
			n := min(len(ids), chunk)
			q, args, err := sqlx.In(query+` WHERE platform = ? AND external_id IN (?)`, p, ids[:n])
			if err != nil {
				return err
			}
			ids = ids[n:]
			rows, err := g.tx.QueryContext(ctx, g.s.rb(q), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := scan(p, rows); err != nil {
					rows.Close()
					return err
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *ingester) duplicate(ctx context.Context, ref msgRef, it *store.Item) (store.Ingested, error) {
	res := store.Ingested{ConversationID: ref.conversationID, MessageID: ref.id, Duplicate: true}
	// The actions this message's first routing created, whatever the
	// policy decides now (its once-per-window rules see them and decide
	// nothing the second time).
	var rows []actionRow
	if err := sqlx.SelectContext(ctx, g.tx, &rows, g.s.rb(actionSelect+` WHERE a.message_id = ? ORDER BY a.id`), ref.id); err != nil {
		return res, err
	}
	for i := range rows {
		res.Actions = append(res.Actions, rows[i].action())
	}
	return res, nil
}

// customer returns the id of m's author, storing them when they are new
// or their handle or name changed. loadCustomers has read the batch's
// customers: one not in the cache is new.
func (g *ingester) customer(ctx context.Context, m *inbox.Inbound) (int64, error) {
	k := customerKey{string(m.Platform), m.Author.ID}
	handle, name := m.Author.Handle, m.Author.Name
	// The cache holds the row as this transaction left it (not what
	// earlier items said), so that an item whose handle changed back to
	// one an earlier item had still writes it.
	c, known := g.customers[k]
	if known && (handle == "" || handle == c.handle) && (name == "" || name == c.name) {
		return c.id, nil
	}
	err := g.get(ctx, `INSERT INTO customers (platform, external_id, handle, name) VALUES (?, ?, ?, ?)
		ON CONFLICT (platform, external_id) DO UPDATE SET `+customerSet("excluded")+`
		RETURNING id, handle, name`, []any{k.platform, k.externalID, handle, name}, &c.id, &c.handle, &c.name)
	if err != nil {
		return 0, fmt.Errorf("storing customer: %w", err)
	}
	g.customers[k] = c
	return c.id, nil
}

// customerSet keeps a customer's handle and name unless the new ones,
// read from the row named from (e.g. "excluded"), are not empty.
func customerSet(from string) string {
	return strings.ReplaceAll(`
	handle = CASE WHEN new.handle <> '' THEN new.handle ELSE customers.handle END,
	name = CASE WHEN new.name <> '' THEN new.name ELSE customers.name END`, "new.", from+".")
}

// upsertConversation creates or updates a conversation for one new
// customer message; see Ingest for the rules. An update leaves status and
// language as they are and returns them, and the ingester changes them
// only when they differ (setFacets). SQLite rewrites every index entry of
// a row whose index has a column the UPDATE sets, even to the same value:
// naming them here rewrote each conversation's entry in the facet index
// (conversations_facets) for every message, though a customer's message
// seldom changes its status or language, which was about 430 of the
// 5,900 bytes written per routed message (#17).
var upsertConversation = `INSERT INTO conversations (platform, channel, thread, customer_id, status,
	language, language_confidence, awaiting_since, last_customer_message_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, channel, thread) DO UPDATE SET ` + conversationSet("excluded", "status", "language") + `
RETURNING id, customer_id, linked_conversation, last_customer_message_at, status, language`

// setFacets gives a conversation the status and language that
// conversationRules give it after a message of it, when they differ from
// what it has (upsertConversation left them).
func (g *ingester) setFacets(ctx context.Context, id int64, it *store.Item, status inbox.Status, cur conversationFacets) error {
	lang := cur.language
	if takesLanguage(lang, it) {
		lang = it.Language
	}
	if status == cur.status && lang == cur.language {
		return nil
	}
	_, err := g.exec(ctx, `UPDATE conversations SET status = ?, language = ? WHERE id = ?`, string(status), lang, id)
	return err
}

// takesLanguage reports whether it's language guess replaces a
// conversation's language cur, as conversationRules' language does: a
// confident guess replaces it, any guess fills an empty one.
func takesLanguage(cur string, it *store.Item) bool {
	return it.Language != "" && (it.LanguageConfidence > 0 || cur == "")
}

// conversationFacets are the columns of a conversation that
// upsertConversation leaves for setFacets.
type conversationFacets struct {
	status   inbox.Status
	language string
}

// conversationRules are how a new customer message (or, in a batch,
// several folded into one; see segConv) updates its conversation: each
// column and its new value, where "new." names the message's values and
// "conversations." the row as it is.
var conversationRules = []struct{ col, expr string }{
	{"status", "new.status"},
	{"language", `CASE WHEN new.language <> '' AND (new.language_confidence > 0 OR conversations.language = '')
		THEN new.language ELSE conversations.language END`},
	{"language_confidence", `CASE WHEN new.language <> '' AND (new.language_confidence > 0 OR conversations.language = '')
		THEN new.language_confidence ELSE conversations.language_confidence END`},
	{"awaiting_since", `CASE WHEN new.awaiting_since IS NULL
			OR (conversations.awaiting_since IS NOT NULL AND conversations.awaiting_since <= new.awaiting_since)
		THEN conversations.awaiting_since ELSE new.awaiting_since END`},
	{"last_customer_message_at", `CASE WHEN conversations.last_customer_message_at IS NOT NULL
			AND conversations.last_customer_message_at >= new.last_customer_message_at
		THEN conversations.last_customer_message_at ELSE new.last_customer_message_at END`},
	{"updated_at", "new.updated_at"},
}

// conversationSet is the SET list of conversationRules, without the
// columns skipped, with the message's values read from the row named from
// (e.g. "excluded").
func conversationSet(from string, skip ...string) string {
	var b strings.Builder
	for _, r := range conversationRules {
		if slices.Contains(skip, r.col) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n\t%s = %s", r.col, strings.ReplaceAll(r.expr, "new.", from+"."))
	}
	return b.String()
}

func (g *ingester) add(ctx context.Context, it *store.Item) (store.Ingested, error) {
	m := &it.Message
	custID, err := g.customer(ctx, m)
	if err != nil {
		return store.Ingested{}, err
	}
	status := it.Status
	if status == "" {
		status = inbox.Open
	}
	created := m.CreatedAt.UnixNano()
	awaiting := sql.NullInt64{Int64: created, Valid: status != inbox.Pending}
	channel := m.Kind.Channel()
	var (
		res       store.Ingested
		convCust  int64
		linked    sql.NullInt64
		lastMsgAt sql.NullInt64
		facets    conversationFacets
	)
	err = g.get(ctx, upsertConversation, []any{string(m.Platform), string(channel), m.Thread, custID, string(status),
		it.Language, it.LanguageConfidence, awaiting, created, g.now, g.now},
		&res.ConversationID, &convCust, &linked, &lastMsgAt, &facets.status, &facets.language)
	if err == nil {
		err = g.setFacets(ctx, res.ConversationID, it, status, facets)
	}
	if err != nil {
		return store.Ingested{}, fmt.Errorf("storing conversation: %w", err)
	}

	findings, err := listJSON(it.Findings)
	if err != nil {
		return store.Ingested{}, err
	}
	atts, err := listJSON(m.Attachments)
	if err != nil {
		return store.Ingested{}, err
	}
	err = g.get(ctx, `INSERT INTO messages (conversation_id, platform, kind, external_id, direction,
			author, text, visibility, findings, attachments, parent_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, external_id) DO NOTHING RETURNING id`,
		[]any{res.ConversationID, string(m.Platform), string(m.Kind), m.ExternalID, string(inbox.In),
			m.Author.ID, m.Text, string(channel), findings, atts, m.ParentID, created}, &res.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		// Stored by a concurrent transaction after existing() looked: the
		// conversation update above must not stand.
		return store.Ingested{}, errRace
	}
	if err != nil {
		return store.Ingested{}, fmt.Errorf("storing message: %w", err)
	}

	for _, f := range it.Flags {
		if err := g.flag(ctx, res.ConversationID, f); err != nil {
			return store.Ingested{}, err
		}
	}
	if it.Link && channel == inbox.Private && !linked.Valid {
		if err := g.link(ctx, res.ConversationID, convCust, m.Platform, m.Author.ID); err != nil {
			return store.Ingested{}, err
		}
	}
	for _, a := range it.Actions {
		stored, _, err := g.insertAction(ctx, a, res.ConversationID, lastMsgAt, g.now, sql.NullInt64{Int64: res.MessageID, Valid: true})
		if err != nil {
			return store.Ingested{}, fmt.Errorf("storing action %q: %w", a.Key, err)
		}
		res.Actions = append(res.Actions, stored)
	}
	return res, nil
}

func (g *ingester) flag(ctx context.Context, convID int64, flag string) error {
	k := flagKey{convID, flag}
	if _, ok := g.flags[k]; ok {
		return nil
	}
	if err := g.addFlag(ctx, convID, flag); err != nil {
		return fmt.Errorf("flagging conversation: %w", err)
	}
	g.flags[k] = struct{}{}
	return nil
}

// linkByCustomer finds the public conversation to link: the customer's
// own, without a link, where they wrote last.
const linkByCustomer = `SELECT id FROM conversations
	WHERE customer_id = ? AND platform = ? AND channel = 'public' AND linked_conversation IS NULL
	ORDER BY COALESCE(last_customer_message_at, created_at) DESC, id DESC LIMIT 1`

// linkByPrivateReply finds the public conversation to link when the
// customer has none: one without a link whose sent Private Reply reached
// the customer's id (FinishSend records it from the platform's answer),
// where its customer wrote last. The literal kind lets it use the partial
// index actions_private_reply_recipient.
const linkByPrivateReply = `SELECT c.id FROM actions a JOIN conversations c ON c.id = a.conversation_id
	WHERE a.platform = ? AND a.kind = 'private_reply' AND a.recipient = ? AND a.state = 'sent'
		AND c.channel = 'public' AND c.linked_conversation IS NULL
	ORDER BY COALESCE(c.last_customer_message_at, c.created_at) DESC, c.id DESC LIMIT 1`

// link joins a private conversation of the customer customerID (whose
// platform id is externalID) to the public one it continues, in both
// directions; see Ingest for which one.
func (g *ingester) link(ctx context.Context, private, customerID int64, p inbox.Platform, externalID string) error {
	var public int64
	err := g.get(ctx, linkByCustomer, []any{customerID, string(p)}, &public)
	if errors.Is(err, sql.ErrNoRows) {
		err = g.get(ctx, linkByPrivateReply, []any{string(p), externalID}, &public)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("finding public conversation to link: %w", err)
	}
	for _, pair := range [][2]int64{{private, public}, {public, private}} {
		if _, err := g.exec(ctx, `UPDATE conversations SET linked_conversation = ?, updated_at = ? WHERE id = ?`,
			pair[1], g.now, pair[0]); err != nil {
			return fmt.Errorf("linking conversations: %w", err)
		}
		if err := g.flag(ctx, pair[0], inbox.FlagMovedToPrivate); err != nil {
			return err
		}
	}
	return nil
}
