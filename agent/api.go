package agent

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// apiError is the body of every JSON error response.
type apiError struct {
	// Error is a sentence for humans.
	Error string `json:"error"`
	// Code is stable for programs: unauthenticated, forbidden, csrf,
	// not_found, invalid, held, refused, rate_limited, exists,
	// unavailable, busy, internal.
	Code string `json:"code"`
	// Assignee names the holder on code "held".
	Assignee string `json:"assignee,omitempty"`
	// Reason is the reply guard's reason on code "refused".
	Reason string `json:"reason,omitempty"`
}

// classify maps an error to its HTTP status and API code. It is the one
// place where the desk's errors become status codes.
func classify(err error) (int, apiError) {
	e := apiError{Error: err.Error()}
	var held *HeldError
	var refused *RefusedError
	var rl *RateLimitError
	switch {
	case errors.As(err, &held):
		e.Code, e.Assignee = "held", held.Assignee
		return http.StatusConflict, e
	case errors.As(err, &refused):
		e.Code, e.Reason = "refused", refused.Reason
		return http.StatusUnprocessableEntity, e
	case errors.As(err, &rl):
		e.Code = "rate_limited"
		return http.StatusTooManyRequests, e
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrBadCredentials):
		e.Code = "unauthenticated"
		return http.StatusUnauthorized, e
	case errors.Is(err, ErrCSRF):
		e.Code = "csrf"
		return http.StatusForbidden, e
	case errors.Is(err, ErrForbidden):
		e.Code = "forbidden"
		return http.StatusForbidden, e
	case errors.Is(err, ErrNotFound):
		e.Code = "not_found"
		return http.StatusNotFound, e
	case errors.Is(err, ErrInvalid), errors.Is(err, store.ErrInvalid):
		// Only our own sentences reach the client; any other invalid-input
		// error (a store's, a parser's) may carry internal text, which
		// stays in the log.
		e.Code, e.Error = "invalid", "invalid request"
		var inv *InvalidError
		if errors.As(err, &inv) {
			e.Error = inv.Message
		}
		return http.StatusBadRequest, e
	case errors.Is(err, ErrExists):
		e.Code = "exists"
		return http.StatusConflict, e
	case errors.Is(err, ErrNoReplier):
		e.Code = "unavailable"
		return http.StatusServiceUnavailable, e
	case errors.Is(err, ErrBusy):
		e.Code, e.Error = "busy", ErrBusy.Error()
		return http.StatusServiceUnavailable, e
	}
	// Internal details stay in the log, not in the response.
	e.Code, e.Error = "internal", "internal error; see the server log"
	return http.StatusInternalServerError, e
}

// fail writes err as JSON (api) or as an HTML error page, and logs
// server-side failures. Error texts never hold customer text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, api bool, err error) {
	status, body := classify(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusBadRequest {
		s.logInvalid(r, err)
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
	}
	if errors.Is(err, ErrBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
	}
	if api {
		writeJSON(w, status, body)
		return
	}
	s.errorPage(w, r, status, body.Error)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// logInvalid logs why a request was refused as malformed, with the cause
// that the response leaves out.
func (s *Server) logInvalid(r *http.Request, err error) {
	args := []any{"method", r.Method, "path", r.URL.Path, "err", err}
	var inv *InvalidError
	if errors.As(err, &inv) && inv.Err != nil {
		args = append(args, "cause", inv.Err)
	}
	s.log.Info("invalid request", args...)
}

// readJSON decodes a request body that holds one JSON value into v. An
// empty body leaves v as is, so that actions without parameters need no
// body. Anything after the value but white space is refused: it is a
// client's mistake (two values, a truncated edit) that must not pass as
// the first value alone.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return bodyError(err)
		}
		return &InvalidError{Message: "the request body must hold one JSON value only, with nothing after it", Err: err}
	}
	return nil
}

