package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// PostgreSQL stores a segment of a batch (ingest_batch.go) in one
// statement: the items' columns travel as arrays (the pgx stdlib driver
// passes Go slices through as PostgreSQL arrays), and data-modifying CTEs
// write customers, conversations, messages, flags and actions as sets,
// each joined to the ids the previous one returned. All of them, and the
// final SELECT, see the snapshot from before the statement: that is how
// the final SELECT reads each conversation's last_customer_message_at
// before the batch, and why new conversations (cv_ins) and existing ones
// (cv_upd) are told apart by NOT EXISTS. The batch's ingest locks keep
// other transactions from creating the same conversations meanwhile.
//
// A new conversation is inserted with its first item's values, as storing
// one by one does (the report triggers of migration 0006 read the inserted
// row); an existing one is updated with all of its items folded into one
// (cv_in's columns named as the table's). A second statement, pgFoldRest,
// then applies the rest of a new conversation's items when it has more
// than one.
//
// The result is one row per conversation (tag 0), stored message (tag 1)
// and created action (tag 2), keyed by the input's ordinal. Parameters are
// named ($name) and numbered by pgNumbered.
var pgIngestSegment = pgNumbered(`WITH
cu_in AS (
	SELECT * FROM unnest($cu_platform::text[], $cu_external_id::text[], $cu_handle::text[], $cu_name::text[])
	AS t(platform, external_id, handle, name)),
cu_new AS (
	INSERT INTO customers (platform, external_id, handle, name)
	SELECT i.platform, i.external_id, i.handle, i.name FROM cu_in i
	WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.platform = i.platform AND c.external_id = i.external_id)
	RETURNING id, platform, external_id),
cu_chg AS (
	UPDATE customers SET ` + customerSet("i") + `
	FROM cu_in i
	WHERE customers.platform = i.platform AND customers.external_id = i.external_id
		AND ((i.handle <> '' AND i.handle <> customers.handle) OR (i.name <> '' AND i.name <> customers.name))),
cu AS (
	SELECT i.platform, i.external_id, COALESCE(u.id, c.id) AS id FROM cu_in i
	LEFT JOIN cu_new u ON u.platform = i.platform AND u.external_id = i.external_id
	LEFT JOIN customers c ON c.platform = i.platform AND c.external_id = i.external_id),
cv_in AS (
	SELECT t.*, CASE WHEN t.first_awaiting_ok THEN t.first_awaiting END AS first_awaiting_since,
		CASE WHEN t.awaiting_ok THEN t.awaiting END AS awaiting_since, $now::int8 AS updated_at
	FROM unnest($cv_platform::text[], $cv_channel::text[], $cv_thread::text[], $cv_author::text[],
		$cv_first_status::text[], $cv_first_language::text[], $cv_first_conf::float8[],
		$cv_first_awaiting::int8[], $cv_first_awaiting_ok::bool[], $cv_first_last::int8[],
		$cv_status::text[], $cv_language::text[], $cv_conf::float8[],
		$cv_awaiting::int8[], $cv_awaiting_ok::bool[], $cv_last::int8[])
	WITH ORDINALITY AS t(platform, channel, thread, author,
		first_status, first_language, first_conf, first_awaiting, first_awaiting_ok, first_last,
		status, language, language_confidence, awaiting, awaiting_ok, last_customer_message_at, ord)),
cv_ins AS (
	INSERT INTO conversations (platform, channel, thread, customer_id, status,
		language, language_confidence, awaiting_since, last_customer_message_at, created_at, updated_at)
	SELECT i.platform, i.channel, i.thread, cu.id, i.first_status, i.first_language, i.first_conf,
		i.first_awaiting_since, i.first_last, $now, $now
	FROM cv_in i JOIN cu ON cu.platform = i.platform AND cu.external_id = i.author
	WHERE NOT EXISTS (SELECT 1 FROM conversations c
		WHERE c.platform = i.platform AND c.channel = i.channel AND c.thread = i.thread)
	ORDER BY i.ord
	RETURNING id, platform, channel, thread, customer_id, linked_conversation, true AS inserted),
cv_upd AS (
	UPDATE conversations SET ` + conversationSet("f") + `
	FROM cv_in f
	WHERE conversations.platform = f.platform AND conversations.channel = f.channel AND conversations.thread = f.thread
	RETURNING conversations.id, conversations.platform, conversations.channel, conversations.thread,
		conversations.customer_id, conversations.linked_conversation, false AS inserted),
cv_up AS (SELECT * FROM cv_ins UNION ALL SELECT * FROM cv_upd),
m_in AS (
	SELECT * FROM unnest($m_platform::text[], $m_kind::text[], $m_external_id::text[], $m_channel::text[],
		$m_thread::text[], $m_author::text[], $m_text::text[], $m_findings::text[], $m_attachments::text[],
		$m_parent_id::text[], $m_created_at::int8[])
	WITH ORDINALITY AS t(platform, kind, external_id, channel, thread, author, text, findings, attachments, parent_id, created_at, ord)),
m_up AS (
	INSERT INTO messages (conversation_id, platform, kind, external_id, direction,
		author, text, visibility, findings, attachments, parent_id, created_at)
	SELECT cv.id, i.platform, i.kind, i.external_id, 'in', i.author, i.text, i.channel, i.findings, i.attachments,
		i.parent_id, i.created_at
	FROM m_in i JOIN cv_up cv ON cv.platform = i.platform AND cv.channel = i.channel AND cv.thread = i.thread
	ORDER BY i.ord
	ON CONFLICT (platform, external_id) DO NOTHING
	RETURNING id, platform, external_id, conversation_id),
f_up AS (
	INSERT INTO conversation_flags (conversation_id, flag)
	SELECT cv.id, f.flag FROM unnest($f_platform::text[], $f_channel::text[], $f_thread::text[], $f_flag::text[])
		AS f(platform, channel, thread, flag)
	JOIN cv_up cv ON cv.platform = f.platform AND cv.channel = f.channel AND cv.thread = f.thread
	ON CONFLICT (conversation_id, flag) DO NOTHING),
a_in AS (
	SELECT * FROM unnest($a_platform::text[], $a_kind::text[], $a_key::text[], $a_purpose::text[], $a_target::text[],
		$a_recipient::text[], $a_text::text[], $a_requested_by::text[], $a_m_platform::text[], $a_m_external_id::text[])
	WITH ORDINALITY AS t(platform, kind, action_key, purpose, target, recipient, text, requested_by, m_platform, m_external_id, ord)),
a_up AS (
	INSERT INTO actions (conversation_id, platform, kind, action_key, purpose, target,
		recipient, text, requested_by, state, attempts, platform_id, error, created_at, updated_at, message_id)
	SELECT m.conversation_id, a.platform, a.kind, a.action_key, a.purpose, a.target,
		a.recipient, a.text, a.requested_by, 'pending', 0, '', '', $now, $now, m.id
	FROM a_in a JOIN m_up m ON m.platform = a.m_platform AND m.external_id = a.m_external_id
	ORDER BY a.ord
	ON CONFLICT (action_key) DO NOTHING
	RETURNING id, action_key)
SELECT 0, i.ord, cv.id, cv.customer_id, cv.linked_conversation, o.last_customer_message_at, cv.inserted
	FROM cv_in i JOIN cv_up cv ON cv.platform = i.platform AND cv.channel = i.channel AND cv.thread = i.thread
	LEFT JOIN conversations o ON o.id = cv.id
UNION ALL
SELECT 1, i.ord, m.id, m.conversation_id, NULL, NULL, NULL
	FROM m_in i JOIN m_up m ON m.platform = i.platform AND m.external_id = i.external_id
UNION ALL
SELECT 2, a.ord, u.id, NULL, NULL, NULL, NULL FROM a_in a JOIN a_up u ON u.action_key = a.action_key`)

