package agent

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// reportSeed is a desk history for the reports tests, with the figures
// its report must show. Customer messages are dated on past UTC days;
// replies and closes happen now, inside the period.
type reportSeed struct {
	// from and to are the report's dates (to is tomorrow, so that the
	// closes of a test running over midnight stay inside).
	from, to string
	opened   int // conversations opened in the period
	closed   int // closes in the period
	// openedByPlatform counts the opened conversations per platform.
	openedByPlatform map[string]int
	// answers: all sent, and the automatic ones.
	answers, automatic int
	redacted           int // public messages stored redacted
	// secrets must appear in no report output.
	secrets []string
}

// seedReports stores the history through the store, as the router,
// connectors and desk would.
func seedReports(tb testing.TB, st store.Store) reportSeed {
	tb.Helper()
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	seed := reportSeed{
		from: today.AddDate(0, 0, -6).Format(time.DateOnly), to: today.AddDate(0, 0, 1).Format(time.DateOnly),
		openedByPlatform: map[string]int{},
		secrets:          []string{"1234567890", "4321", "Ann Private", "ann_secret_handle", "my booking is"},
	}
	n := 0
	ingest := func(p inbox.Platform, k inbox.Kind, thread string, at time.Time, text string, it store.Item) store.Ingested {
		tb.Helper()
		n++
		it.Message = inbox.Inbound{V: inbox.SchemaVersion, Platform: p, Kind: k, ExternalID: fmt.Sprintf("rep-%d", n),
			Thread: thread, Author: inbox.Author{ID: "u-" + thread, Handle: "ann_secret_handle", Name: "Ann Private"}, Text: text, CreatedAt: at}
		res, err := st.Ingest(ctx, []store.Item{it})
		if err != nil {
			tb.Fatalf("ingest: %v", err)
		}
		return res[0]
	}
	send := func(id int64, state inbox.State) {
		tb.Helper()
		if _, err := st.BeginSend(ctx, id); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.FinishSend(ctx, id, store.Result{State: state, PlatformID: fmt.Sprintf("sent-%d", id)}); err != nil {
			tb.Fatal(err)
		}
	}
	reply := func(conv int64, p inbox.Platform, agent string) {
		tb.Helper()
		n++
		a, _, err := st.CreateAction(ctx, inbox.Action{V: 1, ConversationID: conv, Platform: p, Kind: inbox.SendDM,
			Key: fmt.Sprintf("rep-reply-%d", n), Recipient: "someone", Text: "We are on it", RequestedBy: "agent:" + agent, Purpose: "agent_reply"})
		if err != nil {
			tb.Fatal(err)
		}
		send(a.ID, inbox.StateSent)
	}
	// Twelve DMs over five days, with the booking number and PIN in clear
	// (private): four answered by alice, four by bob, half closed.
	for i := range 12 {
		day := today.AddDate(0, 0, -5+i%5).Add(9 * time.Hour)
		res := ingest(inbox.Twitter, inbox.DM, fmt.Sprintf("dm%d", i), day, "my booking is 1234567890 and PIN 4321", store.Item{Language: "en"})
		seed.opened++
		seed.openedByPlatform["twitter"]++
		if i < 8 {
			agent := []string{"alice", "bob"}[i%2]
			reply(res.ConversationID, inbox.Twitter, agent)
			seed.answers++
			if i%2 == 0 {
				hold := agent
				if _, err := st.UpdateConversation(ctx, res.ConversationID, store.Update{Assignee: &hold, Status: ptrStatus(inbox.Closed)}); err != nil {
					tb.Fatal(err)
				}
				seed.closed++
			}
		}
	}
	// Five comments with a redacted booking number, each with a sent
	// Private Reply; one tagged by an agent with a number that looks like
	// a booking number, one with a tag a spreadsheet would run.
	for i := range 5 {
		day := today.AddDate(0, 0, -4+i%3).Add(15 * time.Hour)
		res := ingest(inbox.Facebook, inbox.Comment, fmt.Sprintf("c%d", i), day, "my booking is [booking number]", store.Item{
			Language: "it", Flags: []string{inbox.FlagPIIRedacted},
			Findings: []inbox.Finding{{Kind: "booking_number", Start: 14, End: 30}},
			Actions: []inbox.Action{{V: 1, Platform: inbox.Facebook, Kind: inbox.PrivateReply, Key: fmt.Sprintf("rep-pr-%d", i),
				Target: fmt.Sprintf("rep-%d", n+1), Purpose: "private_reply", Text: "Write to us in Messenger", RequestedBy: "router"}},
		})
		seed.opened++
		seed.openedByPlatform["facebook"]++
		seed.redacted++
		send(res.Actions[0].ID, inbox.StateSent)
		seed.answers++
		seed.automatic++
		if i == 0 {
			if _, err := st.UpdateConversation(ctx, res.ConversationID, store.Update{AddFlags: []string{"vip 1234567890", "=HYPERLINK(\"x\")"}}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	// Before the period: neither opened nor answered in it.
	ingest(inbox.Twitter, inbox.Mention, "old", today.AddDate(0, 0, -30), "hello", store.Item{})
	return seed
}

func ptrStatus(s inbox.Status) *inbox.Status { return &s }

func reportPath(path string, s reportSeed, extra ...string) string {
	q := url.Values{"from": {s.from}, "to": {s.to}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return path + "?" + q.Encode()
}

func TestReportsRoles(t *testing.T) {
	e := newTestEnv(t)
	admin := e.session(t, "ada", e.addAgent(t, "ada", RoleAdmin))
	agent := e.session(t, "bob", e.addAgent(t, "bob", RoleAgent))
	token := e.bearer(t, "ada")
	for _, path := range []string{"/reports", "/api/reports", "/api/reports.csv"} {
		api := strings.HasPrefix(path, "/api/")
		rec := e.anon().do(t, "GET", path, "", "")
		switch {
		case api && rec.Code != http.StatusUnauthorized:
			t.Errorf("anonymous GET %s = %d, want 401", path, rec.Code)
		case !api && (rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login")):
			t.Errorf("anonymous GET %s = %d %s, want a redirect to sign in", path, rec.Code, rec.Header().Get("Location"))
		}
		for _, q := range []string{"", "?group=customer"} {
			if rec := agent.do(t, "GET", path+q, "", ""); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "only admins") {
				t.Errorf("agent GET %s%s = %d %s, want 403", path, q, rec.Code, rec.Body.String())
			}
		}
		if rec := admin.do(t, "GET", path, "", ""); rec.Code != http.StatusOK {
			t.Errorf("admin GET %s = %d %s", path, rec.Code, rec.Body.String())
		}
		if !api {
			continue
		}
		if rec := token.do(t, "GET", path, "", ""); rec.Code != http.StatusOK {
			t.Errorf("admin's API token GET %s = %d", path, rec.Code)
		}
		// Reports only read: no other method is served.
		if rec := admin.do(t, "POST", path, "", ""); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s = %d, want 405", path, rec.Code)
		}
	}
	// The nav shows the page to admins only.
	if body := admin.do(t, "GET", "/", "", "").Body.String(); !strings.Contains(body, `href="/reports"`) {
		t.Error("admins' nav has no Reports link")
	}
	if body := agent.do(t, "GET", "/", "", "").Body.String(); strings.Contains(body, `href="/reports"`) {
		t.Error("agents' nav shows Reports")
	}
}

func TestReportsBadInput(t *testing.T) {
	e := newTestEnv(t)
	admin := e.session(t, "ada", e.addAgent(t, "ada", RoleAdmin))
	for _, tc := range []struct {
		query, want string
	}{
		{"from=2026-13-01&to=2026-12-01", "from:"},
		{"from=yesterday", "from:"},
		{"to=2026-02-30", "to:"},
		{"from=2026-03-02&to=2026-03-01", "after"},
		{"from=2024-01-01&to=2026-01-01", "at most 366 days"},
		{"group=customer", "group:"},
		{"grup=flag", "unknown parameter"},
	} {
		for _, path := range []string{"/api/reports", "/api/reports.csv"} {
			rec := admin.do(t, "GET", path+"?"+tc.query, "", "")
			var body apiError
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != http.StatusBadRequest || body.Code != "invalid" || !strings.Contains(body.Error, tc.want) {
				t.Errorf("GET %s?%s = %d %+v, want 400 saying %q", path, tc.query, rec.Code, body, tc.want)
			}
		}
		// The page says what is wrong and keeps the form.
		rec := admin.do(t, "GET", "/reports?"+tc.query, "", "")
		if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, `id="report-form"`) ||
			!strings.Contains(body, `id="error"`) || strings.Contains(body, `id="summary"`) {
			t.Errorf("page ?%s = %d, want 400 with the error and the form", tc.query, rec.Code)
		}
	}
}

func TestReportsAPI(t *testing.T) {
	e := newTestEnv(t)
	seed := seedReports(t, e.st)
	e.addAgent(t, "ada", RoleAdmin)
	admin := e.bearer(t, "ada")
	rec := admin.do(t, "GET", reportPath("/api/reports", seed), "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/reports = %d %s", rec.Code, rec.Body.String())
	}
	var rep store.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.OpenedTotal != seed.opened || rep.ClosedTotal != seed.closed || rep.Group != store.GroupPlatform {
		t.Errorf("totals: opened %d closed %d (%s), want %d and %d", rep.OpenedTotal, rep.ClosedTotal, rep.Group, seed.opened, seed.closed)
	}
	byPlatform := map[string]int{}
	for _, d := range rep.Opened {
		byPlatform[d.Key] += d.N
	}
	if fmt.Sprint(byPlatform) != fmt.Sprint(seed.openedByPlatform) {
		t.Errorf("opened by platform %v, want %v", byPlatform, seed.openedByPlatform)
	}
	if rep.Answers.Total != seed.answers || rep.Answers.Automatic != seed.automatic || rep.Redacted.Messages != seed.redacted {
		t.Errorf("answers %+v, redacted %+v", rep.Answers, rep.Redacted)
	}
	if len(rep.FirstResponse.ByAgent) != 2 || len(rep.SLA) != 4 {
		t.Errorf("first responses by agent %+v, SLA rows %+v", rep.FirstResponse.ByAgent, rep.SLA)
	}
	// Every name is redacted, and nothing a customer wrote is there.
	flagged := admin.do(t, "GET", reportPath("/api/reports", seed, "group", "flag"), "", "").Body.String()
	if !strings.Contains(flagged, "vip [booking number]") {
		t.Errorf("the agent's tag is not in the flag report redacted: %s", flagged)
	}
	for _, body := range []string{rec.Body.String(), flagged} {
		for _, s := range seed.secrets {
			if strings.Contains(body, s) {
				t.Errorf("report JSON holds %q", s)
			}
		}
	}
}

func TestReportsCSV(t *testing.T) {
	e := newTestEnv(t)
	seed := seedReports(t, e.st)
	e.addAgent(t, "ada", RoleAdmin)
	admin := e.bearer(t, "ada")
	for _, group := range []string{"platform", "flag"} {
		rec := admin.do(t, "GET", reportPath("/api/reports.csv", seed, "group", group), "", "")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "inboxbot-report-"+seed.from+"-to-"+seed.to+".csv") {
			t.Fatalf("GET csv = %d %v", rec.Code, rec.Header())
		}
		body := rec.Body.String()
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		if strings.Join(rows[0], ",") != "section,day,dimension,key,metric,value" {
			t.Errorf("header %v", rows[0])
		}
		find := func(section, dim, key, metric string) string {
			for _, r := range rows {
				if r[0] == section && r[2] == dim && r[3] == key && r[4] == metric {
					return r[5]
				}
			}
			return ""
		}
		if got := find("totals", "", "", "opened"); got != fmt.Sprint(seed.opened) {
			t.Errorf("%s: opened total %q, want %d", group, got, seed.opened)
		}
		if got := find("totals", "", "", "closed"); got != fmt.Sprint(seed.closed) {
			t.Errorf("%s: closed total %q, want %d", group, got, seed.closed)
		}
		if got := find("answers", "kind", store.AnswerPrivateReply, "automatic"); got != fmt.Sprint(seed.automatic) {
			t.Errorf("%s: private replies %q, want %d", group, got, seed.automatic)
		}
		if got := find("first_response", "agent", "alice", "count"); got != "4" {
			t.Errorf("%s: alice's first responses %q, want 4", group, got)
		}
		if got := find("redacted", "", "", "public_messages"); got != fmt.Sprint(seed.redacted) {
			t.Errorf("%s: redacted %q, want %d", group, got, seed.redacted)
		}
		if group == "flag" {
			var sum int
			for _, r := range rows {
				if r[0] == "opened" && r[3] == "pii_redacted" {
					var n int
					fmt.Sscan(r[5], &n)
					sum += n
				}
			}
			if sum != seed.redacted {
				t.Errorf("opened pii_redacted adds up to %d, want %d", sum, seed.redacted)
			}
			if !strings.Contains(body, "vip [booking number]") || !strings.Contains(body, `'=HYPERLINK`) {
				t.Errorf("flag keys not redacted and guarded:\n%s", body)
			}
		}
		for _, s := range seed.secrets {
			if strings.Contains(body, s) {
				t.Errorf("CSV holds %q", s)
			}
		}
	}
}