// bodyError turns a decoding error into a sentence for the client; the
// decoder's own text (Go type names, byte offsets) goes to the log only.
func bodyError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	msg := "the request body is not valid JSON"
	switch {
	case errors.As(err, &tooLarge):
		msg = fmt.Sprintf("the request body is larger than %d KiB", maxBody>>10)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
	case errors.As(err, &typ) && typ.Field != "":
		msg = fmt.Sprintf("field %q must be %s", clip(typ.Field), jsonKind(typ.Type))
	case errors.As(err, &typ):
		msg = "the request body must be a JSON object"
	default:
		// DisallowUnknownFields reports an unknown field with a plain error.
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if name, err := strconv.Unquote(f); err == nil {
				msg = fmt.Sprintf("unknown field %q", clip(name))
			}
		}
	}
	return &InvalidError{Message: msg, Err: err}
}

// jsonKind names what a Go type looks like in JSON.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another type"
}

// clip shortens a client-supplied name before it is echoed back.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// formError turns a form parsing error into a sentence for the client.
func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &InvalidError{Message: fmt.Sprintf("the request body is larger than %d KiB", maxBody>>10), Err: err}
	}
	return &InvalidError{Message: "the form is malformed", Err: err}
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// pathID parses the {id} of a route.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidf("the conversation id must be a positive whole number")
	}
	return id, nil
}

// parseFilter reads the queue filters shared by the UI and the API. The
// status defaults to open (the queue), or to every status for a search
// (q); "all" lists every status. The
// assignee "me" is the caller and "-" selects unassigned conversations.
// sort is waiting (default), due (SLA) or newest.
func parseFilter(q url.Values, me string) (store.Filter, error) {
	var f store.Filter
	var errs []string
	if v := q.Get("platform"); v != "" {
		if f.Platform = inbox.Platform(v); !f.Platform.Valid() {
			errs = append(errs, "platform must be facebook or twitter")
		}
	}
	if v := q.Get("channel"); v != "" {
		if f.Channel = inbox.Channel(v); f.Channel != inbox.Public && f.Channel != inbox.Private {
			errs = append(errs, "channel must be public or private")
		}
	}
	switch v := q.Get("status"); v {
	case "":
		// The queue is what is open; a search looks through everything.
		if strings.TrimSpace(q.Get("q")) == "" {
			f.Status = inbox.Open
		}
	case "all":
	case string(inbox.Open), string(inbox.Pending), string(inbox.Closed):
		f.Status = inbox.Status(v)
	default:
		errs = append(errs, "status must be open, pending, closed or all")
	}
	f.Language = q.Get("language")
	f.Flag = q.Get("flag")
	f.Assignee = q.Get("assignee")
	if f.Assignee == "me" {
		f.Assignee = me
	}
	for _, p := range []struct {
		key string
		dst *int
		max int
	}{{"limit", &f.Limit, 500}, {"offset", &f.Offset, math.MaxInt32}} {
		if v := q.Get(p.key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > p.max {
				errs = append(errs, fmt.Sprintf("%s must be a whole number from 0 to %d", p.key, p.max))
			}
			*p.dst = n
		}
	}
	if v := q.Get("customer"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, "customer must be a customer id")
		}
		f.CustomerID = id
	}
	if v := q.Get("person"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, "person must be a person id")
		}
		f.PersonID = id
	}
	switch v := q.Get("sort"); v {
	case "", "waiting":
	case string(store.SortDue), string(store.SortNewest):
		f.Sort = store.Sort(v)
	default:
		errs = append(errs, "sort must be waiting, due or newest")
	}
	if len(errs) > 0 {
		return f, invalidf("%s", strings.Join(errs, "; "))
	}
	return f, nil
}

func (s *Server) apiMe(w http.ResponseWriter, _ *http.Request, p *Principal) {
	writeJSON(w, http.StatusOK, map[string]string{"name": p.Agent.Name, "role": p.Agent.Role})
}

// apiConversations lists the queue, or with q the conversations that
// match a search (see store.ParseQuery), as the caller sees them.
func (s *Server) apiConversations(w http.ResponseWriter, r *http.Request, p *Principal) {
	f, err := parseFilter(r.URL.Query(), p.Agent.Name)
	respond(s, w, r, err, func() (QueuePage, error) {
		return s.svc.Queue(r.Context(), p.Agent.Name, f, r.URL.Query().Get("q"))
	})
}

