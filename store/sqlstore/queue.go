package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// noTarget sorts conversations without a target after those with one:
// about a century, which cannot overflow when added to a time.
const noTarget = int64(100 * 365 * 24 * time.Hour)

// queueOrder is the ORDER BY clause of f.Sort and its arguments. The
// default matches the conversations_queue indexes exactly, so that a page
// is an index walk rather than a sort of every match. Ties are broken by
// id, so that paging is stable.
func queueOrder(f store.Filter) (string, []any) {
	switch f.Sort {
	case store.SortNewest:
		return ` ORDER BY COALESCE(c.last_customer_message_at, c.created_at) DESC, c.id DESC`, nil
	case store.SortDue:
		var b strings.Builder
		var args []any
		b.WriteString(` ORDER BY (c.awaiting_since IS NULL), c.awaiting_since + CASE`)
		for _, t := range f.Targets {
			for _, w := range []struct {
				cond   string
				within time.Duration
			}{{"IS NULL", t.FirstResponse}, {"IS NOT NULL", t.NextResponse}} {
				if w.within > 0 {
					b.WriteString(` WHEN c.platform = ? AND c.channel = ? AND c.first_response_at ` + w.cond + ` THEN CAST(? AS BIGINT)`)
					args = append(args, string(t.Platform), string(t.Channel), int64(w.within))
				}
			}
		}
		b.WriteString(` ELSE CAST(? AS BIGINT) END, c.updated_at DESC, c.id`)
		return b.String(), append(args, noTarget)
	}
	return ` ORDER BY (c.awaiting_since IS NULL), c.awaiting_since, c.updated_at DESC, c.id`, nil
}

// The facets of the queue, as filterWhere's skip names them.
const (
	facetPlatform = "platform"
	facetChannel  = "channel"
	facetLanguage = "language"
	facetStatus   = "status"
	facetAssignee = "assignee"
	facetFlag     = "flag"
)

// filterWhere returns the conditions of f on conversations c, leaving out
// the facet skip (so that a facet's counts show what choosing each of its
// values would list).
func filterWhere(f store.Filter, skip string) where {
	var w where
	if f.Platform != "" && skip != facetPlatform {
		w.add("c.platform = ?", string(f.Platform))
	}
	if f.Channel != "" && skip != facetChannel {
		w.add("c.channel = ?", string(f.Channel))
	}
	if f.Language != "" && skip != facetLanguage {
		w.add("c.language = ?", f.Language)
	}
	if f.Status != "" && skip != facetStatus {
		w.add("c.status = ?", string(f.Status))
	}
	switch {
	case f.Assignee == "" || skip == facetAssignee:
	case f.Assignee == "-":
		w.add("c.assignee = ''")
	default:
		w.add("c.assignee = ?", f.Assignee)
	}
	if f.CustomerID != 0 {
		w.add("c.customer_id = ?", f.CustomerID)
	}
	if f.PersonID != 0 {
		personFilter(&w, f.PersonID)
	}
	if f.Flag != "" && skip != facetFlag {
		w.add("EXISTS (SELECT 1 FROM conversation_flags cf WHERE cf.conversation_id = c.id AND cf.flag = ?)", f.Flag)
	}
	return w
}

// with returns a copy of w with one more condition; w is unchanged.
func (w where) with(cond string, args ...any) where {
	return w.and(where{conds: []string{cond}, args: args})
}

// and returns a copy of w with the conditions and arguments of v added.
func (w where) and(v where) where {
	return where{
		conds: append(slices.Clone(w.conds), v.conds...),
		args:  append(slices.Clone(w.args), v.args...),
	}
}

// chosen reports whether f chooses a value of the facet col.
func chosen(f store.Filter, col string) bool {
	switch col {
	case facetPlatform:
		return f.Platform != ""
	case facetChannel:
		return f.Channel != ""
	case facetLanguage:
		return f.Language != ""
	case facetStatus:
		return f.Status != ""
	case facetAssignee:
		return f.Assignee != ""
	}
	return f.Flag != ""
}

// counted returns what the queue's counts (the page's total and the facet
// counts but flags) add up for f: the rows of queue_counts (migration
// 0014), which the triggers keep per status, platform, channel, language
// and assignee, when f filters by those alone, so that a count reads a
// few dozen rows rather than every conversation it counts; the
// conversations themselves when f also filters by customer, person or
// flag. Both carry the facet columns, as c.
func counted(f store.Filter) (from, count string, w where) {
	if f.CustomerID != 0 || f.PersonID != 0 || f.Flag != "" {
		return ` FROM conversations c`, `COUNT(*)`, where{}
	}
	// Rows whose conversations have all moved on count 0; leaving them
	// out keeps them out of the facets, as for conversations.
	return ` FROM queue_counts c`, `CAST(SUM(c.n) AS BIGINT)`, where{conds: []string{"c.n > 0"}}
}

