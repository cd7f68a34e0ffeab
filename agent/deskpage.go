package agent

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/inboxbot/inboxbot/store"
)

// The desk's pages: three panes on wide screens (the queue, the thread,
// the customer), stacked on narrow ones. "/" shows the queue alone;
// "/conversations/{id}" shows the conversation beside the same queue.
// The queue's parameters (filters, search, order, page) travel in every
// link and form of the desk, so that working a conversation keeps the
// agent's place in the queue.

// queueKeys are the query parameters of the queue, the only ones the
// desk's links and forms carry along.
var queueKeys = []string{"status", "platform", "channel", "language", "flag", "assignee", "customer", "person", "sort", "q", "offset", "limit"}

// queueValues keeps the queue's parameters of q.
func queueValues(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range queueKeys {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// deskPage is the queue pane, and the page around it.
type deskPage struct {
	Me     string
	Filter store.Filter
	// Query holds the queue's parameters; QueryString encodes them for
	// the desk's links and forms.
	Query       url.Values
	QueryString string
	Search      string
	Sort        string
	Sorts       []facetOption
	Page        QueuePage
	Facets      []facet
	// Counted is false for search results, whose facets show no counts
	// (a count would not be the list a click shows).
	Counted  bool
	PrevURL  string
	NextURL  string
	First    int
	Last     int
	Agents   []string
	Mentions int
	// Selected is the conversation open beside the queue, or 0.
	Selected int64
	// Bulk reports a bulk action's outcome.
	Bulk *bulkReport
}

// facet is one filter of the queue with its options and counts.
type facet struct {
	Title   string
	Key     string
	AllURL  string
	AllOn   bool
	Options []facetOption
}

// facetOption is one value of a facet; Count is -1 when not counted.
type facetOption struct {
	Label  string
	Value  string
	Count  int
	URL    string
	Active bool
}

// bulkReport is what a bulk action did, for the page.
type bulkReport struct {
	Action  BulkAction
	Done    int
	Skipped []BulkResult
}

// ConvURL is the desk URL of conversation id with the queue kept.
func (d *deskPage) ConvURL(id int64) string {
	u := "/conversations/" + strconv.FormatInt(id, 10)
	if d.QueryString != "" {
		u += "?" + d.QueryString
	}
	return u
}

// deskData builds the queue pane for the request's parameters.
func (s *Server) deskData(ctx context.Context, r *http.Request, p *Principal, selected int64) (*deskPage, error) {
	q := queueValues(r.URL.Query())
	f, err := parseFilter(q, p.Agent.Name)
	if err != nil {
		return nil, err
	}
	search := strings.TrimSpace(q.Get("q"))
	// The facet counts do not depend on the page: both at once.
	counts := store.Counts{}
	var countErr error
	var wg sync.WaitGroup
	if search == "" {
		wg.Go(func() { counts, countErr = s.svc.Counts(ctx, f) })
	}
	page, err := s.svc.Queue(ctx, p.Agent.Name, f, search)
	wg.Wait()
	if err == nil {
		err = countErr
	}
	if err != nil {
		return nil, err
	}
	d := &deskPage{
		Me: p.Agent.Name, Filter: f, Query: q, QueryString: q.Encode(), Search: search, Sort: string(f.Sort),
		Page: page, Counted: search == "", Selected: selected,
	}
	// Closed conversations are not counted (store.Counts), nor therefore
	// are "closed" and "all".
	statusCounts := map[string]int{"closed": -1, "all": -1}
	for k, v := range counts.ByStatus {
		statusCounts[k] = v
	}
	// Without a status, the queue lists what is open, a search everything.
	statusDefault := "open"
	if search != "" {
		statusDefault = "all"
	}
	// The agent's own name is "me" in the assignee facet.
	me := p.Agent.Name
	assignees := map[string]int{"me": counts.ByAssignee[me]}
	for k, v := range counts.ByAssignee {
		if k != me {
			assignees[k] = v
		}
	}
	aq := q
	if q.Get("assignee") == me {
		aq = withValue(q, "assignee", "me")
	}
	d.Facets = []facet{
		makeFacet("Status", "status", q, statusCounts, []string{"open", "pending", "closed", "all"}, nil, statusDefault),
		makeFacet("Assignee", "assignee", aq, assignees, []string{"me", "-"}, map[string]string{"-": "unassigned"}, ""),
		makeFacet("Platform", "platform", q, counts.ByPlatform, nil, nil, ""),
		makeFacet("Channel", "channel", q, counts.ByChannel, nil, nil, ""),
		makeFacet("Language", "language", q, counts.ByLanguage, nil, nil, ""),
		makeFacet("Flags and tags", "flag", q, counts.ByFlag, nil, nil, ""),
	}
	if !d.Counted {
		for i := range d.Facets {
			for j := range d.Facets[i].Options {
				d.Facets[i].Options[j].Count = -1
			}
		}
	}
	for _, o := range []struct{ v, label string }{{"", "waiting longest"}, {"due", "SLA due first"}, {"newest", "newest"}} {
		d.Sorts = append(d.Sorts, facetOption{Label: o.label, Value: o.v, URL: withParam(q, "sort", o.v), Active: string(f.Sort) == o.v})
	}
	if n := len(page.Conversations); n > 0 {
		d.First, d.Last = page.Offset+1, page.Offset+n
	}
	if page.Offset > 0 {
		d.PrevURL = withParam(q, "offset", strconv.Itoa(max(page.Offset-page.Limit, 0)))
	}
	if page.More {
		d.NextURL = withParam(q, "offset", strconv.Itoa(page.Offset+page.Limit))
	}
	agents, err := s.svc.Agents(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		if !a.Disabled {
			d.Agents = append(d.Agents, a.Name)
		}
	}
	if d.Mentions, err = s.svc.Mentions(ctx, p.Agent.Name); err != nil {
		return nil, err
	}
	return d, nil
}

// makeFacet builds a queue filter from the counts: first lists values
// shown first in that order (the rest follow by count), labels renames
// values, and def is the value that applies when the parameter is absent
// ("" adds an "any" option).
func makeFacet(title, key string, q url.Values, counts map[string]int, first []string, labels map[string]string, def string) facet {
	cur := q.Get(key)
	if cur == "" {
		cur = def
	}
	f := facet{Title: title, Key: key}
	if def == "" {
		f.AllURL, f.AllOn = withParam(q, key, ""), cur == ""
	}
	seen := map[string]bool{}
	add := func(v string, n int) {
		if seen[v] {
			return
		}
		seen[v] = true
		lbl := v
		if l, ok := labels[v]; ok {
			lbl = l
		}
		u := withParam(q, key, v)
		if v == def {
			u = withParam(q, key, "")
		}
		f.Options = append(f.Options, facetOption{Label: lbl, Value: v, Count: n, URL: u, Active: cur == v})
	}
	for _, v := range first {
		add(v, counts[v])
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return counts[keys[i]] > counts[keys[j]] || (counts[keys[i]] == counts[keys[j]] && keys[i] < keys[j])
	})
	for _, k := range keys {
		if k == "" {
			continue // "unknown" language: not a value the filter can select
		}
		add(k, counts[k])
	}
	return f
}

// withValue returns a copy of q with key set to v.
func withValue(q url.Values, key, v string) url.Values {
	n := url.Values{}
	for k, vs := range q {
		n[k] = vs
	}
	n.Set(key, v)
	return n
}

// withParam returns the queue URL with key set to v (removed when ""),
// starting again from the first page unless the offset is what changes.
func withParam(q url.Values, key, v string) string {
	n := url.Values{}
	for k, vs := range q {
		if k != "offset" {
			n[k] = vs
		}
	}
	if v == "" {
		n.Del(key)
	} else {
		n.Set(key, v)
	}
	if len(n) == 0 {
		return "/"
	}
	return "/?" + n.Encode()
}

func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.deskData(r.Context(), r, p, 0)
	if err != nil {
		s.fail(w, r, false, err)
		return
	}
	out := s.newPage("queue", "Queue", p)
	out.Queue = d
	s.render(w, r, out)
}

