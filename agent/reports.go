package agent

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/agent/chart"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// Reports: GET /reports (the page), GET /api/reports (JSON) and
// GET /api/reports.csv, for admins. Each takes from and to (UTC dates,
// both days included; default the last 30 days up to today) and group
// (platform, channel, language or flag; default platform). A report holds
// counts, durations, platform and channel names, languages, flags and
// agents' names; every name is passed through the redactor on its way
// out, since flags are free text an agent may have typed.

// DefaultReportDays is the period of a report asked for without dates.
const DefaultReportDays = 30

// reportDate is the format of the from and to parameters.
const reportDate = time.DateOnly

// reportParams are the parameters each report route accepts.
var reportParams = map[string]bool{"from": true, "to": true, "group": true}

// reportForm is a report request as the page's form shows it.
type reportForm struct {
	From, To string
	Group    store.ReportGroup
}

// parseReport reads a report request. Dates are UTC calendar days, to
// included; now decides the defaults. Unknown parameters are refused, so
// that a typo ("grup=flag") is not silently a different report.
func parseReport(q url.Values, now time.Time, targets []store.SLATarget) (store.ReportQuery, reportForm, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	f := reportForm{
		From:  q.Get("from"),
		To:    q.Get("to"),
		Group: store.ReportGroup(q.Get("group")),
	}
	if f.To == "" {
		f.To = today.Format(reportDate)
	}
	if f.Group == "" {
		f.Group = store.GroupPlatform
	}
	for k := range q {
		if !reportParams[k] {
			return store.ReportQuery{}, f, invalidf("unknown parameter %q: a report takes from, to and group", clip(k))
		}
	}
	to, err := time.Parse(reportDate, f.To)
	if err != nil {
		return store.ReportQuery{}, f, invalidf("to: %q is not a date like %s", clip(f.To), today.Format(reportDate))
	}
	if f.From == "" {
		f.From = to.AddDate(0, 0, -(DefaultReportDays - 1)).Format(reportDate)
	}
	from, err := time.Parse(reportDate, f.From)
	if err != nil {
		return store.ReportQuery{}, f, invalidf("from: %q is not a date like %s", clip(f.From), today.Format(reportDate))
	}
	end := to.AddDate(0, 0, 1)
	switch {
	case from.After(to):
		return store.ReportQuery{}, f, invalidf("from (%s) is after to (%s)", f.From, f.To)
	case end.Sub(from) > store.MaxReportDays*24*time.Hour:
		return store.ReportQuery{}, f, invalidf("a report covers at most %d days", store.MaxReportDays)
	case !f.Group.Valid():
		return store.ReportQuery{}, f, invalidf("group: %q is not one of platform, channel, language, flag", clip(string(f.Group)))
	}
	return store.ReportQuery{From: from, To: end, Group: f.Group, Targets: targets, Now: now}, f, nil
}

// Report computes a report, with every name in it redacted.
func (s *Service) Report(ctx context.Context, q store.ReportQuery) (store.Report, error) {
	rep, err := s.store.Report(ctx, q)
	if err != nil {
		return store.Report{}, err
	}
	return redactReport(rep), nil
}

// redactReport passes the report's free-text names (grouping keys and
// agents) through the redactor.
func redactReport(rep store.Report) store.Report {
	for _, days := range [][]store.DayCount{rep.Opened, rep.Closed} {
		for i := range days {
			days[i].Key = redact.String(days[i].Key)
		}
	}
	for _, ps := range [][]store.Percentiles{rep.FirstResponse.ByAgent, rep.Resolution.ByAgent} {
		for i := range ps {
			ps[i].Agent = redact.String(ps[i].Agent)
		}
	}
	return rep
}

// report runs the report a request asks for, for an admin.
func (s *Server) report(r *http.Request, p *Principal) (store.Report, reportForm, error) {
	if !p.Admin() {
		return store.Report{}, reportForm{}, fmt.Errorf("%w: only admins may see reports", ErrForbidden)
	}
	q, form, err := parseReport(r.URL.Query(), time.Now(), store.SLATargets(s.sla))
	if err != nil {
		return store.Report{}, form, err
	}
	rep, err := s.svc.Report(r.Context(), q)
	return rep, form, err
}

