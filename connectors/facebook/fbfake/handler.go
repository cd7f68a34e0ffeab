package fbfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The two time formats Facebook writes: the default one, which Go's
// time.RFC3339 cannot parse, and the one asked for with
// date_format=Y-m-d\TH:i:sP.
const (
	fbTime      = "2006-01-02T15:04:05-0700"
	rfc3339Time = "2006-01-02T15:04:05-07:00"
	rfcFormat   = `Y-m-d\TH:i:sP`
)

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

// retiredTags are the message tags Meta retired in April 2026.
var retiredTags = map[string]bool{"CONFIRMED_EVENT_UPDATE": true, "POST_PURCHASE_UPDATE": true, "ACCOUNT_UPDATE": true}

// SubcodeSendRestricted is the subcode of error 10 that says the Page is
// temporarily restricted from sending messages; inject it with
// Fault{Code: 10, Subcode: SubcodeSendRestricted, Method: "POST", Path: "/messages"}.
const SubcodeSendRestricted = 1893063

// apiError is a Graph API error answer.
type apiError struct {
	status  int
	code    int
	subcode int
	typ     string
	msg     string
}

func errorFor(code, subcode int, msg string) *apiError {
	e := &apiError{status: http.StatusBadRequest, code: code, subcode: subcode, typ: "OAuthException", msg: msg}
	if code == 10 || (code >= 200 && code < 300) {
		e.status = http.StatusForbidden
	}
	if e.msg == "" {
		e.msg = defaultMessage(code, subcode)
	}
	return e
}

func defaultMessage(code, subcode int) string {
	switch code {
	case 4:
		return "(#4) Application request limit reached"
	case 17:
		return "(#17) User request limit reached"
	case 32:
		return "(#32) Page request limit reached"
	case 613:
		return "(#613) Calls to this api have exceeded the rate limit."
	case 80001:
		return "(#80001) There have been too many calls to this Page account. Wait a bit and try again."
	case 80006:
		return "(#80006) There have been too many messenger api calls to this Page account. Wait a bit and try again."
	case 190:
		if subcode == 463 {
			return "Error validating access token: Session has expired."
		}
		return "Invalid OAuth access token - Cannot parse access token"
	case 10:
		if subcode == SubcodeSendRestricted {
			return "(#10) This Page is temporarily restricted from sending messages."
		}
		return "(#10) This message is sent outside of allowed window."
	case 100:
		return "(#100) Invalid parameter"
	case 1, 2:
		return "An unexpected error has occurred. Please retry your request later."
	}
	return fmt.Sprintf("(#%d) Error", code)
}

// request is one request being served, with what rendering needs.
type request struct {
	r       *http.Request
	params  url.Values
	path    string
	version string
	base    string // scheme://host/
	rfc     bool   // date_format asks for RFC 3339 (legacy apps only)
}

func (q *request) time(t time.Time) string {
	if q.rfc {
		return t.UTC().Format(rfc3339Time)
	}
	return t.UTC().Format(fbTime)
}

