package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// Internal notes: agents write them for agents. They never reach a
// platform (nothing here calls the Replier), they are shown apart from
// replies, and an @mention marks the conversation for the agent named.

// MaxNoteBytes caps a note's length.
const MaxNoteBytes = 4000

// NoteView is an internal note as the desk shows it.
type NoteView struct {
	ID     int64  `json:"id"`
	Author string `json:"author"`
	// Text is the note with every secret hidden: notes keep no booking
	// number, PIN or card number (see Service.AddNote).
	Text     string   `json:"text"`
	Mentions []string `json:"mentions"`
	// MentionsMe is true when the note mentions the agent it was read for.
	MentionsMe bool      `json:"mentions_me,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func noteView(n store.Note, me string) NoteView {
	return NoteView{
		ID: n.ID, Author: n.Author, Text: n.Text, Mentions: n.Mentions,
		MentionsMe: slices.Contains(n.Mentions, me), CreatedAt: n.CreatedAt,
	}
}

// mentionRE finds @names in a note; names follow nameRE.
var mentionRE = regexp.MustCompile(`(^|[^\w@.])@([a-z0-9][a-z0-9._-]{0,31})`)

// AddNote adds an internal note by agent to a conversation. @name
// mentions an enabled agent, who sees a marker until they open the
// conversation. Secrets are replaced by their placeholders before the
// note is stored: notes are agents' talk, and a booking number or PIN has
// no place there (the customer's own message holds it, behind the audited
// reveal). The note is audited without its text, and announced live.
func (s *Service) AddNote(ctx context.Context, agent string, id int64, text string) (NoteView, error) {
	text = strings.TrimSpace(text)
	switch {
	case agent == "":
		return NoteView{}, invalidf("a note needs an agent")
	case text == "":
		return NoteView{}, invalidf("the note is empty")
	case len(text) > MaxNoteBytes:
		return NoteView{}, invalidf("the note is longer than %d bytes", MaxNoteBytes)
	case !validText(text):
		return NoteView{}, invalidf("the note holds invalid characters")
	}
	agents, err := s.Agents(ctx)
	if err != nil {
		return NoteView{}, err
	}
	known := map[string]bool{}
	for _, a := range agents {
		known[a.Name] = !a.Disabled
	}
	var mentions []string
	for _, m := range mentionRE.FindAllStringSubmatch(strings.ToLower(text), -1) {
		if name := strings.TrimRight(m[2], "."); known[name] {
			mentions = append(mentions, name)
		}
	}
	n, err := s.store.AddNote(ctx, store.Note{ConversationID: id, Author: agent, Text: s.rd.String(text), Mentions: mentions, CreatedAt: s.now()})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return NoteView{}, fmt.Errorf("%w: conversation %d", ErrNotFound, id)
	case err != nil:
		return NoteView{}, fmt.Errorf("adding a note to conversation %d: %w", id, err)
	}
	detail := ""
	if len(n.Mentions) > 0 {
		detail = "mentions " + strings.Join(n.Mentions, ", ")
	}
	s.audit(ctx, "agent:"+agent, "note", id, detail)
	s.announce(inbox.Event{Type: "note", ConversationID: id, Agent: agent})
	return noteView(n, agent), nil
}

// validText reports whether text is valid UTF-8 without NUL bytes, as the
// store requires.
func validText(text string) bool {
	return strings.ToValidUTF8(text, "") == text && !strings.ContainsRune(text, 0)
}

// Mentions counts the conversations where a note mentions agent and they
// have not opened it since.
func (s *Service) Mentions(ctx context.Context, agent string) (int, error) {
	n, err := s.store.Mentions(ctx, agent)
	if err != nil {
		return 0, fmt.Errorf("counting mentions: %w", err)
	}
	return n, nil
}

// noteBody is the body of POST /api/conversations/{id}/notes.
type noteBody struct {
	Text string `json:"text"`
}

func (s *Server) apiNote(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body noteBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	var n NoteView
	if err == nil {
		n, err = s.svc.AddNote(r.Context(), p.Agent.Name, id, body.Text)
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}
