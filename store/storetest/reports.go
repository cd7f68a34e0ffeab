package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// reportSeed is a small desk history with every kind of fact a report
// counts. Customer messages are dated on the days before today; replies
// and closes happen while the test runs (the store dates them), today or,
// past midnight, tomorrow: the period runs from three days ago to the end
// of tomorrow.
type reportSeed struct {
	from, to, start time.Time
	targets         []store.SLATarget
	// The conversations, by what happens to them.
	dmClosed, mention, comment, messenger, oldDM int64
	// closes are the closes' conversations' platforms and times, as the
	// store dated them.
	closes []store.Conversation
}

// reply sends an action through the send state machine, as a connector does.
func sendAction(t *testing.T, s store.Store, a inbox.Action) {
	t.Helper()
	ctx := t.Context()
	stored, created, err := s.CreateAction(ctx, a)
	if err != nil || !created {
		t.Fatalf("CreateAction(%s): %v, %v", a.Key, created, err)
	}
	sendStored(t, s, stored.ID, inbox.StateSent)
}

func sendStored(t *testing.T, s store.Store, id int64, state inbox.State) {
	t.Helper()
	if _, err := s.BeginSend(t.Context(), id); err != nil {
		t.Fatalf("BeginSend(%d): %v", id, err)
	}
	if _, err := s.FinishSend(t.Context(), id, store.Result{State: state, PlatformID: fmt.Sprintf("p-%d", id)}); err != nil {
		t.Fatalf("FinishSend(%d): %v", id, err)
	}
}

func agentDM(conv int64, p inbox.Platform, key, agent string) inbox.Action {
	return inbox.Action{V: 1, ConversationID: conv, Platform: p, Kind: inbox.SendDM, Key: key, Purpose: "agent_reply",
		Recipient: "someone", Text: "Here to help", RequestedBy: "agent:" + agent}
}