// convPage is the conversation's panes: the thread and the customer.
type convPage struct {
	Desk
	Me          string
	HeldByOther bool
	Agents      []string
	Canned      []OfferedCanned
	ReplyText   string
	ReplyPublic bool
	NoteText    string
	// Others are the other agents viewing or typing here.
	Others []PresenceView
	// Window fields, precomputed for the template.
	StandardLeft     time.Duration
	HumanAgentLeft   time.Duration
	PrivateReplyLeft time.Duration
}

func (s *Server) handleConversation(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, false, err)
		return
	}
	s.renderConversation(w, r, p, id, http.StatusOK, "", draft{})
}

// draft is what an agent typed in a form that failed, shown again.
type draft struct {
	reply  string
	public bool
	note   string
}

func (s *Server) renderConversation(w http.ResponseWriter, r *http.Request, p *Principal, id int64, status int, msg string, dr draft) {
	ctx := r.Context()
	d, err := s.svc.Open(ctx, p.Agent.Name, id)
	if err != nil {
		s.fail(w, r, false, err)
		return
	}
	queue, err := s.deskData(ctx, r, p, id)
	if err != nil {
		s.fail(w, r, false, err)
		return
	}
	now := s.clock.Now()
	cp := &convPage{
		Desk: d, Me: p.Agent.Name, Agents: queue.Agents,
		Canned:      offerCanned(cannedSet(s.cfg.CannedReplies), d.ConversationView, p.Agent.Name),
		HeldByOther: d.Assignee != "" && d.Assignee != p.Agent.Name,
		ReplyText:   dr.reply, ReplyPublic: dr.public && d.PublicAllowed(), NoteText: dr.note,
		Others: s.presence.others(id, p.Agent.Name, now),
	}
	if d.MessengerWindow != nil {
		cp.StandardLeft, cp.HumanAgentLeft = d.MessengerWindow.StandardLeft(now), d.MessengerWindow.HumanAgentLeft(now)
	}
	if !d.PrivateReplyEndsAt.IsZero() {
		cp.PrivateReplyLeft = max(d.PrivateReplyEndsAt.Sub(now), 0)
	}
	pg := s.newPage("conversation", "#"+strconv.FormatInt(id, 10)+" "+d.Customer.Label(), p)
	pg.Conv, pg.Queue, pg.Status, pg.Error = cp, queue, status, msg
	s.render(w, r, pg)
}