// ServeHTTP serves the Graph API. It lets a Server be mounted on another
// mux too; paging links then point at the request's own host.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	q := &request{r: r, params: r.Form, path: r.URL.Path}
	if v := versionPrefix.FindString(q.path); v != "" {
		q.version = strings.Trim(v, "/")
		q.path = "/" + q.path[len(v):]
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	q.base = scheme + "://" + r.Host + "/"
	q.rfc = s.opts.LegacyApp && q.params.Get("date_format") == rfcFormat

	s.mu.Lock()
	status, body, code := s.serve(q)
	s.calls = append(s.calls, Call{
		Method: r.Method, Path: q.path, Version: q.version,
		Query: r.URL.Query(), Form: r.PostForm, Params: r.Form,
		Status: status, Code: code, At: s.opts.Now(),
	})
	u := s.usage
	if code == 32 && u.BusinessUseCase < 100 {
		// The refusal of the per-Page limit shows the Page's budget
		// as spent.
		u.BusinessUseCase = 100
	}
	s.mu.Unlock()

	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	if q.version != "" {
		h.Set("Facebook-Api-Version", q.version)
	}
	h.Set("X-App-Usage", fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, u.App, u.App, u.App))
	h.Set("X-Page-Usage", fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, u.Page, u.Page, u.Page))
	h.Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{%q:[{"type":"pages","call_count":%d,"total_cputime":%d,"total_time":%d,"estimated_time_to_regain_access":%d}]}`,
		s.opts.PageID, u.BusinessUseCase, u.BusinessUseCase, u.BusinessUseCase, u.EstimatedTimeToRegainAccess))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// legacyFeature returns the Graph API legacy feature q uses, or "": the
// features that apps created since 4 November 2026 (v27.0) may not use,
// on any version.
func legacyFeature(q *request) string {
	p := q.params
	switch {
	case p.Has("date_format"):
		return "Date/time formatting (date_format)"
	case p.Has("ids"):
		return "Multi-ID lookup (ids)"
	case p.Has("method"):
		return "HTTP method override (method)"
	case p.Has("callback"):
		return "JSONP (callback)"
	case p.Has("batch") || (q.r.Method == http.MethodPost && strings.Trim(q.path, "/") == ""):
		return "Batch requests"
	case strings.Contains(p.Get("fields"), ".as("):
		return "Field aliases (.as)"
	}
	return ""
}

// LegacyCutoff is when Graph API v27.0 stopped new apps from using the
// legacy features.
var LegacyCutoff = time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)

// legacyError is the fake's refusal of a legacy feature. Meta documents
// that new apps cannot use these features but not the error they get;
// the fake answers the usual invalid-parameter error, code 100.
func legacyError(feature string) *apiError {
	return errorFor(100, 0, fmt.Sprintf("(#100) %s is not available for apps created after %s. See the Graph API v27.0 changelog.",
		feature, LegacyCutoff.Format("January 2, 2006")))
}

// conversationsAPI reports whether a request reads Messenger
// conversations or messages: the Conversations API, limited per Page.
func (s *Server) conversationsAPI(q *request) bool {
	if q.r.Method != http.MethodGet {
		return false
	}
	parts := strings.Split(strings.Trim(q.path, "/"), "/")
	node := parts[0]
	switch {
	case (node == s.opts.PageID || node == "me") && len(parts) == 2 && parts[1] == "conversations":
		return true
	case s.convs[node] != nil, s.messages[node] != nil:
		return true
	}
	return false
}

// takeToken takes one call from the Page's Conversations API budget, a
// token bucket of Options.ConversationsPerSecond per second with as many
// in reserve. s.mu must be held.
func (s *Server) takeToken() bool {
	rate := float64(s.opts.ConversationsPerSecond)
	if rate <= 0 {
		return true
	}
	now := s.opts.Now()
	if s.bucketAt.IsZero() {
		s.tokens = rate
	} else if d := now.Sub(s.bucketAt); d > 0 {
		s.tokens = min(rate, s.tokens+d.Seconds()*rate)
	}
	s.bucketAt = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// serve answers one request with its status, body and Graph API error
// code (0 for none); s.mu is held.
func (s *Server) serve(q *request) (int, []byte, int) {
	if f := s.fault(q); f != nil {
		if f.Body != "" {
			st := f.Status
			if st == 0 {
				st = http.StatusOK
			}
			return st, []byte(f.Body), 0
		}
		e := errorFor(f.Code, f.Subcode, f.Message)
		if f.Status != 0 {
			e.status = f.Status
		}
		return s.errorBody(e)
	}
	if feature := legacyFeature(q); feature != "" && !s.opts.LegacyApp {
		return s.errorBody(legacyError(feature))
	}
	// The set-up endpoints (token exchange, debug_token, a user's
	// Pages, webhook subscriptions) check their own tokens.
	v, e, handled := s.serveSetup(q)
	if !handled {
		if e := s.authorize(q); e != nil {
			return s.errorBody(e)
		}
		if s.conversationsAPI(q) && !s.takeToken() {
			return s.errorBody(errorFor(32, 0, ""))
		}
		v, e = s.route(q)
	}
	if e != nil {
		return s.errorBody(e)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return s.errorBody(errorFor(1, 0, "encoding: "+err.Error()))
	}
	return http.StatusOK, bytes.TrimRight(buf.Bytes(), "\n"), 0
}

func (s *Server) errorBody(e *apiError) (int, []byte, int) {
	body := map[string]any{"message": e.msg, "type": e.typ, "code": e.code, "fbtrace_id": "AFakeTrace" + strconv.FormatInt(s.next(), 36)}
	if e.subcode != 0 {
		body["error_subcode"] = e.subcode
	}
	if e.code == 4 || e.code == 17 || e.code == 32 || e.code == 613 || (e.code >= 80000 && e.code <= 80014) || e.code == 1 || e.code == 2 {
		body["is_transient"] = true
	}
	b, _ := json.Marshal(map[string]any{"error": body})
	return e.status, b, e.code
}

func (s *Server) fault(q *request) *Fault {
	for i, f := range s.faults {
		if (f.Method != "" && !strings.EqualFold(f.Method, q.r.Method)) ||
			(f.Path != "" && !strings.Contains(q.path, f.Path)) ||
			(f.Query != "" && !strings.Contains(q.r.URL.RawQuery, f.Query)) {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// accessToken is the request's access token: the access_token
// parameter, or an "Authorization: Bearer" header.
func accessToken(q *request) string {
	tok := q.params.Get("access_token")
	if h := q.r.Header.Get("Authorization"); tok == "" && strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	return tok
}

func (s *Server) authorize(q *request) *apiError {
	tok := accessToken(q)
	switch {
	case tok == "":
		return errorFor(104, 0, "An access token is required to request this resource.")
	case tok != s.token:
		return errorFor(190, 0, "")
	case s.expired:
		return errorFor(190, 463, "")
	}
	return s.checkProof(q, tok)
}

// checkProof requires a valid appsecret_proof for tok when the app
// requires one (Options.AppSecret).
func (s *Server) checkProof(q *request, tok string) *apiError {
	if s.opts.AppSecret != "" {
		proof := q.params.Get("appsecret_proof")
		if proof == "" {
			e := errorFor(100, 0, "API calls from the server require an appsecret_proof argument")
			e.typ = "GraphMethodException"
			return e
		}
		if proof != Proof(s.opts.AppSecret, tok) {
			e := errorFor(100, 0, "Invalid appsecret_proof provided in the API argument")
			e.typ = "GraphMethodException"
			return e
		}
	}
	return nil
}

func notFound(id string) *apiError {
	e := errorFor(100, 33, fmt.Sprintf("Unsupported request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id))
	e.typ = "GraphMethodException"
	return e
}

func (s *Server) route(q *request) (any, *apiError) {
	parts := strings.Split(strings.Trim(q.path, "/"), "/")
	node := parts[0]
	if node == "me" {
		node = s.opts.PageID
	}
	edge := ""
	if len(parts) == 2 {
		edge = parts[1]
	} else if len(parts) > 2 || node == "" {
		return nil, errorFor(2500, 0, "Unknown path components: "+q.path)
	}
	method := q.r.Method
	if m := q.params.Get("method"); s.opts.LegacyApp && method == http.MethodPost && m != "" {
		method = strings.ToUpper(m)
	}
	fields, err := parseFields(q.params.Get("fields"))
	if err != nil {
		return nil, errorFor(100, 0, "(#100) Syntax error in fields: "+err.Error())
	}
	if q.params.Get("fields") == "" {
		fields = nil
	}
	switch method {
	case http.MethodGet:
		return s.get(q, node, edge, fields)
	case http.MethodPost:
		return s.post(q, node, edge)
	}
	return nil, errorFor(100, 0, "(#100) Unsupported method "+method)
}

func (s *Server) get(q *request, node, edge string, fields []field) (any, *apiError) {
	if node == s.opts.PageID {
		switch edge {
		case "":
			return selectFields(map[string]any{"id": s.opts.PageID, "name": s.opts.PageName}, fields, nil), nil
		case "conversations":
			return s.listConversations(q, fields), nil
		case "feed", "posts", "published_posts", "visitor_posts":
			return s.listPosts(q, edge, fields), nil
		}
		return nil, errorFor(100, 0, "(#100) Tried accessing nonexisting field ("+edge+") on node type (Page)")
	}
	if c := s.convs[node]; c != nil {
		switch edge {
		case "":
			return s.renderConv(q, c, fields), nil
		case "messages":
			return s.listMessages(q, c, q.params, fields), nil
		}
	}
	if m := s.messages[node]; m != nil && edge == "" {
		return s.renderMessage(q, m, fields), nil
	}
	if p := s.posts[node]; p != nil {
		switch edge {
		case "":
			return s.renderPost(q, p, fields), nil
		case "comments":
			return s.listComments(q, p.comments, nil, q.params, fields), nil
		}
	}
	if c := s.comments[node]; c != nil {
		switch edge {
		case "":
			return s.renderComment(q, c, fields), nil
		case "comments":
			return s.listComments(q, c.post.comments, c, q.params, fields), nil
		}
	}
	if u, ok := s.customer(node); ok && edge == "" {
		return selectFields(profileJSON(u), fields, nil), nil
	}
	return nil, notFound(node)
}

// entry is one item of a list, with its sort key.
type entry struct {
	at     time.Time
	seq    int64
	render func() any
}

func cursorOf(e entry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(e.at.UnixNano(), 10) + ":" + strconv.FormatInt(e.seq, 10)))
}

func parseCursor(c string) (int64, int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, false
	}
	a, b2, ok := strings.Cut(string(b), ":")
	if !ok {
		return 0, 0, false
	}
	t, err1 := strconv.ParseInt(a, 10, 64)
	n, err2 := strconv.ParseInt(b2, 10, 64)
	return t, n, err1 == nil && err2 == nil
}

func less(a, b entry) bool {
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}

// page cuts one page out of entries, sorted newest first when desc. The
// cursor is the sort key of an item, so paging stays correct while items
// are added. params are the list's parameters (limit, after); link builds
// the next link from the parameters to use.
func (s *Server) page(entries []entry, desc bool, params url.Values, link func(url.Values) string) map[string]any {
	sort.Slice(entries, func(i, j int) bool {
		if desc {
			return less(entries[j], entries[i])
		}
		return less(entries[i], entries[j])
	})
	if after := params.Get("after"); after != "" {
		if t, n, ok := parseCursor(after); ok {
			key := entry{at: time.Unix(0, t), seq: n}
			i := sort.Search(len(entries), func(i int) bool {
				if desc {
					return less(entries[i], key)
				}
				return less(key, entries[i])
			})
			entries = entries[i:]
		}
	}
	limit := s.opts.PageSize
	if l, err := strconv.Atoi(params.Get("limit")); err == nil && l > 0 {
		limit = l
	}
	limit = min(limit, s.opts.MaxPageSize)
	more := len(entries) > limit
	if more {
		entries = entries[:limit]
	}
	data := make([]any, len(entries))
	for i, e := range entries {
		data[i] = e.render()
	}
	out := map[string]any{"data": data}
	if len(entries) == 0 {
		return out
	}
	paging := map[string]any{"cursors": map[string]any{"before": cursorOf(entries[0]), "after": cursorOf(entries[len(entries)-1])}}
	if more {
		next := url.Values{}
		for k, v := range params {
			if k != "appsecret_proof" {
				next[k] = v
			}
		}
		next.Set("limit", strconv.Itoa(limit))
		next.Set("after", cursorOf(entries[len(entries)-1]))
		paging["next"] = link(next)
	}
	out["paging"] = paging
	return out
}

// topLink builds paging.next for a top-level list: the same URL with new
// parameters.
func (q *request) topLink(params url.Values) string {
	p := q.path
	if q.version != "" {
		p = "/" + q.version + p
	}
	return strings.TrimSuffix(q.base, "/") + p + "?" + params.Encode()
}

// edgeParams are the parameters of a nested edge's own list: its modifiers
// and subfields, plus the token and date format of the outer request.
func (q *request) edgeParams(f field) url.Values {
	p := url.Values{}
	for k, v := range f.mods {
		p.Set(k, v)
	}
	if f.raw != "" {
		p.Set("fields", f.raw)
	}
	for _, k := range []string{"access_token", "date_format", "format"} {
		if v := q.params.Get(k); v != "" {
			p.Set(k, v)
		}
	}
	return p
}

func (q *request) edgeLink(id, edge string) func(url.Values) string {
	return func(params url.Values) string {
		p := "/" + id + "/" + edge
		if q.version != "" {
			p = "/" + q.version + p
		}
		return strings.TrimSuffix(q.base, "/") + p + "?" + params.Encode()
	}
}

func userJSON(u User) map[string]any {
	return map[string]any{"name": u.Name, "id": u.ID}
}

func personJSON(u User) map[string]any {
	return map[string]any{"name": u.Name, "email": u.ID + "@facebook.com", "id": u.ID}
}

// --- conversations and messages ---

func (c *conv) updated() (time.Time, int64) {
	var at time.Time
	var seq int64
	for _, m := range c.msgs {
		if m.at.After(at) || (m.at.Equal(at) && m.seq > seq) {
			at, seq = m.at, m.seq
		}
	}
	return at, seq
}

func (s *Server) listConversations(q *request, fields []field) any {
	if pl := q.params.Get("platform"); pl != "" && pl != "messenger" {
		return map[string]any{"data": []any{}}
	}
	user := q.params.Get("user_id")
	var entries []entry
	for _, c := range s.convs {
		if user != "" && c.customer.ID != user {
			continue
		}
		at, seq := c.updated()
		entries = append(entries, entry{at: at, seq: seq, render: func() any { return s.renderConv(q, c, fields) }})
	}
	return s.page(entries, true, q.params, q.topLink)
}

func (s *Server) renderConv(q *request, c *conv, fields []field) any {
	at, _ := c.updated()
	parts := []any{}
	if c.customer.ID != "" {
		parts = append(parts, personJSON(c.customer))
	}
	parts = append(parts, personJSON(s.Page()))
	snippet := ""
	if n := len(c.msgs); n > 0 {
		snippet = c.msgs[n-1].text
	}
	obj := map[string]any{
		"id":            c.id,
		"updated_time":  q.time(at),
		"link":          "/" + s.opts.PageID + "/inbox/" + strings.TrimPrefix(c.id, "t_") + "/",
		"message_count": len(c.msgs),
		"snippet":       snippet,
		"unread_count":  0,
		"can_reply":     true,
		"participants":  map[string]any{"data": parts},
		"senders":       map[string]any{"data": parts},
	}
	if fields == nil {
		fields = []field{{name: "updated_time"}, {name: "link"}, {name: "message_count"}, {name: "snippet"}, {name: "unread_count"}}
	}
	return selectFields(obj, fields, map[string]func(field) any{
		"messages": func(f field) any {
			return s.listMessages(q, c, q.edgeParams(f), f.sub)
		},
	})
}

func (s *Server) listMessages(q *request, c *conv, params url.Values, fields []field) any {
	if fields == nil && params.Get("fields") != "" {
		fields, _ = parseFields(params.Get("fields"))
	}
	entries := make([]entry, 0, len(c.msgs))
	for _, m := range c.msgs {
		entries = append(entries, entry{at: m.at, seq: m.seq, render: func() any { return s.renderMessage(q, m, fields) }})
	}
	link := q.edgeLink(c.id, "messages")
	if q.path == "/"+c.id+"/messages" {
		link = q.topLink
	}
	return s.page(entries, true, params, link)
}

func (s *Server) renderMessage(q *request, m *message, fields []field) any {
	if m.raw != nil {
		return m.raw
	}
	to := m.conv.customer
	if m.from.ID != s.opts.PageID {
		to = s.Page()
	}
	obj := map[string]any{
		"id":           m.id,
		"created_time": q.time(m.at),
		"from":         personJSON(m.from),
		"to":           map[string]any{"data": []any{personJSON(to)}},
		"message":      m.text,
	}
	var files []Attachment
	for _, a := range m.atts {
		if a.Type == "sticker" {
			// A sticker is the message's sticker field, not a file.
			obj["sticker"] = a.URL
			continue
		}
		files = append(files, a)
	}
	if len(files) > 0 {
		var data []any
		for i, a := range files {
			att := map[string]any{"id": strconv.FormatInt(m.seq*10+int64(i), 10), "name": a.Type + "-" + strconv.Itoa(i), "size": 1024}
			switch a.Type {
			case "image":
				att["mime_type"] = "image/jpeg"
				att["image_data"] = map[string]any{"url": a.URL, "preview_url": a.URL, "width": 640, "height": 480,
					"max_width": 640, "max_height": 480, "image_type": 1, "render_as_sticker": false}
			case "video":
				att["mime_type"] = "video/mp4"
				att["video_data"] = map[string]any{"url": a.URL, "preview_url": a.URL}
			case "audio":
				att["mime_type"] = "audio/mpeg"
				att["file_url"] = a.URL
			default:
				att["mime_type"] = "application/octet-stream"
				att["file_url"] = a.URL
			}
			data = append(data, att)
		}
		obj["attachments"] = map[string]any{"data": data}
	}
	if fields == nil {
		fields = []field{{name: "created_time"}}
	}
	return selectFields(obj, fields, nil)
}

// --- posts and comments ---

func (p *post) updated() (time.Time, int64) {
	at, seq := p.at, p.seq
	for _, c := range p.comments {
		if c.at.After(at) || (c.at.Equal(at) && c.seq > seq) {
			at, seq = c.at, c.seq
		}
	}
	return at, seq
}

// listPosts lists the feed ordered by updated_time, newest first, so a
// post with a new comment comes back to the top: this is what lets a
// poller stop at its watermark.
func (s *Server) listPosts(q *request, edge string, fields []field) any {
	var entries []entry
	for _, p := range s.posts {
		own := p.from.ID == s.opts.PageID
		if (edge == "posts" || edge == "published_posts") && !own || edge == "visitor_posts" && own {
			continue
		}
		at, seq := p.updated()
		entries = append(entries, entry{at: at, seq: seq, render: func() any { return s.renderPost(q, p, fields) }})
	}
	return s.page(entries, true, q.params, q.topLink)
}

func attachmentJSON(a Attachment) map[string]any {
	typ := a.Type
	if typ == "image" {
		typ = "photo"
	}
	out := map[string]any{"type": typ, "url": a.URL}
	if a.Type == "image" {
		out["media"] = map[string]any{"image": map[string]any{"src": a.URL, "width": 640, "height": 480}}
	}
	return out
}

func (s *Server) renderPost(q *request, p *post, fields []field) any {
	at, _ := p.updated()
	_, obj0, _ := strings.Cut(p.id, "_")
	obj := map[string]any{
		"id":            p.id,
		"from":          userJSON(p.from),
		"created_time":  q.time(p.at),
		"updated_time":  q.time(at),
		"permalink_url": "https://www.facebook.com/" + s.opts.PageID + "/posts/" + obj0 + "/",
	}
	if p.text != "" {
		obj["message"] = p.text
	}
	if p.from.ID != s.opts.PageID {
		obj["to"] = map[string]any{"data": []any{userJSON(s.Page())}}
	}
	if len(p.atts) > 0 {
		var data []any
		for _, a := range p.atts {
			data = append(data, attachmentJSON(a))
		}
		obj["attachments"] = map[string]any{"data": data}
	}
	if fields == nil {
		fields = []field{{name: "message"}, {name: "created_time"}}
	}
	return selectFields(obj, fields, map[string]func(field) any{
		"comments": func(f field) any {
			list := s.listComments(q, p.comments, nil, q.edgeParams(f), f.sub)
			if len(list["data"].([]any)) == 0 {
				// Facebook leaves an empty nested edge out.
				return nil
			}
			return list
		},
	})
}

// listComments lists the comments of a post (parent nil) or the replies
// to a comment. filter=stream gives every comment, replies included, with
// their parent; the default (toplevel) gives only the top level.
// order=reverse_chronological lists newest first.
func (s *Server) listComments(q *request, all []*comment, parent *comment, params url.Values, fields []field) map[string]any {
	if fields == nil && params.Get("fields") != "" {
		fields, _ = parseFields(params.Get("fields"))
	}
	stream := params.Get("filter") == "stream"
	var entries []entry
	for _, c := range all {
		switch {
		case parent != nil && c.parent != parent:
			continue
		case parent == nil && !stream && c.parent != nil:
			continue
		}
		entries = append(entries, entry{at: c.at, seq: c.seq, render: func() any { return s.renderComment(q, c, fields) }})
	}
	id := ""
	if parent != nil {
		id = parent.id
	} else if len(all) > 0 {
		id = all[0].post.id
	}
	link := q.edgeLink(id, "comments")
	if strings.HasSuffix(q.path, "/comments") {
		link = q.topLink
	}
	out := s.page(entries, params.Get("order") == "reverse_chronological", params, link)
	if params.Get("summary") != "" {
		order := params.Get("order")
		if order == "" {
			order = "chronological"
		}
		out["summary"] = map[string]any{"order": order, "total_count": len(entries), "can_comment": true}
	}
	return out
}

func (s *Server) renderComment(q *request, c *comment, fields []field) any {
	if c.raw != nil {
		return c.raw
	}
	_, postObj, _ := strings.Cut(c.post.id, "_")
	_, cObj, _ := strings.Cut(c.id, "_")
	obj := map[string]any{
		"id":            c.id,
		"from":          userJSON(c.from),
		"message":       c.text,
		"created_time":  q.time(c.at),
		"is_hidden":     c.hidden,
		"like_count":    0,
		"comment_count": 0,
		"permalink_url": "https://www.facebook.com/" + s.opts.PageID + "/posts/" + postObj + "/?comment_id=" + cObj,
	}
	n := 0
	for _, r := range c.post.comments {
		if r.parent == c {
			n++
		}
	}
	obj["comment_count"] = n
	if c.parent != nil {
		obj["parent"] = map[string]any{"id": c.parent.id, "from": userJSON(c.parent.from), "message": c.parent.text, "created_time": q.time(c.parent.at)}
	}
	if len(c.atts) > 0 {
		obj["attachment"] = attachmentJSON(c.atts[0])
	}
	if fields == nil {
		fields = []field{{name: "from"}, {name: "message"}, {name: "created_time"}}
	}
	return selectFields(obj, fields, nil)
}

// --- writes ---

func (s *Server) post(q *request, node, edge string) (any, *apiError) {
	switch {
	case node == s.opts.PageID && edge == "messages":
		return s.send(q)
	case edge == "comments":
		return s.reply(q, node)
	case edge == "":
		if c := s.comments[node]; c != nil {
			if v := q.params.Get("is_hidden"); v != "" {
				was := c.hidden
				c.hidden = v == "true" || v == "1"
				if c.hidden != was {
					verb := "unhide"
					if c.hidden {
						verb = "hide"
					}
					s.queueFeed(s.commentChange(c, verb))
				}
			}
			return map[string]any{"success": true}, nil
		}
	}
	return nil, notFound(node)
}

// jsonParam decodes a form value that huandu/facebook JSON-encoded.
func jsonParam(q *request, name string) (map[string]string, *apiError) {
	v := q.params.Get(name)
	if v == "" {
		return nil, errorFor(100, 0, "(#100) The parameter "+name+" is required")
	}
	out := map[string]string{}
	var raw map[string]any
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, errorFor(100, 0, "(#100) Param "+name+" must be a JSON object")
	}
	for k, x := range raw {
		switch x := x.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		}
	}
	return out, nil
}

func (s *Server) send(q *request) (any, *apiError) {
	rcpt, e := jsonParam(q, "recipient")
	if e != nil {
		return nil, e
	}
	msg, e := jsonParam(q, "message")
	if e != nil {
		return nil, e
	}
	text := msg["text"]
	if text == "" {
		return nil, errorFor(100, 0, "(#100) Param message[text] must be non-empty")
	}
	mt, tag := q.params.Get("messaging_type"), q.params.Get("tag")
	now := s.opts.Now()
	sm := SentMessage{RecipientID: rcpt["id"], CommentID: rcpt["comment_id"], PostID: rcpt["post_id"], MessagingType: mt, Tag: tag, Text: text, At: now}
	var c *conv
	switch {
	case sm.CommentID != "" || sm.PostID != "":
		target := sm.CommentID + sm.PostID
		var author User
		var at time.Time
		if sm.CommentID != "" {
			cm := s.comments[sm.CommentID]
			if cm == nil {
				return nil, notFound(sm.CommentID)
			}
			author, at = cm.from, cm.at
		} else {
			p := s.posts[sm.PostID]
			if p == nil || p.from.ID == s.opts.PageID {
				return nil, notFound(sm.PostID)
			}
			author, at = p.from, p.at
		}
		if !s.opts.NoWindows {
			if s.replied[target] {
				return nil, errorFor(10900, 0, "Activity already replied to")
			}
			if now.Sub(at) > 7*24*time.Hour {
				return nil, errorFor(10903, 0, "This activity can't be replied to: it is older than 7 days")
			}
		}
		s.replied[target] = true
		author = s.messenger(author)
		c = s.convWith(author)
		sm.RecipientID = author.ID
	case sm.RecipientID != "":
		for _, x := range s.convs {
			if x.customer.ID == sm.RecipientID {
				c = x
				break
			}
		}
		if c == nil {
			return nil, errorFor(100, 2018001, "No matching user found")
		}
		if !s.opts.NoWindows {
			if e := s.checkWindow(c, mt, tag, now); e != nil {
				return nil, e
			}
		}
	default:
		return nil, errorFor(100, 0, "(#100) Param recipient must specify id, comment_id or post_id")
	}
	m := &message{from: s.Page(), text: text, at: s.when(now), exact: s.exactly(now)}
	s.addMessage(c.id, m)
	sm.ID, sm.ConversationID = m.id, c.id
	s.sent = append(s.sent, sm)
	return map[string]any{"recipient_id": sm.RecipientID, "message_id": m.id}, nil
}

func (s *Server) convWith(u User) *conv {
	for _, c := range s.convs {
		if c.customer.ID == u.ID {
			return c
		}
	}
	c := &conv{id: "t_" + strconv.FormatInt(s.next(), 10), customer: u, seq: s.next()}
	s.convs[c.id] = c
	return c
}

// checkWindow applies the Messenger rules: RESPONSE within 24 hours of
// the customer's last message, MESSAGE_TAG with HUMAN_AGENT within 7 days.
func (s *Server) checkWindow(c *conv, mt, tag string, now time.Time) *apiError {
	var last time.Time
	for _, m := range c.msgs {
		if m.raw == nil && m.from.ID == c.customer.ID && m.at.After(last) {
			last = m.at
		}
	}
	age := now.Sub(last)
	switch {
	case mt == "RESPONSE" || mt == "UPDATE":
		if last.IsZero() || age > 24*time.Hour {
			return errorFor(10, 2018278, "(#10) This message is sent outside of allowed window.")
		}
	case mt == "MESSAGE_TAG":
		if retiredTags[tag] {
			return errorFor(100, 0, "(#100) The message tag "+tag+" has been deprecated and is no longer supported.")
		}
		if tag != "HUMAN_AGENT" {
			return errorFor(100, 0, "(#100) Unsupported tag "+tag)
		}
		if last.IsZero() || age > 7*24*time.Hour {
			return errorFor(10, 2018278, "(#10) This message is sent outside of allowed window.")
		}
	default:
		return errorFor(100, 0, "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
	}
	return nil
}

func (s *Server) reply(q *request, node string) (any, *apiError) {
	text := q.params.Get("message")
	if text == "" {
		return nil, errorFor(100, 0, "(#100) Missing message or attachment")
	}
	var postID, parent string
	if p := s.posts[node]; p != nil {
		postID = p.id
	} else if c := s.comments[node]; c != nil {
		postID, parent = c.post.id, c.id
		if c.parent != nil {
			// Facebook threads replies one level deep.
			parent = c.parent.id
		}
	} else {
		return nil, notFound(node)
	}
	c := &comment{from: s.Page(), text: text, at: s.when(s.opts.Now())}
	s.addComment(postID, parent, c)
	s.replies = append(s.replies, Reply{ID: c.id, Target: node, Text: text, At: s.opts.Now()})
	return map[string]any{"id": c.id}, nil
}
