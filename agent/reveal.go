package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// Revealing: booking numbers and PINs that customers send in private are
// kept, because agents need them, but the desk shows them hidden
// everywhere (lists, previews, threads, API responses; live events carry
// no text at all). An agent who needs one reveals the message, and the
// conversation's audit trail records who saw which kinds of secret in
// which message.

// RevealedMessage is a message's text as stored, secrets included.
type RevealedMessage struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Text           string `json:"text"`
	// Revealed names the kinds of the secrets the desk hides in Text
	// ("booking_number", "pin", ...), in order; empty when nothing was
	// hidden.
	Revealed []string `json:"revealed"`
}

// AuditReveal is the audit trail's action for a revealed message.
const AuditReveal = "reveal"

// mayReveal reports whether an agent of this role may see hidden secrets:
// agents and admins, who answer customers, and no other role a later
// version may add (a read-only auditor, say).
func mayReveal(role string) bool { return role == RoleAgent || role == RoleAdmin }

// Reveal returns a message's stored text, with the secrets the desk hides,
// to the agent named agent, and records who saw which kinds of secret in
// which message in the conversation's audit trail first: when that entry
// cannot be written, nothing is revealed. A message with nothing hidden is
// returned without an entry. An unknown agent, or one whose role may not
// reveal, gets ErrForbidden; an unknown message, ErrNotFound.
func (s *Service) Reveal(ctx context.Context, agent string, messageID int64) (RevealedMessage, error) {
	a, err := s.store.Agent(ctx, agent)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return RevealedMessage{}, fmt.Errorf("%w: %q is not an agent", ErrForbidden, agent)
	case err != nil:
		return RevealedMessage{}, fmt.Errorf("looking up agent %q: %w", agent, err)
	case a.Disabled || !mayReveal(a.Role):
		return RevealedMessage{}, fmt.Errorf("%w: the %s role may not reveal customers' secrets", ErrForbidden, a.Role)
	}
	m, err := s.store.Message(ctx, messageID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return RevealedMessage{}, fmt.Errorf("%w: message %d", ErrNotFound, messageID)
	case err != nil:
		return RevealedMessage{}, fmt.Errorf("loading message %d: %w", messageID, err)
	}
	out := RevealedMessage{ID: m.ID, ConversationID: m.ConversationID, Text: m.Text, Revealed: []string{}}
	var names []string
	for _, seg := range s.rd.Mask(m.Text) {
		if seg.Kind != "" {
			out.Revealed = append(out.Revealed, string(seg.Kind))
			names = append(names, redact.Placeholder(seg.Kind))
		}
	}
	if len(names) == 0 {
		return out, nil
	}
	entry := store.Audit{
		Actor: "agent:" + agent, Action: AuditReveal, ConversationID: m.ConversationID, At: s.now(),
		Detail: fmt.Sprintf("message %d: %s", m.ID, strings.Join(names, " ")),
	}
	if err := s.store.AddAudit(ctx, entry); err != nil {
		return RevealedMessage{}, fmt.Errorf("recording the reveal of message %d: %w", m.ID, err)
	}
	return out, nil
}

// messageID reads the {id} of a message route.
func messageID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidf("the message id must be a positive whole number")
	}
	return id, nil
}

// apiReveal serves POST /api/messages/{id}/reveal: the message's text with
// its secrets, audited. A POST (CSRF-checked for browser sessions), so
// that no prefetch, link or cached GET ever reveals or skips the audit.
func (s *Server) apiReveal(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := messageID(r)
	respond(s, w, r, err, func() (RevealedMessage, error) { return s.svc.Reveal(r.Context(), p.Agent.Name, id) })
}
