package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// The router's purposes behind each automatic answer kind (router's
// Purpose* constants; the store does not import the router).
var answerPurposes = map[string]string{
	"non_english_notice": store.AnswerEnglishOnly,
	"dm_invite":          store.AnswerDMInvite,
	"private_reply":      store.AnswerPrivateReply,
	"pii_notice":         store.AnswerPIINotice,
	"public_ack":         store.AnswerPublicAck,
}

// SetSLATargets replaces the targets that answers are judged against,
// in one transaction. Zero targets are none.
func (s *sqlStore) SetSLATargets(ctx context.Context, targets []store.SLATarget) error {
	if err := store.ValidateTargets(targets); err != nil {
		return fmt.Errorf("setting SLA targets: %w", err)
	}
	err := s.inTx(ctx, func(q *txq) error {
		if _, err := q.exec(ctx, `DELETE FROM report_sla_targets`); err != nil {
			return err
		}
		for _, t := range targets {
			for _, k := range []struct {
				first int
				d     time.Duration
			}{{1, t.FirstResponse}, {0, t.NextResponse}} {
				if k.d <= 0 {
					continue
				}
				if _, err := q.exec(ctx, `INSERT INTO report_sla_targets (platform, channel, first, target) VALUES (?, ?, ?, ?)
					ON CONFLICT (platform, channel, first) DO UPDATE SET target = excluded.target`,
					string(t.Platform), string(t.Channel), k.first, int64(k.d)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("setting SLA targets: %w", err)
	}
	return nil
}

const dayNS = int64(24 * time.Hour)

// Report computes the report of q's period. Daily counts and SLA and
// answer totals are summed from the per-day tables the triggers keep;
// durations are counted in buckets in one pass over the period's facts;
// so only small results cross to Go.
func (s *sqlStore) Report(ctx context.Context, q store.ReportQuery) (store.Report, error) {
	if err := q.Validate(); err != nil {
		return store.Report{}, fmt.Errorf("reporting: %w", err)
	}
	if q.Group == "" {
		q.Group = store.GroupPlatform
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	rep := store.Report{From: q.From.UTC(), To: q.To.UTC(), Group: q.Group}
	from, to := q.From.UnixNano(), q.To.UnixNano()
	steps := []struct {
		what string
		run  func() error
	}{
		{"opened", func() (err error) {
			rep.Opened, rep.OpenedTotal, err = s.dayCounts(ctx, openedSeries, q.Group, from, to)
			return err
		}},
		{"closed", func() (err error) {
			rep.Closed, rep.ClosedTotal, err = s.dayCounts(ctx, closedSeries, q.Group, from, to)
			return err
		}},
		{"first responses", func() (err error) {
			rep.FirstResponse, err = s.durations(ctx, `SELECT agent, platform, channel, waited AS d FROM report_responses
				WHERE first = 1 AND at >= ? AND at < ?`, from, to)
			return err
		}},
		{"resolutions", func() (err error) {
			rep.Resolution, err = s.durations(ctx, `SELECT agent, platform, channel, at - opened_at AS d FROM report_closes
				WHERE at >= ? AND at < ?`, from, to)
			return err
		}},
		{"SLA", func() (err error) { rep.SLA, err = s.slaCounts(ctx, q, from, to); return err }},
		{"answers", func() (err error) { rep.Answers, err = s.answers(ctx, from, to); return err }},
		{"redactions", func() (err error) { rep.Redacted, err = s.redactions(ctx, from, to); return err }},
	}
	// The steps fill separate fields and read through the reader pool,
	// so they run side by side: the report takes as long as its longest
	// scans rather than all of them in turn.
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, st := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.run(); err != nil {
				errs[i] = fmt.Errorf("reporting %s: %w", st.what, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return store.Report{}, err
	}
	return rep, nil
}

// series is a fact counted per day: its table and time column, and the
// table of its counts per day, platform and channel.
type series struct{ table, at, days string }

var (
	openedSeries = series{"report_conversations", "opened_at", "report_opened_days"}
	closedSeries = series{"report_closes", "at", "report_closed_days"}
)

// groupSQL returns the key column and the join of a grouping over a
// series' facts x: the facts hold the language (migration 0012), flags
// need the conversation's flags.
func groupSQL(g store.ReportGroup) (key, join string) {
	switch g {
	case store.GroupLanguage:
		return "x.language", ""
	case store.GroupFlag:
		return "f.flag", " JOIN conversation_flags f ON f.conversation_id = x.conversation_id"
	case store.GroupChannel:
		return "x.channel", ""
	}
	return "x.platform", ""
}

// dayCounts counts a series per day and key of g, and in all. Platforms
// and channels are summed from the days table; languages and flags, which
// change after a conversation opens, are counted from the facts (a
// conversation under its language now, a close under its language then).
func (s *sqlStore) dayCounts(ctx context.Context, sr series, g store.ReportGroup, from, to int64) ([]store.DayCount, int, error) {
	fromDay, toDay := from/dayNS, to/dayNS
	var (
		query string
		args  []any
	)
	switch g {
	case store.GroupLanguage, store.GroupFlag:
		key, join := groupSQL(g)
		query = `SELECT x.` + sr.at + ` / ? AS day, ` + key + ` AS k, COUNT(*) AS n
			FROM ` + sr.table + ` x` + join + ` WHERE x.` + sr.at + ` >= ? AND x.` + sr.at + ` < ? GROUP BY day, k`
		args = []any{dayNS, from, to}
	default:
		key, _ := groupSQL(g)
		query = `SELECT x.day, ` + key + ` AS k, SUM(x.n) FROM ` + sr.days + ` x
			WHERE x.day >= ? AND x.day < ? GROUP BY x.day, k`
		args = []any{fromDay, toDay}
	}
	rows, err := s.r.QueryContext(ctx, s.rb(query), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []store.DayCount{}
	for rows.Next() {
		var (
			day int64
			dc  store.DayCount
		)
		if err := rows.Scan(&day, &dc.Key, &dc.N); err != nil {
			return nil, 0, err
		}
		dc.Day = fromNS(day * dayNS)
		out = append(out, dc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Day.Equal(out[j].Day) {
			return out[i].Day.Before(out[j].Day)
		}
		return out[i].Key < out[j].Key
	})
	var total int
	err = s.r.QueryRowContext(ctx, s.rb(`SELECT COALESCE(SUM(n), 0) FROM `+sr.days+` WHERE day >= ? AND day < ?`), fromDay, toDay).Scan(&total)
	return out, total, err
}

// Durations are counted in buckets, which keeps a 90-day report to one
// aggregate pass per measure: 10 seconds wide below an hour, a minute
// below a day, a quarter of an hour beyond. A percentile is the middle of
// the bucket that holds its rank.
const bucketSQL = `CASE WHEN d < 3600000000000 THEN d / 10000000000 * 10000000000
	WHEN d < 86400000000000 THEN d / 60000000000 * 60000000000
	ELSE d / 900000000000 * 900000000000 END`

// bucketWidth is the width of the bucket that starts at lo.
func bucketWidth(lo time.Duration) time.Duration {
	switch {
	case lo < time.Hour:
		return 10 * time.Second
	case lo < 24*time.Hour:
		return time.Minute
	}
	return 15 * time.Minute
}

// rank is the nearest rank of percentile p among n values.
func rank(n, p int) int { return (n*p + 99) / 100 }

// bucket is one bucket of a histogram: its start and count.
type bucket struct {
	lo time.Duration
	n  int
}

// histogram is the buckets of one partition, in any order.
type histogram []bucket

// percentiles returns the partition's size, median and 90th percentile.
func (h histogram) percentiles() (n int, p50, p90 time.Duration) {
	sort.Slice(h, func(i, j int) bool { return h[i].lo < h[j].lo })
	for _, b := range h {
		n += b.n
	}
	at := func(p int) time.Duration {
		r, cum := rank(n, p), 0
		for _, b := range h {
			if cum += b.n; cum >= r {
				return b.lo + bucketWidth(b.lo)/2
			}
		}
		return 0
	}
	return n, at(50), at(90)
}

// durations returns the percentiles of src's times d (src has columns
// agent, platform, channel and d, and its two ? bound the period), by
// agent and by platform channel, from one pass over the period.
func (s *sqlStore) durations(ctx context.Context, src string, from, to int64) (store.Durations, error) {
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT agent, platform, channel, `+bucketSQL+` AS b, COUNT(*)
		FROM (`+src+`) src GROUP BY agent, platform, channel, b`), from, to)
	if err != nil {
		return store.Durations{}, err
	}
	defer rows.Close()
	byAgent, byChannel := map[string]histogram{}, map[[2]string]histogram{}
	for rows.Next() {
		var (
			agent, p, ch string
			lo           int64
			n            int
		)
		if err := rows.Scan(&agent, &p, &ch, &lo, &n); err != nil {
			return store.Durations{}, err
		}
		b := bucket{time.Duration(lo), n}
		byAgent[agent] = append(byAgent[agent], b)
		byChannel[[2]string{p, ch}] = append(byChannel[[2]string{p, ch}], b)
	}
	if err := rows.Err(); err != nil {
		return store.Durations{}, err
	}
	d := store.Durations{ByAgent: []store.Percentiles{}, ByChannel: []store.Percentiles{}}
	for agent, h := range byAgent {
		p := store.Percentiles{Agent: agent}
		p.N, p.P50, p.P90 = h.percentiles()
		d.ByAgent = append(d.ByAgent, p)
	}
	for k, h := range byChannel {
		p := store.Percentiles{Platform: inbox.Platform(k[0]), Channel: inbox.Channel(k[1])}
		p.N, p.P50, p.P90 = h.percentiles()
		d.ByChannel = append(d.ByChannel, p)
	}
	sort.Slice(d.ByAgent, func(i, j int) bool { return d.ByAgent[i].Agent < d.ByAgent[j].Agent })
	sort.Slice(d.ByChannel, func(i, j int) bool {
		a, b := d.ByChannel[i], d.ByChannel[j]
		return a.Platform < b.Platform || a.Platform == b.Platform && a.Channel < b.Channel
	})
	return d, nil
}

// slaCounts sums the period's days of first and next responses and their
// breaches, and counts the conversations still waiting past their target.
func (s *sqlStore) slaCounts(ctx context.Context, q store.ReportQuery, from, to int64) ([]store.SLACount, error) {
	targets := map[string]store.SLATarget{}
	for _, t := range q.Targets {
		targets[string(t.Platform)+"/"+string(t.Channel)] = t
	}
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT platform, channel, first, SUM(answered), SUM(breached)
		FROM report_sla_days WHERE day >= ? AND day < ? GROUP BY platform, channel, first`), from/dayNS, to/dayNS)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]*store.SLACount{}
	row := func(p, ch string) *store.SLACount {
		k := p + "/" + ch
		if c := counts[k]; c != nil {
			return c
		}
		t := targets[k]
		c := &store.SLACount{Platform: inbox.Platform(p), Channel: inbox.Channel(ch), FirstTarget: t.FirstResponse, NextTarget: t.NextResponse}
		counts[k] = c
		return c
	}
	for _, t := range q.Targets {
		row(string(t.Platform), string(t.Channel))
	}
	for rows.Next() {
		var (
			p, ch    string
			first, n int
			breached int
		)
		if err := rows.Scan(&p, &ch, &first, &n, &breached); err != nil {
			return nil, err
		}
		c := row(p, ch)
		if first == 1 {
			c.First, c.FirstBreached = n, breached
		} else {
			c.Next, c.NextBreached = n, breached
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Still waiting: not closed, waiting since a time in the period, for
	// longer than today's target of the answer owed (the first while the
	// conversation has had none). They are the queue's waiting
	// conversations, few, so they are judged here. "IS FALSE" is the
	// form both planners match to the queue index's leading expression
	// (PostgreSQL turns "= FALSE" into NOT and scans the table).
	waiting, err := s.r.QueryContext(ctx, s.rb(`SELECT c.platform, c.channel, c.awaiting_since,
			CASE WHEN EXISTS (SELECT 1 FROM report_responses r WHERE r.conversation_id = c.id) THEN 1 ELSE 0 END
		FROM conversations c
		WHERE (c.awaiting_since IS NULL) IS FALSE AND c.awaiting_since >= ? AND c.awaiting_since < ? AND c.status <> 'closed'`), from, to)
	if err != nil {
		return nil, err
	}
	defer waiting.Close()
	now := q.Now.UnixNano()
	for waiting.Next() {
		var (
			p, ch    string
			since    int64
			answered int
		)
		if err := waiting.Scan(&p, &ch, &since, &answered); err != nil {
			return nil, err
		}
		t, ok := targets[p+"/"+ch]
		due := t.FirstResponse
		if answered == 1 {
			due = t.NextResponse
		}
		if ok && due > 0 && now-since > int64(due) {
			row(p, ch).Waiting++
		}
	}
	if err := waiting.Err(); err != nil {
		return nil, err
	}
	out := make([]store.SLACount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		return string(out[i].Platform)+"/"+string(out[i].Channel) < string(out[j].Platform)+"/"+string(out[j].Channel)
	})
	return out, nil
}

// answers sums the period's days of sent answers by purpose and author.
func (s *sqlStore) answers(ctx context.Context, from, to int64) (store.Answers, error) {
	a := store.Answers{ByKind: map[string]int{}}
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT purpose, automatic, SUM(n) FROM report_answer_days
		WHERE day >= ? AND day < ? GROUP BY purpose, automatic`), from/dayNS, to/dayNS)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			purpose string
			auto, n int
		)
		if err := rows.Scan(&purpose, &auto, &n); err != nil {
			return a, err
		}
		a.Total += n
		if auto == 0 {
			a.ByAgent += n
			continue
		}
		a.Automatic += n
		for _, part := range strings.Split(purpose, "+") {
			if kind, ok := answerPurposes[part]; ok {
				a.ByKind[kind] += n
			}
		}
	}
	return a, rows.Err()
}

// redactions counts the period's public messages stored redacted, and
// their findings by kind. Findings hold kinds and offsets, never secrets.
func (s *sqlStore) redactions(ctx context.Context, from, to int64) (store.Redactions, error) {
	r := store.Redactions{ByKind: map[string]int{}}
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT findings FROM messages
		WHERE findings <> '' AND created_at >= ? AND created_at < ? AND visibility = 'public' AND direction = 'in'`), from, to)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return r, err
		}
		var fs []inbox.Finding
		if err := decodeList(raw, &fs); err != nil || len(fs) == 0 {
			continue
		}
		r.Messages++
		for _, f := range fs {
			r.ByKind[f.Kind]++
		}
	}
	return r, rows.Err()
}
