package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/store"
)

// searchSyntax is how a database's full-text search is asked.
type searchSyntax interface {
	// messages returns the FROM clause (messages m joined with
	// conversations c) and the condition, with its arguments, that
	// selects messages matching all terms; keyset is the column ordering
	// them.
	messages(terms []store.Term) (from, cond, keyset string, args []any)
	// customers returns a query, with its arguments but the last (the
	// limit), of the ids of the customers whose name or handle matches
	// all terms and whose handle matches all handles, newest first.
	customers(terms, handles []store.Term) (query string, args []any)
	// recent is the size of the first window of newest messages a search
	// reads (see searchStream); 0: no windows. See tsquery.
	recent() int64
	// args are a query's arguments as the database driver takes them.
	args(args []any) []any
}

var searchSyntaxes = map[string]searchSyntax{store.DriverSQLite: fts4{}, store.DriverPostgres: tsquery{}}

// fts4 is SQLite's FTS4 query syntax (see migrations/sqlite/0004_desk.sql
// and later). FTS4 reads a term's matches in docid order itself, so the
// newest come first at no cost.
type fts4 struct{}

func (fts4) messages(terms []store.Term) (string, string, string, []any) {
	return ` FROM messages_fts f JOIN messages m ON m.id = f.docid JOIN conversations c ON c.id = m.conversation_id`,
		`messages_fts MATCH ?`, `f.docid`, []any{fts4Expr(terms, "")}
}

func (fts4) customers(terms, handles []store.Term) (string, []any) {
	return `SELECT docid FROM customers_fts WHERE customers_fts MATCH ? ORDER BY docid DESC LIMIT ?`,
		[]any{strings.TrimSpace(fts4Expr(terms, "") + " " + fts4Expr(handles, "handle"))}
}

func (fts4) recent() int64 { return 0 }

func (fts4) args(args []any) []any { return args }

// fts4Expr ANDs terms: each a quoted phrase, or, restricted to a column
// (where FTS4 takes no phrases), each token on its own.
func fts4Expr(terms []store.Term, column string) string {
	var parts []string
	for _, t := range terms {
		toks := slices.Clone(t.Tokens)
		if t.Prefix {
			toks[len(toks)-1] += "*"
		}
		if column == "" {
			parts = append(parts, `"`+strings.Join(toks, " ")+`"`)
			continue
		}
		for _, tok := range toks {
			parts = append(parts, column+":"+tok)
		}
	}
	return strings.Join(parts, " ")
}

// tsquery is PostgreSQL's full-text search with the 'simple'
// configuration (see migrations/postgres/0004_desk.sql and 0013: the
// document expressions here are those of the indexes).
//
// A GIN index cannot hand out matches newest first: PostgreSQL either
// collects every match and sorts them (fast for rare words, slow for
// common ones) or walks the messages newest first and checks each (the
// reverse). Its estimates for phrases, and for words common in some
// periods only, are poor; so a search asks for the newest messages in
// windows (recent messages, then twice as many older ones, and so on),
// and each plan reads at most one window: a common word fills a page in
// the first, a rare one costs a few index look-ups per window.
type tsquery struct{}

const (
	pgCustomerDoc = `to_tsvector('simple'::regconfig, handle || ' ' || name)`
	pgHandleDoc   = `to_tsvector('simple'::regconfig, handle)`
)

// messages looks phrases up in the index by one word each, and checks
// the phrase itself on the messages found (ts_match_vq is @@, but not
// one the index serves): PostgreSQL estimates a phrase, or any words
// together, as if its words were independent, so a phrase of common
// words ("change my dates": 3.5% of the messages) looks a hundred times
// rarer than it is, and the plan fetches every message holding it
// (35,000) to keep those of the window. One word's estimate is right,
// and its plan combines the index with the window's id range.
func (tsquery) messages(terms []store.Term) (string, string, string, []any) {
	from := ` FROM messages m JOIN conversations c ON c.id = m.conversation_id`
	index := make([]store.Term, len(terms))
	phrases := false
	for i, t := range terms {
		index[i] = t
		if len(t.Tokens) > 1 {
			index[i], phrases = phraseKey(t), true
		}
	}
	if !phrases {
		return from, `m.search @@ to_tsquery('simple', ?)`, `m.id`, []any{tsqueryExpr(terms)}
	}
	return from, `m.search @@ to_tsquery('simple', ?) AND ts_match_vq(m.search, to_tsquery('simple', ?))`,
		`m.id`, []any{tsqueryExpr(index), tsqueryExpr(terms)}
}

