package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/sla"
)

// Reports read facts that triggers keep as conversations are opened,
// answered and closed (migration 0006): report_conversations (one row per
// conversation, from its first customer message), report_responses (one
// per agent reply that ended a customer's wait, with the wait) and
// report_closes (one per close, with who held the conversation). A report
// of 90 days reads those rows by time, plus the sent actions and the
// redacted public messages of the period, and never a message's text.

// Reporter computes reports. Store includes it.
type Reporter interface {
	// Report computes the figures of q's period; ErrInvalid when q is
	// not a valid query (see ReportQuery.Validate).
	Report(ctx context.Context, q ReportQuery) (Report, error)
	// SetSLATargets replaces the SLA targets that answers are judged
	// against from now on: a report counts an answer as late by the
	// target in force when it was sent, so a new target does not rewrite
	// the past. The application sets them from policy.sla at start.
	SetSLATargets(ctx context.Context, targets []SLATarget) error
}

// ReportGroup is the dimension the daily opened and closed counts are
// split by.
type ReportGroup string

// The report groupings.
const (
	GroupPlatform ReportGroup = "platform"
	GroupChannel  ReportGroup = "channel"
	GroupLanguage ReportGroup = "language"
	// GroupFlag counts the conversations that carry each flag; one with
	// two flags counts under both, one with none under neither.
	GroupFlag ReportGroup = "flag"
)

// ReportGroups lists the groupings in the order the desk offers them.
var ReportGroups = []ReportGroup{GroupPlatform, GroupChannel, GroupLanguage, GroupFlag}

// Valid reports whether g is a grouping the store knows.
func (g ReportGroup) Valid() bool {
	for _, x := range ReportGroups {
		if g == x {
			return true
		}
	}
	return false
}

// MaxReportDays is the longest period a report covers.
const MaxReportDays = 366

// ReportQuery selects a report.
type ReportQuery struct {
	// From and To bound the period: From inclusive, To exclusive. Both
	// are midnights UTC: reports count UTC days.
	From, To time.Time
	// Group splits the daily counts; empty means GroupPlatform.
	Group ReportGroup
	// Targets are the SLA's response targets per platform and channel
	// now: the customers still waiting are measured against them (sent
	// answers against the targets in force when they were sent, see
	// SetSLATargets). Waits without a target are never breaches.
	Targets []SLATarget
	// Now is when "still waiting" is measured; zero means time.Now().
	Now time.Time
}

// SLATarget is how long a customer of one platform's channel may wait for
// an agent: the first answer of a conversation, and each answer after a
// customer wrote again. Zero means no target.
type SLATarget struct {
	Platform      inbox.Platform
	Channel       inbox.Channel
	FirstResponse time.Duration
	NextResponse  time.Duration
}

// SLATargets returns the targets of an SLA config in the store's terms.
func SLATargets(c sla.Config) []SLATarget {
	var out []SLATarget
	for _, ch := range c.Channels() {
		out = append(out, SLATarget{Platform: ch.Platform, Channel: ch.Channel,
			FirstResponse: ch.Target.FirstResponse, NextResponse: ch.Target.NextResponse})
	}
	return out
}

// Report is what the desk shows on its reports page. It holds counts,
// durations, platform and channel names, languages, flags and agents'
// names: never a customer's text or id.
type Report struct {
	From  time.Time   `json:"from"`
	To    time.Time   `json:"to"`
	Group ReportGroup `json:"group"`
	// Opened counts conversations by the day of their first customer
	// message, split by Group; Closed counts closes by day (a conversation
	// closed, reopened and closed again counts twice).
	Opened []DayCount `json:"opened"`
	Closed []DayCount `json:"closed"`
	// OpenedTotal and ClosedTotal are the period's totals, whatever the
	// grouping (by flag, a conversation may count under several keys or
	// none).
	OpenedTotal int `json:"opened_total"`
	ClosedTotal int `json:"closed_total"`
	// FirstResponse is the time from a conversation's first customer
	// message to the first agent reply, for first replies sent in the
	// period; Resolution the time from the first customer message to a
	// close, for closes in the period (by agent: who held the
	// conversation then, "" for nobody).
	FirstResponse Durations `json:"first_response"`
	Resolution    Durations `json:"resolution"`
	// SLA counts the answers of the period that ended a wait, those
	// that came after the target in force when they were sent, and the
	// conversations still waiting past today's target.
	SLA []SLACount `json:"sla"`
	// Answers splits the replies, Messenger messages, DMs and Private
	// Replies sent in the period between agents and inboxbot's policy.
	Answers Answers `json:"answers"`
	// Redacted counts the public messages of the period whose secrets
	// were redacted before they were stored, and the secrets by kind.
	Redacted Redactions `json:"redacted"`
}