func TestReportsPage(t *testing.T) {
	e := newTestEnv(t)
	seed := seedReports(t, e.st)
	admin := e.session(t, "ada", e.addAgent(t, "ada", RoleAdmin))
	rec := admin.do(t, "GET", reportPath("/reports", seed, "group", "language"), "", "")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /reports = %d", rec.Code)
	}
	for _, want := range []string{
		fmt.Sprintf(`<b id="total-opened">%d</b>`, seed.opened),
		fmt.Sprintf(`<b id="total-closed">%d</b>`, seed.closed),
		fmt.Sprintf(`id="chart-opened" viewBox="0 0 1100 260" width="100%%" role="img" aria-label="Conversations opened per day, by language" data-total="%d"`, seed.opened),
		fmt.Sprintf(`id="chart-closed" viewBox="0 0 1100 260" width="100%%" role="img" aria-label="Conversations closed per day, by language" data-total="%d"`, seed.closed),
		`data-series="it"`, `data-series="en"`, `<option value="language" selected>`,
		`id="chart-first-agent"`, `id="chart-resolution-channel"`, `id="chart-answers"`, `<table class="plain" id="sla">`,
		`href="/api/reports.csv?from=` + seed.from,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, s := range seed.secrets {
		if strings.Contains(body, s) {
			t.Errorf("page holds %q", s)
		}
	}
	// Without dates: the last 30 days up to today.
	if body := admin.do(t, "GET", "/reports", "", "").Body.String(); !strings.Contains(body, `value="`+time.Now().UTC().Format(time.DateOnly)+`"`) || !strings.Contains(body, "(30 days, UTC)") {
		t.Errorf("default period not the last 30 days")
	}
}