// apiConversation returns a conversation with its thread, notes and
// customer, and marks it read for the caller.
func (s *Server) apiConversation(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	respond(s, w, r, err, func() (Desk, error) { return s.svc.Open(r.Context(), p.Agent.Name, id) })
}

// replyBody is the body of POST /api/conversations/{id}/reply.
type replyBody struct {
	Text string `json:"text"`
	// Public asks for a public reply; the default is private.
	Public bool `json:"public"`
}

func (s *Server) apiReply(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body replyBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	var a ActionView
	if err == nil {
		a, err = s.svc.Reply(r.Context(), ReplyRequest{ConversationID: id, Agent: p.Agent.Name, Public: body.Public, Text: body.Text})
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	// 202: the reply is queued; its state changes to sent or failed later.
	writeJSON(w, http.StatusAccepted, a)
}

// claimBody is the body of POST /api/conversations/{id}/claim.
type claimBody struct {
	// Expect is who the caller believes holds the conversation: "" to
	// claim an unassigned one, the holder's name to take it over.
	Expect string `json:"expect"`
}

func (s *Server) apiClaim(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body claimBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	respond(s, w, r, err, func() (ConversationView, error) {
		return s.svc.Claim(r.Context(), p.Agent.Name, id, body.Expect)
	})
}

// assignBody is the body of POST /api/conversations/{id}/assign.
type assignBody struct {
	// Assignee gets the conversation; "" releases it.
	Assignee string `json:"assignee"`
	// Expect, when given, is the holder the caller takes it from.
	Expect *string `json:"expect"`
}

func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body assignBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	respond(s, w, r, err, func() (ConversationView, error) {
		return s.svc.Assign(r.Context(), p.Agent.Name, id, body.Assignee, body.Expect)
	})
}

func (s *Server) apiClose(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	respond(s, w, r, err, func() (ConversationView, error) { return s.svc.Close(r.Context(), p.Agent.Name, id) })
}

func (s *Server) apiReopen(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	respond(s, w, r, err, func() (ConversationView, error) { return s.svc.Reopen(r.Context(), p.Agent.Name, id) })
}

// respond runs do unless parsing the request already failed (err), and
// writes its result as JSON with 200, or the error.
func respond[T any](s *Server, w http.ResponseWriter, r *http.Request, err error, do func() (T, error)) {
	var v T
	if err == nil {
		v, err = do()
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiCounts(w http.ResponseWriter, r *http.Request, p *Principal) {
	f, err := parseFilter(r.URL.Query(), p.Agent.Name)
	respond(s, w, r, err, func() (store.Counts, error) { return s.svc.Counts(r.Context(), f) })
}

func (s *Server) apiHealth(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	writeJSON(w, http.StatusOK, s.healthReport())
}

func (s *Server) healthReport() health.Report {
	if s.health == nil {
		return health.Report{Status: health.StatusOK, Components: map[string]health.Component{}, At: time.Now()}
	}
	return s.health.Report()
}

func (s *Server) apiAgents(w http.ResponseWriter, r *http.Request, _ *Principal) {
	as, err := s.svc.Agents(r.Context())
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": as})
}

// addAgentBody is the body of POST /api/agents.
type addAgentBody struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Server) apiAddAgent(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body addAgentBody
	err := readJSON(w, r, &body)
	var pw string
	if err == nil {
		pw, err = s.svc.AddAgent(r.Context(), body.Name, body.Role)
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	s.log.Info("agent added", "by", p.Agent.Name, "agent", body.Name)
	role := body.Role
	if role == "" {
		role = RoleAgent
	}
	writeJSON(w, http.StatusCreated, map[string]string{"name": body.Name, "role": role, "password": pw})
}

func (s *Server) apiToken(w http.ResponseWriter, r *http.Request, p *Principal) {
	name := r.PathValue("name")
	tok, err := s.svc.Token(r.Context(), name)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	s.log.Info("api token issued", "by", p.Agent.Name, "agent", name)
	writeJSON(w, http.StatusCreated, map[string]string{"name": name, "token": tok})
}