// pgFoldRest updates new conversations with the rest of their items,
// folded (see segConv).
var pgFoldRest = pgNumbered(`UPDATE conversations SET ` + conversationSet("f") + `
FROM (SELECT t.id, t.status, t.language, t.language_confidence,
		CASE WHEN t.awaiting_ok THEN t.awaiting END AS awaiting_since, t.last_customer_message_at, $now::int8 AS updated_at
	FROM unnest($cv_id::int8[], $cv_status::text[], $cv_language::text[], $cv_conf::float8[],
		$cv_awaiting::int8[], $cv_awaiting_ok::bool[], $cv_last::int8[])
	AS t(id, status, language, language_confidence, awaiting, awaiting_ok, last_customer_message_at)) f
WHERE conversations.id = f.id`)

// pgQuery is a statement whose $name parameters are numbered, with the
// names in their order.
type pgQuery struct {
	sql   string
	names []string
}

var pgParam = regexp.MustCompile(`\$([a-z_]+)`)

// pgNumbered numbers the $name parameters of q in order of first use.
func pgNumbered(q string) pgQuery {
	var names []string
	at := map[string]int{}
	sql := pgParam.ReplaceAllStringFunc(q, func(m string) string {
		name := m[1:]
		n, ok := at[name]
		if !ok {
			names = append(names, name)
			n = len(names)
			at[name] = n
		}
		return "$" + strconv.Itoa(n)
	})
	return pgQuery{sql: sql, names: names}
}

