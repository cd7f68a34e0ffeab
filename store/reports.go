package store

import (
	"context"
	"fmt"
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
	case q.From.UnixNano()%int64(24*time.Hour) != 0 || q.To.UnixNano()%int64(24*time.Hour) != 0:
		return fmt.Errorf("%w: a report's period starts and ends at midnight UTC", ErrInvalid)
	case !q.From.Before(q.To):
		return fmt.Errorf("%w: the report period ends before it starts", ErrInvalid)
	case q.To.Sub(q.From) > MaxReportDays*24*time.Hour:
		return fmt.Errorf("%w: a report covers at most %d days", ErrInvalid, MaxReportDays)
	case q.Group != "" && !q.Group.Valid():
		return fmt.Errorf("%w: unknown report group %q", ErrInvalid, q.Group)
	}
	return ValidateTargets(q.Targets)
}

// ValidateTargets reports a target for an unknown channel or a negative
// one, as an ErrInvalid.
func ValidateTargets(targets []SLATarget) error {
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