func seedReport(t *testing.T, s store.Store) reportSeed {
	start := time.Now()
	midnight := start.UTC().Truncate(24 * time.Hour)
	r := reportSeed{start: start, from: midnight.Add(-3 * 24 * time.Hour), to: midnight.Add(2 * 24 * time.Hour)}
	day := func(d, h int) time.Time {
		return r.from.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour)
	}
	// Answers are judged by the targets in force when they are sent.
	r.targets = []store.SLATarget{
		{Platform: inbox.Twitter, Channel: inbox.Private, FirstResponse: time.Hour, NextResponse: time.Hour},
		{Platform: inbox.Twitter, Channel: inbox.Public, FirstResponse: time.Hour},
		{Platform: inbox.Facebook, Channel: inbox.Private, FirstResponse: 48 * time.Hour},
	}
	if err := s.SetSLATargets(t.Context(), r.targets); err != nil {
		t.Fatalf("SetSLATargets: %v", err)
	}

	dm := item(in(inbox.Twitter, inbox.DM, "r-dm1", "r-ann", "r-ann", day(0, 1)))
	dm.Language = "en"
	ment := item(in(inbox.Twitter, inbox.Mention, "r-men1", "r-ben", "r-ben", day(1, 1)))
	ment.Language, ment.Flags = "de", []string{inbox.FlagNonEnglish}
	ment.Actions = []inbox.Action{{V: 1, Platform: inbox.Twitter, Kind: inbox.Reply, Key: "r-auto-1", Target: "r-men1",
		Purpose: "non_english_notice+dm_invite", Text: "English only, DM us", RequestedBy: "router"}}
	com := item(in(inbox.Facebook, inbox.Comment, "r-com1", "r-com1", "r-cat", day(1, 2)))
	com.Language, com.Flags = "en", []string{inbox.FlagPIIRedacted}
	com.Message.Text = "my booking [booking number] pin [PIN]"
	com.Findings = []inbox.Finding{{Kind: "booking_number", Start: 11, End: 21}, {Kind: "pin", Start: 26, End: 30}}
	com.Actions = []inbox.Action{
		{V: 1, Platform: inbox.Facebook, Kind: inbox.PrivateReply, Key: "r-auto-2", Target: "r-com1",
			Purpose: "private_reply", Text: "Write to us privately", RequestedBy: "router"},
		// Never sent: not an answer.
		{V: 1, Platform: inbox.Facebook, Kind: inbox.Reply, Key: "r-auto-3", Target: "r-com1",
			Purpose: "public_ack", Text: "We wrote to you", RequestedBy: "router"},
	}
	msg := item(in(inbox.Facebook, inbox.Message, "r-msg1", "r-t-dan", "r-dan", day(2, 1)))
	msg.Language = "it"
	// A private message's findings are not public redactions.
	msg.Findings = []inbox.Finding{{Kind: "pin", Start: 0, End: 4}}
	old := item(in(inbox.Twitter, inbox.DM, "r-dm0", "r-eve", "r-eve", r.from.Add(-24*time.Hour)))
	res := ingest(t, s, dm, ment, com, msg, old)
	r.dmClosed, r.mention, r.comment, r.messenger, r.oldDM =
		res[0].ConversationID, res[1].ConversationID, res[2].ConversationID, res[3].ConversationID, res[4].ConversationID

	// The automatic answers: the mention's notice and the comment's
	// Private Reply are sent; the acknowledgement is not.
	sendStored(t, s, res[1].Actions[0].ID, inbox.StateSent)
	sendStored(t, s, res[2].Actions[0].ID, inbox.StateSent)

	// Alice answers the DM (first response), the customer writes again and
	// Bob answers that (a next response). Alice answers the Messenger
	// customer; a failed reply answers no one.
	sendAction(t, s, agentDM(r.dmClosed, inbox.Twitter, "r-a1", "alice"))
	again := item(in(inbox.Twitter, inbox.DM, "r-dm2", "r-ann", "r-ann", start.Add(-30*time.Minute)))
	ingest(t, s, again)
	sendAction(t, s, agentDM(r.dmClosed, inbox.Twitter, "r-a2", "bob"))
	failed, _, err := s.CreateAction(t.Context(), agentDM(r.messenger, inbox.Facebook, "r-a3", "carol"))
	if err != nil {
		t.Fatal(err)
	}
	sendStored(t, s, failed.ID, inbox.StateFailed)
	sendAction(t, s, agentDM(r.messenger, inbox.Facebook, "r-a4", "alice"))

	// Closes: the DM held by Alice, the comment held by nobody, the old DM
	// held by Bob (opened before the period, closed in it). Closing twice
	// is one close.
	update(t, s, r.dmClosed, store.Update{Assignee: ptr("alice")})
	r.closes = append(r.closes, update(t, s, r.dmClosed, store.Update{Status: ptr(inbox.Closed)}))
	update(t, s, r.dmClosed, store.Update{Status: ptr(inbox.Closed)})
	r.closes = append(r.closes, update(t, s, r.comment, store.Update{Status: ptr(inbox.Closed)}))
	r.closes = append(r.closes, update(t, s, r.oldDM, store.Update{Assignee: ptr("bob"), Status: ptr(inbox.Closed)}))
	return r
}