// Counts returns the queue's facet counts over the conversations f
// selects, in two round trips. Each facet leaves out its own field of f,
// so that each count is the length of the list that choosing that value
// would show. The facets f chooses no value of share that filter, so one
// pass over the matching rows counts them all (see counted); the others
// (and flags, which are a table of their own) are counted each on its
// own. ByStatus counts the open and pending conversations: closed ones
// are the archive, of no use as a count.
// Unassigned conversations are counted under "-", the Filter.Assignee
// value that selects them; conversations of unknown language under "".
// Paging and order are ignored.
func (s *sqlStore) Counts(ctx context.Context, f store.Filter) (store.Counts, error) {
	c := store.Counts{
		ByPlatform: map[string]int{},
		ByChannel:  map[string]int{},
		ByLanguage: map[string]int{},
		ByFlag:     map[string]int{},
		ByStatus:   map[string]int{},
		ByAssignee: map[string]int{},
	}
	facets := map[string]map[string]int{
		facetPlatform: c.ByPlatform, facetChannel: c.ByChannel, facetLanguage: c.ByLanguage,
		facetFlag: c.ByFlag, facetStatus: c.ByStatus, facetAssignee: c.ByAssignee,
	}
	count := func(facet, value string, n int) {
		switch {
		case facet == facetStatus && value == string(inbox.Closed):
			return // the archive: not counted (see Counts)
		case facet == facetAssignee && value == "":
			value = "-"
		}
		facets[facet][value] += n
	}
	var (
		shared, parts []string
		args          []any
	)
	from, agg, live := counted(f)
	for _, col := range []string{facetPlatform, facetChannel, facetLanguage, facetStatus, facetAssignee} {
		if !chosen(f, col) {
			shared = append(shared, "c."+col)
			continue
		}
		w := filterWhere(f, col).and(live)
		if col == facetStatus {
			w = w.with("c.status IN ('open', 'pending')")
		}
		parts = append(parts, `SELECT '`+col+`' AS facet, c.`+col+` AS value, `+agg+` AS n`+from+w.String()+` GROUP BY c.`+col)
		args = append(args, w.args...)
	}
	// Flags over every conversation need no conversation at all: the
	// conversation_flags_flag index counts them.
	flags := `SELECT 'flag' AS facet, fl.flag AS value, COUNT(*) AS n FROM conversation_flags fl GROUP BY fl.flag`
	if w := filterWhere(f, facetFlag); len(w.conds) > 0 {
		flags = `SELECT 'flag' AS facet, fl.flag AS value, COUNT(*) AS n FROM conversation_flags fl JOIN conversations c ON c.id = fl.conversation_id` + w.String() + ` GROUP BY fl.flag`
		args = append(args, w.args...)
	}
	parts = append(parts, flags)
	err := s.scan(ctx, strings.Join(parts, "\nUNION ALL "), args, func(rows *sql.Rows) error {
		var facet, value string
		var n int
		if err := rows.Scan(&facet, &value, &n); err != nil {
			return err
		}
		count(facet, value, n)
		return nil
	})
	if err == nil && len(shared) > 0 {
		w := filterWhere(f, "").and(live)
		cols := strings.Join(shared, ", ")
		err = s.scan(ctx, `SELECT `+cols+`, `+agg+from+w.String()+` GROUP BY `+cols, w.args, func(rows *sql.Rows) error {
			values := make([]string, len(shared))
			dest := make([]any, len(shared)+1)
			for i := range values {
				dest[i] = &values[i]
			}
			var n int
			dest[len(shared)] = &n
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			for i, col := range shared {
				count(strings.TrimPrefix(col, "c."), values[i], n)
			}
			return nil
		})
	}
	if err != nil {
		return store.Counts{}, fmt.Errorf("counting queue: %w", err)
	}
	return c, nil
}

// scan runs a read query and calls row for each row.
func (s *sqlStore) scan(ctx context.Context, query string, args []any, row func(*sql.Rows) error) error {
	rows, err := s.r.QueryContext(ctx, s.rb(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