// formKind names the state-changing forms of the conversation view.
type formKind int

const (
	actReply formKind = iota
	actClaim
	actAssign
	actClose
	actReopen
	actNote
	actTag
	actMerge
)

// formAction handles a form post of the conversation view: on success it
// redirects back (so a reload does not post again), keeping the queue's
// parameters; on failure it shows the view again with the reason and the
// right status code, keeping the agent's draft.
func (s *Server) formAction(kind formKind) func(w http.ResponseWriter, r *http.Request, p *Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *Principal) {
		id, err := pathID(r)
		if err != nil {
			s.fail(w, r, false, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, false, formError(err))
			return
		}
		f := r.PostForm
		ctx := r.Context()
		// The desk's forms post to a URL with the queue's parameters.
		queue := queueValues(r.URL.Query())
		dr := draft{reply: f.Get("text"), public: f.Get("visibility") == "public"}
		switch kind {
		case actReply:
			_, err = s.svc.Reply(ctx, ReplyRequest{ConversationID: id, Agent: p.Agent.Name, Public: dr.public, Text: dr.reply})
		case actClaim:
			_, err = s.svc.Claim(ctx, p.Agent.Name, id, f.Get("expect"))
		case actAssign:
			expect := f.Get("expect")
			_, err = s.svc.Assign(ctx, p.Agent.Name, id, f.Get("assignee"), &expect)
		case actClose:
			_, err = s.svc.Close(ctx, p.Agent.Name, id)
		case actReopen:
			_, err = s.svc.Reopen(ctx, p.Agent.Name, id)
		case actNote:
			dr = draft{note: f.Get("note")}
			_, err = s.svc.AddNote(ctx, p.Agent.Name, id, dr.note)
		case actTag:
			_, err = s.svc.Tag(ctx, p.Agent.Name, id, strings.TrimSpace(f.Get("tag")))
		case actMerge:
			var other int64
			if other, err = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("other")), "#"), 10, 64); err != nil || other <= 0 {
				err = invalidf("merge with: give the number of a conversation of the same customer, e.g. #12")
			} else {
				_, err = s.svc.Merge(ctx, p.Agent.Name, id, other)
			}
		}
		if err != nil {
			status, body := classify(err)
			if status >= 500 || (status == http.StatusNotFound && kind != actMerge) {
				s.fail(w, r, false, err)
				return
			}
			if status == http.StatusBadRequest {
				s.logInvalid(r, err)
			}
			msg := body.Error
			if body.Code == "refused" {
				msg = "Not sent: " + body.Reason
			}
			r.URL.RawQuery = queue.Encode()
			s.renderConversation(w, r, p, id, status, msg, dr)
			return
		}
		u := "/conversations/" + strconv.FormatInt(id, 10)
		if len(queue) > 0 {
			u += "?" + queue.Encode()
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
	}
}