// apiReports serves GET /api/reports.
func (s *Server) apiReports(w http.ResponseWriter, r *http.Request, p *Principal) {
	rep, _, err := s.report(r, p)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// apiReportsCSV serves GET /api/reports.csv: the report as one long
// table, one figure per row.
func (s *Server) apiReportsCSV(w http.ResponseWriter, r *http.Request, p *Principal) {
	rep, form, err := s.report(r, p)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="inboxbot-report-%s-to-%s.csv"`, form.From, form.To))
	if err := writeReportCSV(w, rep); err != nil {
		s.log.Warn("writing report CSV", "err", err)
	}
}

// csvHeader names the columns of the report CSV.
var csvHeader = []string{"section", "day", "dimension", "key", "metric", "value"}

// writeReportCSV writes rep as rows of section, day, dimension, key,
// metric and value. Durations are in seconds.
func writeReportCSV(w http.ResponseWriter, rep store.Report) error {
	cw := csv.NewWriter(w)
	row := func(section, day, dim, key, metric string, value any) {
		_ = cw.Write([]string{section, day, dim, csvCell(key), metric, fmt.Sprint(value)})
	}
	_ = cw.Write(csvHeader)
	row("period", rep.From.Format(reportDate), "", "", "from", rep.From.Format(reportDate))
	row("period", rep.To.AddDate(0, 0, -1).Format(reportDate), "", "", "to", rep.To.AddDate(0, 0, -1).Format(reportDate))
	row("totals", "", "", "", "opened", rep.OpenedTotal)
	row("totals", "", "", "", "closed", rep.ClosedTotal)
	for _, s := range []struct {
		name, metric string
		days         []store.DayCount
	}{{"opened", "conversations", rep.Opened}, {"closed", "closes", rep.Closed}} {
		for _, d := range s.days {
			row(s.name, d.Day.Format(reportDate), string(rep.Group), d.Key, s.metric, d.N)
		}
	}
	for _, s := range []struct {
		name string
		d    store.Durations
	}{{"first_response", rep.FirstResponse}, {"resolution", rep.Resolution}} {
		for _, p := range s.d.ByAgent {
			key := p.Agent
			for _, m := range percentileMetrics(p) {
				row(s.name, "", "agent", key, m.name, m.value)
			}
		}
		for _, p := range s.d.ByChannel {
			key := string(p.Platform) + "/" + string(p.Channel)
			for _, m := range percentileMetrics(p) {
				row(s.name, "", "channel", key, m.name, m.value)
			}
		}
	}
	for _, c := range rep.SLA {
		key := string(c.Platform) + "/" + string(c.Channel)
		for _, m := range []struct {
			name  string
			value any
		}{
			{"first_target_seconds", seconds(c.FirstTarget)}, {"first_responses", c.First}, {"first_breached", c.FirstBreached},
			{"next_target_seconds", seconds(c.NextTarget)}, {"next_responses", c.Next}, {"next_breached", c.NextBreached},
			{"waiting_past_target", c.Waiting},
		} {
			row("sla", "", "channel", key, m.name, m.value)
		}
	}
	a := rep.Answers
	row("answers", "", "", "", "total", a.Total)
	row("answers", "", "", "", "automatic", a.Automatic)
	row("answers", "", "", "", "by_agents", a.ByAgent)
	row("answers", "", "", "", "automatic_share", strconv.FormatFloat(a.Share(), 'f', 4, 64))
	for _, k := range sortedKeys(a.ByKind) {
		row("answers", "", "kind", k, "automatic", a.ByKind[k])
	}
	row("redacted", "", "", "", "public_messages", rep.Redacted.Messages)
	for _, k := range sortedKeys(rep.Redacted.ByKind) {
		row("redacted", "", "kind", k, "secrets", rep.Redacted.ByKind[k])
	}
	cw.Flush()
	return cw.Error()
}

type metric struct {
	name  string
	value any
}

func percentileMetrics(p store.Percentiles) []metric {
	return []metric{{"count", p.N}, {"p50_seconds", seconds(p.P50)}, {"p90_seconds", seconds(p.P90)}}
}

// seconds formats d in seconds, to the millisecond.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// csvCell keeps a spreadsheet from reading a name as a formula: one that
// starts with =, +, -, @, tab or CR gets a leading apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ---- the page ----

// reportsPage is the reports page's view.
type reportsPage struct {
	Form   reportForm
	Groups []store.ReportGroup
	// Report is nil when the request was refused (Error on the page).
	Report *store.Report
	// Days is the number of days the period covers.
	Days int
	// The charts.
	Opened, Closed                     template.HTML
	FirstByAgent, FirstByChannel       template.HTML
	ResolvedByAgent, ResolvedByChannel template.HTML
	Answers                            template.HTML
	// AutoKinds are the automatic answers by kind, for the table.
	AutoKinds []labelled
	Share     string
	SLA       []slaRow
	Breaches  int
	Redacted  []labelled
	// CSV is the CSV export of this report.
	CSV string
}

// labelled is a named count.
type labelled struct {
	Label string
	N     int
}

// slaRow is one channel of the SLA table.
type slaRow struct {
	Channel                 string
	FirstTarget, NextTarget string
	First, FirstBreached    int
	Next, NextBreached      int
	Waiting                 int
}

// handleReports serves the reports page.
func (s *Server) handleReports(w http.ResponseWriter, r *http.Request, p *Principal) {
	rep, form, err := s.report(r, p)
	pg := s.newPage("reports", "Reports", p)
	pg.Reports = &reportsPage{Form: form, Groups: store.ReportGroups}
	if err != nil {
		status, body := classify(err)
		if status >= http.StatusInternalServerError || status == http.StatusForbidden {
			s.fail(w, r, false, err)
			return
		}
		pg.Status, pg.Error = status, body.Error
		s.render(w, r, pg)
		return
	}
	pg.Reports = buildReportsPage(rep, form)
	s.render(w, r, pg)
}

// channelNames are what the desk calls each platform channel.
var channelNames = map[string]string{
	"twitter/public":   "X mentions",
	"twitter/private":  "X DMs",
	"facebook/public":  "Facebook comments and posts",
	"facebook/private": "Messenger",
}

// channelName names a platform channel for people.
func channelName(p inbox.Platform, ch inbox.Channel) string {
	k := string(p) + "/" + string(ch)
	if n, ok := channelNames[k]; ok {
		return n
	}
	return k
}

// agentName names the agent of a row; "" held nothing.
func agentName(a string) string {
	if a == "" {
		return "(nobody)"
	}
	return a
}

// answerNames are what the page calls each automatic answer.
var answerNames = map[string]string{
	store.AnswerEnglishOnly:  "English-only notices",
	store.AnswerDMInvite:     "DM invitations",
	store.AnswerPrivateReply: "Private Replies",
	store.AnswerPIINotice:    "requests to delete secrets",
	store.AnswerPublicAck:    "public acknowledgements",
}

// buildReportsPage lays a report out as charts and tables.
func buildReportsPage(rep store.Report, form reportForm) *reportsPage {
	pg := &reportsPage{Form: form, Groups: store.ReportGroups, Report: &rep,
		CSV: "/api/reports.csv?" + url.Values{"from": {form.From}, "to": {form.To}, "group": {string(form.Group)}}.Encode()}
	pg.Days = int(rep.To.Sub(rep.From) / (24 * time.Hour))
	labels := make([]string, pg.Days)
	for i := range labels {
		labels[i] = rep.From.AddDate(0, 0, i).Format("Jan 2")
	}
	// The day charts span the page, the others half of it: their widths
	// keep the text near its size on a desktop screen.
	pg.Opened = chart.Bars{ID: "chart-opened", Title: fmt.Sprintf("Conversations opened per day, by %s", rep.Group),
		Labels: labels, Series: daySeries(rep.Opened, rep.From, pg.Days), Width: 1100, Height: 260}.SVG()
	pg.Closed = chart.Bars{ID: "chart-closed", Title: fmt.Sprintf("Conversations closed per day, by %s", rep.Group),
		Labels: labels, Series: daySeries(rep.Closed, rep.From, pg.Days), Width: 1100, Height: 260}.SVG()
	ranges := func(id, title string, ps []store.Percentiles, name func(store.Percentiles) string) template.HTML {
		rows := make([]chart.Range, len(ps))
		for i, p := range ps {
			rows[i] = chart.Range{Label: name(p), Low: p.P50.Seconds(), High: p.P90.Seconds(), N: p.N}
		}
		return chart.Ranges{ID: id, Title: title, Rows: rows, LowName: "median", HighName: "90th percentile", Width: 540,
			Format: func(s float64) string { return humanDuration(time.Duration(s * float64(time.Second))) }}.SVG()
	}
	byAgent := func(p store.Percentiles) string { return agentName(p.Agent) }
	byChannel := func(p store.Percentiles) string { return channelName(p.Platform, p.Channel) }
	pg.FirstByAgent = ranges("chart-first-agent", "First response time by agent", rep.FirstResponse.ByAgent, byAgent)
	pg.FirstByChannel = ranges("chart-first-channel", "First response time by channel", rep.FirstResponse.ByChannel, byChannel)
	pg.ResolvedByAgent = ranges("chart-resolution-agent", "Resolution time by agent (who held the conversation)", rep.Resolution.ByAgent, byAgent)
	pg.ResolvedByChannel = ranges("chart-resolution-channel", "Resolution time by channel", rep.Resolution.ByChannel, byChannel)
	a := rep.Answers
	pg.Answers = chart.Split{ID: "chart-answers", Title: "Answers sent: automatic and by agents",
		Parts: []chart.Part{{Name: "automatic", Value: a.Automatic}, {Name: "agents", Value: a.ByAgent}}, Width: 540}.SVG()
	pg.Share = chart.Percent(a.Automatic, a.Total)
	for _, k := range sortedKeys(a.ByKind) {
		name := answerNames[k]
		if name == "" {
			name = k
		}
		pg.AutoKinds = append(pg.AutoKinds, labelled{name, a.ByKind[k]})
	}
	for _, c := range rep.SLA {
		pg.SLA = append(pg.SLA, slaRow{
			Channel: channelName(c.Platform, c.Channel), FirstTarget: targetText(c.FirstTarget), NextTarget: targetText(c.NextTarget),
			First: c.First, FirstBreached: c.FirstBreached, Next: c.Next, NextBreached: c.NextBreached, Waiting: c.Waiting,
		})
		pg.Breaches += c.Breached()
	}
	for _, k := range sortedKeys(rep.Redacted.ByKind) {
		pg.Redacted = append(pg.Redacted, labelled{strings.ReplaceAll(k, "_", " "), rep.Redacted.ByKind[k]})
	}
	return pg
}

// daySeries turns the per-day counts into one series per key, with a
// value (0 when none) for each of the period's days.
func daySeries(counts []store.DayCount, from time.Time, days int) []chart.Series {
	byKey := map[string][]int{}
	var keys []string
	for _, c := range counts {
		vs, ok := byKey[c.Key]
		if !ok {
			vs = make([]int, days)
			keys = append(keys, c.Key)
		}
		if i := int(c.Day.Sub(from) / (24 * time.Hour)); i >= 0 && i < days {
			vs[i] += c.N
		}
		byKey[c.Key] = vs
	}
	sort.Strings(keys)
	out := make([]chart.Series, len(keys))
	for i, k := range keys {
		name := k
		if name == "" {
			name = "(none)"
		}
		out[i] = chart.Series{Name: name, Values: byKey[k]}
	}
	return out
}

// targetText shows a target, "none" for no target.
func targetText(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	return humanDuration(d)
}

// humanDuration writes a duration for people: "45s", "12m", "3h 5m",
// "2d 4h".
func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s"
	}
	return shortDuration(d)
}