func testReports(t *testing.T, s store.Store) {
	r := seedReport(t, s)
	end := time.Now() // every reply and close is before it
	day := func(d, h int) time.Time {
		return r.from.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour)
	}
	days := func(d int) time.Time { return r.from.Add(time.Duration(d) * 24 * time.Hour).UTC() }
	targets := r.targets
	report := func(t *testing.T, g store.ReportGroup) store.Report {
		t.Helper()
		rep, err := s.Report(t.Context(), store.ReportQuery{From: r.from, To: r.to, Group: g, Targets: targets})
		if err != nil {
			t.Fatalf("Report(%s): %v", g, err)
		}
		return rep
	}
	// The closes, by the day the store dated them (today, or tomorrow
	// past midnight) and platform.
	byDay := map[store.DayCount]int{}
	for _, c := range r.closes {
		byDay[store.DayCount{Day: c.UpdatedAt.Truncate(24 * time.Hour), Key: string(c.Platform)}]++
	}
	var closed []store.DayCount
	for k, n := range byDay {
		k.N = n
		closed = append(closed, k)
	}
	slices.SortFunc(closed, func(a, b store.DayCount) int {
		if c := a.Day.Compare(b.Day); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	for _, tc := range []struct {
		group  store.ReportGroup
		opened []store.DayCount
	}{
		{store.GroupPlatform, []store.DayCount{{Day: days(0), Key: "twitter", N: 1},
			{Day: days(1), Key: "facebook", N: 1}, {Day: days(1), Key: "twitter", N: 1}, {Day: days(2), Key: "facebook", N: 1}}},
		{store.GroupChannel, []store.DayCount{{Day: days(0), Key: "private", N: 1},
			{Day: days(1), Key: "public", N: 2}, {Day: days(2), Key: "private", N: 1}}},
		{store.GroupLanguage, []store.DayCount{{Day: days(0), Key: "en", N: 1},
			{Day: days(1), Key: "de", N: 1}, {Day: days(1), Key: "en", N: 1}, {Day: days(2), Key: "it", N: 1}}},
		{store.GroupFlag, []store.DayCount{{Day: days(1), Key: "non_english", N: 1}, {Day: days(1), Key: "pii_redacted", N: 1}}},
	} {
		t.Run(string(tc.group), func(t *testing.T) {
			rep := report(t, tc.group)
			if !reflect.DeepEqual(rep.Opened, tc.opened) {
				t.Errorf("opened = %+v\nwant %+v", rep.Opened, tc.opened)
			}
			if rep.OpenedTotal != 4 || rep.ClosedTotal != 3 {
				t.Errorf("totals: opened %d closed %d, want 4 and 3", rep.OpenedTotal, rep.ClosedTotal)
			}
			if tc.group == store.GroupPlatform && !reflect.DeepEqual(rep.Closed, closed) {
				t.Errorf("closed = %+v\nwant %+v", rep.Closed, closed)
			}
		})
	}

	rep := report(t, "")
	if rep.Group != store.GroupPlatform || !rep.From.Equal(r.from) || !rep.To.Equal(r.to) {
		t.Errorf("report header %s %v %v", rep.Group, rep.From, rep.To)
	}
	// Durations are measured to replies and closes made during the test:
	// each lies between the wait at the test's start and at its end.
	// Percentiles are bucket middles: 15 minutes wide beyond a day.
	near := func(what string, got time.Duration, since time.Time) {
		t.Helper()
		const half = 15 * time.Minute / 2
		if lo, hi := r.start.Sub(since)-half, end.Sub(since)+half; got < lo || got > hi {
			t.Errorf("%s = %v, want between %v and %v", what, got, lo, hi)
		}
	}
	fr := rep.FirstResponse
	if len(fr.ByAgent) != 1 || fr.ByAgent[0].Agent != "alice" || fr.ByAgent[0].N != 2 {
		t.Fatalf("first response by agent = %+v, want alice's two", fr.ByAgent)
	}
	// Two values: the median is the smaller (nearest rank 1), p90 the larger.
	near("alice's first response p50", fr.ByAgent[0].P50, day(2, 1))
	near("alice's first response p90", fr.ByAgent[0].P90, day(0, 1))
	if len(fr.ByChannel) != 2 || fr.ByChannel[0].Platform != inbox.Facebook || fr.ByChannel[0].Channel != inbox.Private ||
		fr.ByChannel[0].N != 1 || fr.ByChannel[1].Platform != inbox.Twitter || fr.ByChannel[1].N != 1 {
		t.Fatalf("first response by channel = %+v", fr.ByChannel)
	}
	near("facebook private first response", fr.ByChannel[0].P50, day(2, 1))
	near("twitter private first response", fr.ByChannel[1].P90, day(0, 1))

	res := rep.Resolution
	wantAgents := []string{"", "alice", "bob"}
	if len(res.ByAgent) != 3 {
		t.Fatalf("resolution by agent = %+v", res.ByAgent)
	}
	for i, p := range res.ByAgent {
		if p.Agent != wantAgents[i] || p.N != 1 || p.P50 != p.P90 {
			t.Errorf("resolution by agent %d = %+v, want %q with one close", i, p, wantAgents[i])
		}
	}
	near("unassigned resolution", res.ByAgent[0].P50, day(1, 2))
	near("alice's resolution", res.ByAgent[1].P50, day(0, 1))
	near("bob's resolution", res.ByAgent[2].P50, r.from.Add(-24*time.Hour))
	if len(res.ByChannel) != 2 || res.ByChannel[1].Platform != inbox.Twitter || res.ByChannel[1].N != 2 {
		t.Fatalf("resolution by channel = %+v", res.ByChannel)
	}
	near("twitter private resolution p50", res.ByChannel[1].P50, day(0, 1))
	near("twitter private resolution p90", res.ByChannel[1].P90, r.from.Add(-24*time.Hour))

	wantSLA := []store.SLACount{
		{Platform: inbox.Facebook, Channel: inbox.Private, FirstTarget: 48 * time.Hour, First: 1},
		{Platform: inbox.Twitter, Channel: inbox.Private, FirstTarget: time.Hour, NextTarget: time.Hour,
			First: 1, FirstBreached: 1, Next: 1},
		{Platform: inbox.Twitter, Channel: inbox.Public, FirstTarget: time.Hour, Waiting: 1},
	}
	if !reflect.DeepEqual(rep.SLA, wantSLA) {
		t.Errorf("SLA = %+v\nwant %+v", rep.SLA, wantSLA)
	}
	wantAnswers := store.Answers{Total: 5, Automatic: 2, ByAgent: 3, ByKind: map[string]int{
		store.AnswerEnglishOnly: 1, store.AnswerDMInvite: 1, store.AnswerPrivateReply: 1}}
	if !reflect.DeepEqual(rep.Answers, wantAnswers) || rep.Answers.Share() != 0.4 {
		t.Errorf("answers = %+v (share %v)\nwant %+v", rep.Answers, rep.Answers.Share(), wantAnswers)
	}
	wantRedacted := store.Redactions{Messages: 1, ByKind: map[string]int{"booking_number": 1, "pin": 1}}
	if !reflect.DeepEqual(rep.Redacted, wantRedacted) {
		t.Errorf("redacted = %+v, want %+v", rep.Redacted, wantRedacted)
	}

	// A conversation's language decided again moves it in the split by
	// language.
	moved := item(in(inbox.Facebook, inbox.Message, "r-msg2", "r-t-dan", "r-dan", r.start.Add(-time.Minute)))
	moved.Language, moved.LanguageConfidence = "fr", 0.9
	ingest(t, s, moved)
	byLang := report(t, store.GroupLanguage)
	if want := (store.DayCount{Day: days(2), Key: "fr", N: 1}); len(byLang.Opened) != 4 || byLang.Opened[3] != want {
		t.Errorf("opened by language after the change = %+v, want the Messenger conversation under fr", byLang.Opened)
	}

	// New targets judge new answers only: the breaches above stand.
	if err := s.SetSLATargets(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	later, err := s.Report(t.Context(), store.ReportQuery{From: r.from, To: r.to})
	if err != nil || len(later.SLA) != 2 || later.SLA[1].FirstBreached != 1 || later.SLA[1].Waiting != 0 {
		t.Errorf("after the targets were removed: %+v, %v; want the twitter private breach kept, nobody waiting past no target", later.SLA, err)
	}

	// A period before everything is empty, not an error.
	empty, err := s.Report(t.Context(), store.ReportQuery{From: r.from.Add(-30 * 24 * time.Hour), To: r.from.Add(-10 * 24 * time.Hour)})
	if err != nil || empty.OpenedTotal != 0 || empty.ClosedTotal != 0 || len(empty.Opened) != 0 || empty.Answers.Total != 0 ||
		len(empty.FirstResponse.ByAgent) != 0 || empty.Redacted.Messages != 0 {
		t.Errorf("empty period: %+v, %v", empty, err)
	}
	for _, bad := range []store.ReportQuery{
		{},
		{From: r.to, To: r.from},
		{From: r.from, To: r.from},
		{From: r.from.Add(time.Hour), To: r.to},
		{From: r.from, To: r.from.Add(400 * 24 * time.Hour)},
		{From: r.from, To: r.to, Group: "customer"},
		{From: r.from, To: r.to, Targets: []store.SLATarget{{Platform: "myspace", Channel: inbox.Public}}},
		{From: r.from, To: r.to, Targets: []store.SLATarget{{Platform: inbox.Twitter, Channel: inbox.Public, FirstResponse: -time.Second}}},
	} {
		if _, err := s.Report(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Report(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