// DayCount is one day's count under one key of the grouping.
type DayCount struct {
	// Day is the start of the day (From plus whole days).
	Day time.Time `json:"day"`
	Key string    `json:"key"`
	N   int       `json:"n"`
}

// Durations are percentiles of a time, by agent and by platform channel.
type Durations struct {
	ByAgent   []Percentiles `json:"by_agent"`
	ByChannel []Percentiles `json:"by_channel"`
}

// Percentiles are the median and 90th percentile (nearest rank) of N
// measured times, to the middle of a bucket: 10 seconds wide below an
// hour, a minute below a day, 15 minutes beyond. Agent is set in ByAgent
// rows, Platform and Channel in ByChannel rows.
type Percentiles struct {
	Agent    string         `json:"agent,omitempty"`
	Platform inbox.Platform `json:"platform,omitempty"`
	Channel  inbox.Channel  `json:"channel,omitempty"`
	N        int            `json:"n"`
	P50      time.Duration  `json:"p50_ns"`
	P90      time.Duration  `json:"p90_ns"`
}

// SLACount is one platform channel's replies against its targets.
type SLACount struct {
	Platform inbox.Platform `json:"platform"`
	Channel  inbox.Channel  `json:"channel"`
	// FirstTarget and NextTarget are today's targets (0: none).
	FirstTarget time.Duration `json:"first_target_ns"`
	NextTarget  time.Duration `json:"next_target_ns"`
	// First and Next count the first and next responses sent in the
	// period; FirstBreached and NextBreached those that came after the
	// target in force then.
	First         int `json:"first"`
	FirstBreached int `json:"first_breached"`
	Next          int `json:"next"`
	NextBreached  int `json:"next_breached"`
	// Waiting counts conversations not closed whose customer started
	// waiting in the period and has waited past the target by Now.
	Waiting int `json:"waiting"`
}

// Breached is every breach the row counts.
func (c SLACount) Breached() int { return c.FirstBreached + c.NextBreached + c.Waiting }

// Automatic answer kinds (Answers.ByKind keys): what the router's actions
// said, from their purposes. A combined public reply counts under each of
// its parts.
const (
	AnswerEnglishOnly  = "english_only_notice"
	AnswerDMInvite     = "dm_invite"
	AnswerPrivateReply = "private_reply"
	AnswerPIINotice    = "pii_notice"
	AnswerPublicAck    = "public_ack"
)

// The router's purposes behind each automatic answer kind (router's
// Purpose* constants; the store does not import the router).
var answerPurposes = map[string]string{
	"non_english_notice": AnswerEnglishOnly,
	"dm_invite":          AnswerDMInvite,
	"private_reply":      AnswerPrivateReply,
	"pii_notice":         AnswerPIINotice,
	"public_ack":         AnswerPublicAck,
}

// Answers are the sent answers of a period.
type Answers struct {
	// Total counts every sent reply, DM, Messenger message and Private
	// Reply; Automatic those the policy sent, ByAgent the agents'.
	Total     int `json:"total"`
	Automatic int `json:"automatic"`
	ByAgent   int `json:"by_agent"`
	// ByKind counts automatic answers by what they said (Answer*).
	ByKind map[string]int `json:"by_kind"`
}

// Share is the automatic answers' part of all answers, 0 when none.
func (a Answers) Share() float64 {
	if a.Total == 0 {
		return 0
	}
	return float64(a.Automatic) / float64(a.Total)
}

// Redactions are the period's public messages stored redacted.
type Redactions struct {
	Messages int `json:"messages"`
	// ByKind counts the secrets by kind (booking_number, pin, card…).
	ByKind map[string]int `json:"by_kind"`
}

// Validate reports why q cannot be answered: no period, a period that
// does not run from midnight to midnight UTC, ends before it starts or
// spans more than MaxReportDays, an unknown
// grouping, a target for an unknown platform or channel, or a negative one.
func (q ReportQuery) Validate() error {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return fmt.Errorf("%w: a report needs from and to", ErrInvalid)
	case q.From.UnixNano()%dayNS != 0 || q.To.UnixNano()%dayNS != 0:
		return fmt.Errorf("%w: a report's period starts and ends at midnight UTC", ErrInvalid)
	case !q.From.Before(q.To):
		return fmt.Errorf("%w: the report period ends before it starts", ErrInvalid)
	case q.To.Sub(q.From) > MaxReportDays*24*time.Hour:
		return fmt.Errorf("%w: a report covers at most %d days", ErrInvalid, MaxReportDays)
	case q.Group != "" && !q.Group.Valid():
		return fmt.Errorf("%w: unknown report group %q", ErrInvalid, q.Group)
	}
	return validTargets(q.Targets)
}