// handleBulkForm runs the queue's bulk action and shows the queue again
// with what was done and what was skipped, and why.
func (s *Server) handleBulkForm(w http.ResponseWriter, r *http.Request, p *Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, false, formError(err))
		return
	}
	req, err := bulkForm(r)
	var res []BulkResult
	if err == nil {
		res, err = s.svc.Bulk(r.Context(), p.Agent.Name, req)
	}
	status := http.StatusOK
	msg := ""
	if err != nil {
		var body apiError
		status, body = classify(err)
		if status >= 500 {
			s.fail(w, r, false, err)
			return
		}
		if status == http.StatusBadRequest {
			s.logInvalid(r, err)
		}
		msg = body.Error
	}
	d, derr := s.deskData(r.Context(), r, p, 0)
	if derr != nil {
		s.fail(w, r, false, derr)
		return
	}
	if err == nil {
		rep := &bulkReport{Action: req.Action}
		for _, x := range res {
			if x.OK {
				rep.Done++
			} else {
				rep.Skipped = append(rep.Skipped, x)
			}
		}
		d.Bulk = rep
	}
	out := s.newPage("queue", "Queue", p)
	out.Queue, out.Status, out.Error = d, status, msg
	s.render(w, r, out)
}

// mergeBody is the body of POST /api/conversations/{id}/merge.
type mergeBody struct {
	// Conversation is another conversation of the same person.
	Conversation int64 `json:"conversation"`
}

func (s *Server) apiMerge(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body mergeBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	if err == nil && body.Conversation <= 0 {
		err = invalidf("conversation must be the id of another conversation")
	}
	respond(s, w, r, err, func() (PersonView, error) { return s.svc.Merge(r.Context(), p.Agent.Name, id, body.Conversation) })
}

// relTime says how long ago (or in how long) t is from now, for humans:
// "just now", "4 min ago", "in 12 min", "3 h ago", "2 d ago".
func relTime(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		s = fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		s = fmt.Sprintf("%d d", int(d/(24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// initials are a customer's avatar when the platform gave no picture:
// the first letters of the name's first two words, else of the handle.
func initials(name, handle string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		for _, r := range handle {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// imageHosts are where the platforms serve profile pictures and the
// media customers attach; the Content-Security-Policy lets pages load
// images from these only.
var imageHosts = []string{"pbs.twimg.com", "abs.twimg.com", "platform-lookaside.fbsbx.com", ".fbcdn.net"}

// platformImage returns u when it is an https URL on a platform's image
// host, and "" otherwise (the desk then shows initials for an avatar, a
// link alone for an attachment).
func platformImage(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.User != nil {
		return ""
	}
	host := p.Hostname()
	for _, h := range imageHosts {
		if host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return u
		}
	}
	return ""
}