// phraseKey is the word of phrase t that the index looks up: the longest
// (the first of those), long words being the rarer as a rule. Any word
// finds the same messages once the phrase is checked; the rarer, the
// fewer to check. The last word of a prefix ("e-mai*") stays a prefix.
func phraseKey(t store.Term) store.Term {
	k := 0
	for i, tok := range t.Tokens {
		if utf8.RuneCountInString(tok) > utf8.RuneCountInString(t.Tokens[k]) {
			k = i
		}
	}
	return store.Term{Tokens: t.Tokens[k : k+1], Prefix: t.Prefix && k == len(t.Tokens)-1}
}

func (tsquery) customers(terms, handles []store.Term) (string, []any) {
	var conds []string
	var args []any
	if len(terms) > 0 {
		conds = append(conds, pgCustomerDoc+` @@ to_tsquery('simple', ?)`)
		args = append(args, tsqueryExpr(terms))
	}
	if len(handles) > 0 {
		conds = append(conds, pgHandleDoc+` @@ to_tsquery('simple', ?)`)
		args = append(args, tsqueryExpr(handles))
	}
	// MATERIALIZED: the index finds the customers first; otherwise the
	// planner may check every customer in id order instead.
	return `WITH matched AS MATERIALIZED (SELECT id FROM customers WHERE ` + strings.Join(conds, " AND ") + `)
		SELECT id FROM matched ORDER BY id DESC LIMIT ?`, args
}

func (tsquery) recent() int64 { return 50_000 }

// args sends a search's queries with their values in the text (pgx's
// simple protocol), so that each is planned for its words and window: a
// prepared statement's generic plan, which PostgreSQL may pick after a
// few runs, knows neither and is the worst plan for one or the other.
// Every value is a number or a tsquery of letters and digits.
func (tsquery) args(args []any) []any {
	return append([]any{pgx.QueryExecModeSimpleProtocol}, args...)
}

// tsqueryExpr ANDs terms, each a phrase of quoted lexemes (tokens hold
// letters and digits only, so quoting is safe).
func tsqueryExpr(terms []store.Term) string {
	var parts []string
	for _, t := range terms {
		lex := make([]string, len(t.Tokens))
		for i, tok := range t.Tokens {
			lex[i] = "'" + tok + "'"
			if t.Prefix && i == len(t.Tokens)-1 {
				lex[i] += ":*"
			}
		}
		parts = append(parts, "("+strings.Join(lex, " <-> ")+")")
	}
	return strings.Join(parts, " & ")
}

// maxCustomers bounds the customers a search's customer terms select: a
// name many share ("Guest") lists the conversations of the newest ones.
const maxCustomers = 500

// matchedCustomers returns the ids of the customers matching terms and
// handles, newest first, at most maxCustomers.
func (s *sqlStore) matchedCustomers(ctx context.Context, syn searchSyntax, terms, handles []store.Term) ([]int64, error) {
	query, args := syn.customers(terms, handles)
	var ids []int64
	if err := sqlx.SelectContext(ctx, s.r, &ids, s.rb(query), syn.args(append(args, maxCustomers))...); err != nil {
		return nil, err
	}
	return ids, nil
}