// validTargets reports a target for an unknown channel or a negative one.
func validTargets(targets []SLATarget) error {
	for _, t := range targets {
		if !t.Platform.Valid() || (t.Channel != inbox.Public && t.Channel != inbox.Private) {
			return fmt.Errorf("%w: SLA target for unknown channel %s/%s", ErrInvalid, t.Platform, t.Channel)
		}
		if t.FirstResponse < 0 || t.NextResponse < 0 {
			return fmt.Errorf("%w: negative SLA target for %s/%s", ErrInvalid, t.Platform, t.Channel)
		}
	}
	return nil
}

// SetSLATargets replaces the targets that answers are judged against,
// in one transaction. Zero targets are none.
func (s *sqlStore) SetSLATargets(ctx context.Context, targets []SLATarget) error {
	if err := validTargets(targets); err != nil {
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
func (s *sqlStore) Report(ctx context.Context, q ReportQuery) (Report, error) {
	if err := q.Validate(); err != nil {
		return Report{}, fmt.Errorf("reporting: %w", err)
	}
	if q.Group == "" {
		q.Group = GroupPlatform
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	rep := Report{From: q.From.UTC(), To: q.To.UTC(), Group: q.Group}
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
		return Report{}, err
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
func groupSQL(g ReportGroup) (key, join string) {
	switch g {
	case GroupLanguage:
		return "x.language", ""
	case GroupFlag:
		return "f.flag", " JOIN conversation_flags f ON f.conversation_id = x.conversation_id"
	case GroupChannel:
		return "x.channel", ""
	}
	return "x.platform", ""
}

// dayCounts counts a series per day and key of g, and in all. Platforms
// and channels are summed from the days table; languages and flags, which
// change after a conversation opens, are counted from the facts (a
// conversation under its language now, a close under its language then).
func (s *sqlStore) dayCounts(ctx context.Context, sr series, g ReportGroup, from, to int64) ([]DayCount, int, error) {
	fromDay, toDay := from/dayNS, to/dayNS
	var (
		query string
		args  []any
	)
	switch g {
	case GroupLanguage, GroupFlag:
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
	out := []DayCount{}
	for rows.Next() {
		var (
			day int64
			dc  DayCount
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
func (s *sqlStore) durations(ctx context.Context, src string, from, to int64) (Durations, error) {
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT agent, platform, channel, `+bucketSQL+` AS b, COUNT(*)
		FROM (`+src+`) src GROUP BY agent, platform, channel, b`), from, to)
	if err != nil {
		return Durations{}, err
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
			return Durations{}, err
		}
		b := bucket{time.Duration(lo), n}
		byAgent[agent] = append(byAgent[agent], b)
		byChannel[[2]string{p, ch}] = append(byChannel[[2]string{p, ch}], b)
	}
	if err := rows.Err(); err != nil {
		return Durations{}, err
	}
	d := Durations{ByAgent: []Percentiles{}, ByChannel: []Percentiles{}}
	for agent, h := range byAgent {
		p := Percentiles{Agent: agent}
		p.N, p.P50, p.P90 = h.percentiles()
		d.ByAgent = append(d.ByAgent, p)
	}
	for k, h := range byChannel {
		p := Percentiles{Platform: inbox.Platform(k[0]), Channel: inbox.Channel(k[1])}
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
func (s *sqlStore) slaCounts(ctx context.Context, q ReportQuery, from, to int64) ([]SLACount, error) {
	targets := map[string]SLATarget{}
	for _, t := range q.Targets {
		targets[string(t.Platform)+"/"+string(t.Channel)] = t
	}
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT platform, channel, first, SUM(answered), SUM(breached)
		FROM report_sla_days WHERE day >= ? AND day < ? GROUP BY platform, channel, first`), from/dayNS, to/dayNS)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]*SLACount{}
	row := func(p, ch string) *SLACount {
		k := p + "/" + ch
		if c := counts[k]; c != nil {
			return c
		}
		t := targets[k]
		c := &SLACount{Platform: inbox.Platform(p), Channel: inbox.Channel(ch), FirstTarget: t.FirstResponse, NextTarget: t.NextResponse}
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
	out := make([]SLACount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		return string(out[i].Platform)+"/"+string(out[i].Channel) < string(out[j].Platform)+"/"+string(out[j].Channel)
	})
	return out, nil
}

// answers sums the period's days of sent answers by purpose and author.
func (s *sqlStore) answers(ctx context.Context, from, to int64) (Answers, error) {
	a := Answers{ByKind: map[string]int{}}
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
func (s *sqlStore) redactions(ctx context.Context, from, to int64) (Redactions, error) {
	r := Redactions{ByKind: map[string]int{}}
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
		if err := json.Unmarshal([]byte(raw), &fs); err != nil || len(fs) == 0 {
			continue
		}
		r.Messages++
		for _, f := range fs {
			r.ByKind[f.Kind]++
		}
	}
	return r, rows.Err()
}