// args orders the named values as q's parameters. Every parameter must
// be given: a nil slice would travel as NULL, which unnest also reads as
// no rows, but a missing name is a bug.
func (q pgQuery) args(named map[string]any) ([]any, error) {
	out := make([]any, len(q.names))
	for i, n := range q.names {
		v, ok := named[n]
		if !ok {
			return nil, fmt.Errorf("store: no value for parameter $%s", n)
		}
		out[i] = v
	}
	return out, nil
}

// pgInsertSegment stores seg with pgIngestSegment, then pgFoldRest.
func pgInsertSegment(ctx context.Context, g *ingester, seg *segment) error {
	v := map[string]any{"now": g.now}
	setRows(v, []string{"cu_platform", "cu_external_id", "cu_handle", "cu_name"}, len(seg.customers), func(i int) []string {
		c := &seg.customers[i]
		return []string{c.platform, c.externalID, c.handle, c.name}
	})
	setRows(v, []string{"cv_platform", "cv_channel", "cv_thread", "cv_author"}, len(seg.convs), func(i int) []string {
		c := &seg.convs[i]
		return []string{c.key.platform, c.key.channel, c.key.thread, c.author}
	})
	first, all := newFoldCols(len(seg.convs)), newFoldCols(len(seg.convs))
	for i := range seg.convs {
		first.add(&seg.convs[i].first)
		all.add(&seg.convs[i].all)
	}
	first.set(v, "cv_first_")
	all.set(v, "cv_")

	findings := make([]string, len(seg.items))
	atts := make([]string, len(seg.items))
	created := make([]int64, len(seg.items))
	for i, it := range seg.items {
		var err error
		if findings[i], err = listJSON(it.Findings); err != nil {
			return err
		}
		if atts[i], err = listJSON(it.Message.Attachments); err != nil {
			return err
		}
		created[i] = it.Message.CreatedAt.UnixNano()
	}
	v["m_created_at"] = created
	setRows(v, []string{"m_platform", "m_kind", "m_external_id", "m_channel", "m_thread", "m_author", "m_text", "m_findings",
		"m_attachments", "m_parent_id"},
		len(seg.items), func(i int) []string {
			m := &seg.items[i].Message
			return []string{string(m.Platform), string(m.Kind), m.ExternalID, string(m.Kind.Channel()),
				m.Thread, m.Author.ID, m.Text, findings[i], atts[i], m.ParentID}
		})
	setRows(v, []string{"f_platform", "f_channel", "f_thread", "f_flag"}, len(seg.flags), func(i int) []string {
		f := &seg.flags[i]
		return []string{f.conv.platform, f.conv.channel, f.conv.thread, f.flag}
	})
	setRows(v, []string{"a_platform", "a_kind", "a_key", "a_purpose", "a_target", "a_recipient", "a_text", "a_requested_by",
		"a_m_platform", "a_m_external_id"}, len(seg.actions), func(i int) []string {
		a, m := &seg.actions[i].a, seg.actions[i].msg
		return []string{string(a.Platform), string(a.Kind), a.Key, a.Purpose, a.Target, a.Recipient, a.Text,
			a.RequestedBy, m.platform, m.externalID}
	})

	args, err := pgIngestSegment.args(v)
	if err != nil {
		return err
	}
	rows, err := g.tx.QueryContext(ctx, pgIngestSegment.sql, args...)
	if err != nil {
		return fmt.Errorf("storing batch: %w", err)
	}
	defer rows.Close()
	seg.msgID = make([]int64, len(seg.items))
	for rows.Next() {
		var (
			tag                   int
			ord, id               int64
			other, linked, before sql.NullInt64
			inserted              sql.NullBool
		)
		if err := rows.Scan(&tag, &ord, &id, &other, &linked, &before, &inserted); err != nil {
			return fmt.Errorf("storing batch: %w", err)
		}
		n := int(ord) - 1
		switch tag {
		case 0:
			c := &seg.convs[n]
			c.id, c.customer, c.linked, c.before, c.inserted = id, other.Int64, linked, before, inserted.Bool
		case 1:
			seg.msgID[n] = id
		case 2:
			seg.actionID[seg.actions[n].a.Key] = id
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storing batch: %w", err)
	}
	seg.convID = make([]int64, len(seg.items))
	for i, it := range seg.items {
		seg.convID[i] = seg.convs[seg.convAt[itemConvKey(&it.Message)]].id
	}

	var rest foldCols
	var restIDs []int64
	for i := range seg.convs {
		if c := &seg.convs[i]; c.inserted && c.rest.n > 0 {
			restIDs = append(restIDs, c.id)
			rest.add(&c.rest)
		}
	}
	if len(restIDs) == 0 {
		return nil
	}
	v = map[string]any{"now": g.now, "cv_id": restIDs}
	rest.set(v, "cv_")
	if args, err = pgFoldRest.args(v); err != nil {
		return err
	}
	if _, err := g.tx.ExecContext(ctx, pgFoldRest.sql, args...); err != nil {
		return fmt.Errorf("storing batch: %w", err)
	}
	return nil
}

// setRows names n rows of string columns: row(i) gives the i-th row's
// values in names' order. No rows make empty arrays.
func setRows(v map[string]any, names []string, n int, row func(i int) []string) {
	cols := make([][]string, len(names))
	for c := range cols {
		cols[c] = make([]string, 0, n)
	}
	for i := range n {
		for c, x := range row(i) {
			cols[c] = append(cols[c], x)
		}
	}
	for c, name := range names {
		v[name] = cols[c]
	}
}

// foldCols are folds as parameter arrays.
type foldCols struct {
	status, language []string
	conf             []float64
	awaiting, last   []int64
	awaitingOK       []bool
}

func newFoldCols(n int) foldCols {
	return foldCols{status: make([]string, 0, n), language: make([]string, 0, n), conf: make([]float64, 0, n),
		awaiting: make([]int64, 0, n), last: make([]int64, 0, n), awaitingOK: make([]bool, 0, n)}
}

func (c *foldCols) add(f *fold) {
	c.status, c.language, c.conf = append(c.status, string(f.status)), append(c.language, f.language), append(c.conf, f.conf)
	c.awaiting, c.awaitingOK = append(c.awaiting, f.awaiting.Int64), append(c.awaitingOK, f.awaiting.Valid)
	c.last = append(c.last, f.lastMsg)
}

// set names the columns prefix+status, prefix+language, prefix+conf,
// prefix+awaiting, prefix+awaiting_ok and prefix+last.
func (c *foldCols) set(v map[string]any, prefix string) {
	v[prefix+"status"], v[prefix+"language"], v[prefix+"conf"] = c.status, c.language, c.conf
	v[prefix+"awaiting"], v[prefix+"awaiting_ok"], v[prefix+"last"] = c.awaiting, c.awaitingOK, c.last
}

// pgExisting finds the batch's messages already stored, with one query.
func pgExisting(ctx context.Context, g *ingester, items []store.Item) (map[msgKey]msgRef, error) {
	platforms, ids := make([]string, len(items)), make([]string, len(items))
	for i := range items {
		platforms[i], ids[i] = string(items[i].Message.Platform), items[i].Message.ExternalID
	}
	rows, err := g.tx.QueryContext(ctx, `SELECT m.platform, m.external_id, m.id, m.conversation_id
		FROM unnest($1::text[], $2::text[]) AS k(platform, external_id)
		JOIN messages m ON m.platform = k.platform AND m.external_id = k.external_id`, platforms, ids)
	if err != nil {
		return nil, fmt.Errorf("finding stored messages: %w", err)
	}
	defer rows.Close()
	known := make(map[msgKey]msgRef)
	for rows.Next() {
		var k msgKey
		var ref msgRef
		if err := rows.Scan(&k.platform, &k.externalID, &ref.id, &ref.conversationID); err != nil {
			return nil, fmt.Errorf("finding stored messages: %w", err)
		}
		known[k] = ref
	}
	return known, rows.Err()
}

// linkable reports, for each private conversation convs[i] of customer
// customers[i] written by authors[i] on platforms[i], whether link would
// find a public conversation for it now: one query for the whole segment,
// so that the common case (nothing to link) costs no statement per item.
func (g *ingester) linkable(ctx context.Context, convs, customers []int64, platforms, authors []string) (map[int64]bool, error) {
	rows, err := g.tx.QueryContext(ctx, `SELECT k.conv FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[])
		AS k(conv, customer, platform, author)
		WHERE EXISTS (SELECT 1 FROM conversations
				WHERE customer_id = k.customer AND platform = k.platform AND channel = 'public' AND linked_conversation IS NULL)
			OR EXISTS (SELECT 1 FROM actions a JOIN conversations c ON c.id = a.conversation_id
				WHERE a.platform = k.platform AND a.kind = 'private_reply' AND a.recipient = k.author AND a.state = 'sent'
					AND c.channel = 'public' AND c.linked_conversation IS NULL)`,
		convs, customers, platforms, authors)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// storedActions reads the actions stored before this batch that it
// returns: by key (an item's action whose key existed) and by message
// (the actions a redelivered message created the first time, by id).
func (g *ingester) storedActions(ctx context.Context, keys []string, msgIDs []int64) (map[string]inbox.Action, map[int64][]inbox.Action, error) {
	byKey := map[string]inbox.Action{}
	byMsg := map[int64][]inbox.Action{}
	if len(keys) == 0 && len(msgIDs) == 0 {
		return byKey, byMsg, nil
	}
	if keys == nil {
		keys = []string{}
	}
	if msgIDs == nil {
		msgIDs = []int64{}
	}
	var rows []struct {
		MessageID sql.NullInt64 `db:"message_id"`
		actionRow
	}
	err := sqlx.SelectContext(ctx, g.tx, &rows, `SELECT a.message_id, `+strings.TrimPrefix(actionSelect, "SELECT ")+`
		WHERE a.action_key = ANY($1::text[]) OR a.message_id = ANY($2::int8[]) ORDER BY a.id`, keys, msgIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("reading stored actions: %w", err)
	}
	wanted := make(map[string]bool, len(keys))
	for _, k := range keys {
		wanted[k] = true
	}
	for i := range rows {
		a := rows[i].action()
		if wanted[a.Key] {
			byKey[a.Key] = a
		}
		if rows[i].MessageID.Valid {
			byMsg[rows[i].MessageID.Int64] = append(byMsg[rows[i].MessageID.Int64], a)
		}
	}
	return byKey, byMsg, nil
}