// inIDs is the condition "col IN (ids)" with its arguments.
func inIDs(col string, ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// searchChunk is how many rows a search stream reads at a time; a stream
// reads on (twice as many each time) until the page is full.
const searchChunk = 256

// Search implements Desk.
func (s *sqlStore) Search(ctx context.Context, query string, f store.Filter) (store.SearchPage, error) {
	q, err := store.ParseQuery(query)
	if err != nil {
		return store.SearchPage{}, err
	}
	syn, ok := searchSyntaxes[s.d.name]
	if !ok {
		return store.SearchPage{}, fmt.Errorf("searching: no full-text search for %s", s.d.name)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := max(f.Offset, 0)
	r := &results{want: offset + limit + 1, seen: map[int64]bool{}, matches: map[int64]int64{}}
	w := filterWhere(f, "")

	if len(q.IDs) > 0 {
		if err := s.searchIDs(ctx, q.IDs, w, r); err != nil {
			return store.SearchPage{}, fmt.Errorf("searching ids: %w", err)
		}
	}
	if !r.full() && (len(q.Terms) > 0 || len(q.Handles) > 0) {
		ids, err := s.matchedCustomers(ctx, syn, q.Terms, q.Handles)
		if err == nil && len(ids) > 0 {
			cond, args := inIDs("c.customer_id", ids)
			err = s.searchStream(ctx, syn, ` FROM conversations c`, w.with(cond, args...), "c.id", "0", 0, r)
		}
		if err != nil {
			return store.SearchPage{}, fmt.Errorf("searching customers: %w", err)
		}
	}
	if !r.full() && len(q.Terms) > 0 {
		from, cond, keyset, args := syn.messages(q.Terms)
		mw := w.with(cond, args...)
		if len(q.Handles) > 0 {
			ids, err := s.matchedCustomers(ctx, syn, nil, q.Handles)
			if err != nil {
				return store.SearchPage{}, fmt.Errorf("searching customers: %w", err)
			}
			if len(ids) == 0 {
				ids = []int64{0} // no customer: no message either
			}
			cond, args := inIDs("c.customer_id", ids)
			mw = mw.with(cond, args...)
		}
		if err := s.searchStream(ctx, syn, from, mw, keyset, "m.id", syn.recent(), r); err != nil {
			return store.SearchPage{}, fmt.Errorf("searching messages: %w", err)
		}
	}

	page := store.SearchPage{Conversations: []store.Conversation{}, Matches: map[int64]int64{}, More: len(r.ids) > offset+limit}
	if offset >= len(r.ids) {
		return page, nil
	}
	ids := r.ids[offset:min(offset+limit, len(r.ids))]
	if page.Conversations, err = s.conversationsByID(ctx, ids); err != nil {
		return store.SearchPage{}, fmt.Errorf("searching: %w", err)
	}
	for _, id := range ids {
		if m := r.matches[id]; m != 0 {
			page.Matches[id] = m
		}
	}
	return page, nil
}

// results collects distinct conversations in the order found, up to want.
type results struct {
	want    int
	ids     []int64
	seen    map[int64]bool
	matches map[int64]int64
}

func (r *results) add(conv, msg int64) {
	if r.seen[conv] || r.full() {
		return
	}
	r.seen[conv] = true
	r.ids = append(r.ids, conv)
	if msg != 0 {
		r.matches[conv] = msg
	}
}

func (r *results) full() bool { return len(r.ids) >= r.want }

// searchStream reads the conversations (and the matching message, msgCol)
// that match w, newest keyset first, a chunk at a time, until r is full
// or the matches run out. With recent > 0 (messages only) it reads the
// keys in windows from the newest down, the recent newest first and each window twice
// the one before (see tsquery), so that the database plans each window
// on its own and no plan reads more than a window's worth.
func (s *sqlStore) searchStream(ctx context.Context, syn searchSyntax, from string, w where, keyset, msgCol string, recent int64, r *results) error {
	after := int64(-1)
	if recent <= 0 {
		return s.searchWalk(ctx, syn, from, w, keyset, msgCol, &after, r)
	}
	var hi int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM messages`).Scan(&hi); err != nil {
		return err
	}
	for size := recent; hi > 0 && !r.full(); size *= 2 {
		lo := max(hi-size, 0)
		if err := s.searchWalk(ctx, syn, from, w.with(keyset+" > ? AND "+keyset+" <= ?", lo, hi), keyset, msgCol, &after, r); err != nil {
			return err
		}
		hi = lo
	}
	return nil
}

// searchWalk is one walk of searchStream, below *after when it is not
// negative; it leaves *after at the last key read.
func (s *sqlStore) searchWalk(ctx context.Context, syn searchSyntax, from string, w where, keyset, msgCol string, after *int64, r *results) error {
	for chunk := searchChunk; ; chunk *= 2 {
		cw := w
		if *after >= 0 {
			cw = cw.with(keyset+" < ?", *after)
		}
		query := `SELECT c.id, ` + msgCol + `, ` + keyset + from + cw.String() + ` ORDER BY ` + keyset + ` DESC LIMIT ?`
		rows, err := s.r.QueryContext(ctx, s.rb(query), syn.args(append(cw.args, chunk))...)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var conv, msg int64
			if err := rows.Scan(&conv, &msg, after); err != nil {
				rows.Close()
				return err
			}
			n++
			r.add(conv, msg)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n < chunk || r.full() {
			return nil
		}
	}
}

// searchIDs adds the conversations with an id among ids: the
// conversation's own, its thread's, its customer's, or one of its
// messages'. Each probe is an index look-up.
func (s *sqlStore) searchIDs(ctx context.Context, ids []string, w where, r *results) error {
	var convIDs []int64
	for _, id := range ids {
		if n, err := strconv.ParseInt(strings.TrimPrefix(id, "#"), 10, 64); err == nil && n > 0 {
			convIDs = append(convIDs, n)
		}
	}
	type probe struct {
		from, cond, msgCol string
		args               []any
	}
	probes := []probe{
		{` FROM conversations c`, `c.platform IN ('facebook', 'twitter') AND c.channel IN ('public', 'private') AND c.thread IN (?)`, "0", []any{ids}},
		{` FROM conversations c`, `c.customer_id IN (SELECT id FROM customers WHERE platform IN ('facebook', 'twitter') AND external_id IN (?))`, "0", []any{ids}},
		{` FROM messages m JOIN conversations c ON c.id = m.conversation_id`, `m.platform IN ('facebook', 'twitter') AND m.external_id IN (?)`, "m.id", []any{ids}},
	}
	if len(convIDs) > 0 {
		probes = append([]probe{{` FROM conversations c`, `c.id IN (?)`, "0", []any{convIDs}}}, probes...)
	}
	for _, p := range probes {
		pw := w.with(p.cond, p.args...)
		query, args, err := sqlx.In(`SELECT c.id, `+p.msgCol+p.from+pw.String()+` ORDER BY c.id DESC LIMIT ?`, append(pw.args, r.want)...)
		if err != nil {
			return err
		}
		rows, err := s.r.QueryContext(ctx, s.rb(query), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var conv, msg int64
			if err := rows.Scan(&conv, &msg); err != nil {
				rows.Close()
				return err
			}
			r.add(conv, msg)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ConversationsByID implements Desk.
func (s *sqlStore) ConversationsByID(ctx context.Context, ids []int64) ([]store.Conversation, error) {
	out, err := s.conversationsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading conversations: %w", err)
	}
	return out, nil
}

// conversationsByID loads conversations with their flags, in the order of ids.
func (s *sqlStore) conversationsByID(ctx context.Context, ids []int64) ([]store.Conversation, error) {
	if len(ids) == 0 {
		return []store.Conversation{}, nil
	}
	query, args, err := sqlx.In(convSelect+` WHERE c.id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []convRow
	if err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(query), args...); err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	out := make([]store.Conversation, 0, len(rows))
	slices.SortFunc(rows, func(a, b convRow) int { return at[a.ID] - at[b.ID] })
	for i := range rows {
		out = append(out, rows[i].conversation())
	}
	if err := s.loadFlags(ctx, s.r, out); err != nil {
		return nil, err
	}
	return out, nil
}
