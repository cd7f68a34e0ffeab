package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// Tags and bulk actions. A bulk action is the single action run on each
// conversation in turn, so it keeps the single action's rules (a
// conversation another agent holds is refused, admins excepted where the
// single action allows them) and audit entries, and reports each
// conversation's outcome.

// tagRE keeps tags short and safe in URLs and flags: lower-case letters,
// digits, '_' and '-'.
var tagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Tag adds a tag (a flag agents choose, shown and filtered like the
// router's) to a conversation, under the holder rule of Close.
func (s *Service) Tag(ctx context.Context, agent string, id int64, tag string) (ConversationView, error) {
	if !tagRE.MatchString(tag) {
		return ConversationView{}, invalidf("tag %q: use 1-32 lower-case letters, digits, '_' or '-'", clip(tag))
	}
	return s.holderUpdate(ctx, agent, id, store.Update{AddFlags: []string{tag}}, "tag", tag)
}

// BulkAction names what a bulk request does.
type BulkAction string

// The bulk actions.
const (
	BulkAssign BulkAction = "assign"
	BulkClose  BulkAction = "close"
	BulkReopen BulkAction = "reopen"
	BulkTag    BulkAction = "tag"
)

// MaxBulk bounds the conversations of one bulk request.
const MaxBulk = 200

// BulkRequest is one bulk action.
type BulkRequest struct {
	IDs    []int64    `json:"ids"`
	Action BulkAction `json:"action"`
	// Assignee is who gets the conversations (assign; "" releases them).
	Assignee string `json:"assignee,omitempty"`
	// Tag is the tag to add (tag).
	Tag string `json:"tag,omitempty"`
}

// BulkResult is one conversation's outcome.
type BulkResult struct {
	ID int64 `json:"id"`
	OK bool  `json:"ok"`
	// Code and Error say why a conversation was skipped, as the API's
	// error body would (held, not_found, invalid...).
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
	// Assignee names the holder when Code is held.
	Assignee string `json:"assignee,omitempty"`
}

// Bulk runs one action on many conversations, each as the single action
// would, and returns every conversation's outcome in the order asked. It
// fails only when the request itself is invalid.
func (s *Service) Bulk(ctx context.Context, agent string, req BulkRequest) ([]BulkResult, error) {
	switch {
	case len(req.IDs) == 0:
		return nil, invalidf("choose at least one conversation")
	case len(req.IDs) > MaxBulk:
		return nil, invalidf("at most %d conversations at once", MaxBulk)
	}
	var do func(id int64) error
	switch req.Action {
	case BulkAssign:
		if req.Assignee != "" {
			if _, err := s.agent(ctx, req.Assignee); err != nil {
				return nil, err
			}
		}
		do = func(id int64) error { _, err := s.Assign(ctx, agent, id, req.Assignee, nil); return err }
	case BulkClose:
		do = func(id int64) error { _, err := s.Close(ctx, agent, id); return err }
	case BulkReopen:
		do = func(id int64) error { _, err := s.Reopen(ctx, agent, id); return err }
	case BulkTag:
		if !tagRE.MatchString(req.Tag) {
			return nil, invalidf("tag %q: use 1-32 lower-case letters, digits, '_' or '-'", clip(req.Tag))
		}
		do = func(id int64) error { _, err := s.Tag(ctx, agent, id, req.Tag); return err }
	default:
		return nil, invalidf("action %q: want assign, close, reopen or tag", clip(string(req.Action)))
	}
	out := make([]BulkResult, 0, len(req.IDs))
	seen := map[int64]bool{}
	for _, id := range req.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		r := BulkResult{ID: id, OK: true}
		if id <= 0 {
			r.OK, r.Code, r.Error = false, "invalid", "not a conversation id"
		} else if err := do(id); err != nil {
			status, body := classify(err)
			if status >= 500 {
				return out, fmt.Errorf("bulk %s of conversation %d: %w", req.Action, id, err)
			}
			r.OK, r.Code, r.Error, r.Assignee = false, body.Code, body.Error, body.Assignee
		}
		out = append(out, r)
		s.announce(inbox.Event{Type: "conversation", ConversationID: id})
	}
	return out, nil
}

// holderUpdate applies u to a conversation under the holder rule: agent
// must hold it or it must be unassigned, unless agent is an admin (whose
// audit entry names the holder); otherwise *HeldError. It is the
// compare-and-set behind Close, Reopen and Tag.
func (s *Service) holderUpdate(ctx context.Context, agent string, id int64, u store.Update, action, detail string) (ConversationView, error) {
	// A few rounds at most: each retry means the holder changed meanwhile.
	for range 3 {
		cur, err := s.conversation(ctx, id)
		if err != nil {
			return ConversationView{}, err
		}
		d, upd := detail, u
		if cur.Assignee != "" && cur.Assignee != agent {
			admin, err := s.isAdmin(ctx, agent)
			if err != nil {
				return ConversationView{}, err
			}
			if !admin {
				return ConversationView{}, &HeldError{ConversationID: id, Assignee: cur.Assignee}
			}
			d = joinDetail(d, "held by "+cur.Assignee)
		} else {
			// Compare-and-set: a claim by another agent since the read wins.
			upd.ExpectAssignee = &cur.Assignee
		}
		c, err := s.store.UpdateConversation(ctx, id, upd)
		switch {
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrNotFound):
			return ConversationView{}, fmt.Errorf("%w: conversation %d", ErrNotFound, id)
		case err != nil:
			return ConversationView{}, fmt.Errorf("updating conversation %d: %w", id, err)
		}
		s.audit(ctx, "agent:"+agent, action, id, d)
		return conversationView(c), nil
	}
	cur, err := s.conversation(ctx, id)
	if err != nil {
		return ConversationView{}, err
	}
	return ConversationView{}, &HeldError{ConversationID: id, Assignee: cur.Assignee}
}

func joinDetail(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func (s *Server) apiBulk(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body BulkRequest
	err := readJSON(w, r, &body)
	var res []BulkResult
	if err == nil {
		res, err = s.svc.Bulk(r.Context(), p.Agent.Name, body)
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}

// tagBody is the body of POST /api/conversations/{id}/tags.
type tagBody struct {
	Tag string `json:"tag"`
}

func (s *Server) apiTag(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body tagBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	respond(s, w, r, err, func() (ConversationView, error) { return s.svc.Tag(r.Context(), p.Agent.Name, id, body.Tag) })
}

// bulkForm reads the queue's bulk form: the checked rows' ids, the action
// and its parameter.
func bulkForm(r *http.Request) (BulkRequest, error) {
	f := r.PostForm
	req := BulkRequest{Action: BulkAction(f.Get("action")), Assignee: f.Get("assignee"), Tag: f.Get("tag")}
	if len(f["id"]) > MaxBulk {
		return req, invalidf("at most %d conversations at once", MaxBulk)
	}
	for _, v := range f["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return req, invalidf("the conversation id must be a positive whole number")
		}
		req.IDs = append(req.IDs, id)
	}
	return req, nil
}
