package agent

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// Presence: who else is viewing a conversation, or typing in it, live.
// A browser reports its agent's presence (on opening a conversation,
// every presenceBeat while it stays open, when the agent types, and when
// the page closes); the desk publishes it on the bus's live events, so
// that every desk instance learns it, keeps it for a while, and passes it
// to the browsers, which show the others. Nothing is stored.

// What an agent does in a conversation.
const (
	PresenceViewing = "viewing"
	PresenceTyping  = "typing"
	PresenceLeft    = "left"
)

// How long a report of presence holds without another: a browser repeats
// "viewing" every presenceBeat; "typing" lapses back to viewing quickly.
const (
	presenceBeat      = 20 * time.Second
	presenceViewingTT = 3 * presenceBeat
	presenceTypingTTL = 8 * time.Second
)

// PresenceView is one other agent in a conversation.
type PresenceView struct {
	ConversationID int64  `json:"conversation_id"`
	Agent          string `json:"agent"`
	// Presence is viewing, typing or left.
	Presence string `json:"presence"`
	// Until is when it lapses unless repeated.
	Until time.Time `json:"until"`
}

// presenceTable is what one desk instance knows of agents' presence.
type presenceTable struct {
	mu     sync.Mutex
	byConv map[int64]map[string]PresenceView
}

func newPresenceTable() *presenceTable {
	return &presenceTable{byConv: map[int64]map[string]PresenceView{}}
}

// update records ev (a presence event) at now and returns the entry.
func (t *presenceTable) update(ev inbox.Event, now time.Time) PresenceView {
	v := PresenceView{ConversationID: ev.ConversationID, Agent: ev.Agent, Presence: ev.Presence}
	switch ev.Presence {
	case PresenceTyping:
		v.Until = now.Add(presenceTypingTTL)
	case PresenceViewing:
		v.Until = now.Add(presenceViewingTT)
	default:
		v.Until = now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.byConv[ev.ConversationID]
	if m == nil {
		m = map[string]PresenceView{}
		t.byConv[ev.ConversationID] = m
	}
	if ev.Presence == PresenceLeft {
		delete(m, ev.Agent)
	} else {
		m[ev.Agent] = v
	}
	t.sweep(now)
	return v
}

// sweep forgets what has lapsed. The caller holds t.mu.
func (t *presenceTable) sweep(now time.Time) {
	for id, m := range t.byConv {
		for a, v := range m {
			if !v.Until.After(now) {
				delete(m, a)
			}
		}
		if len(m) == 0 {
			delete(t.byConv, id)
		}
	}
}

// others lists the agents other than me present in a conversation at
// now, by name.
func (t *presenceTable) others(id int64, me string, now time.Time) []PresenceView {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []PresenceView
	for a, v := range t.byConv[id] {
		if a != me && v.Until.After(now) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agent < out[j].Agent })
	return out
}

// onPresence takes a presence event from the bus: it is recorded and
// passed to the browsers, with the agent's name and what they do only.
func (s *Server) onPresence(ev inbox.Event) {
	switch ev.Presence {
	case PresenceViewing, PresenceTyping, PresenceLeft:
	default:
		return
	}
	if ev.ConversationID <= 0 || !nameRE.MatchString(ev.Agent) {
		return
	}
	v := s.presence.update(ev, s.clock.Now())
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	s.hub.broadcast(sseEvent{name: "presence", data: data})
}

// presenceBody is the body of POST /api/conversations/{id}/presence.
type presenceBody struct {
	// State is viewing, typing or left.
	State string `json:"state"`
}

// apiPresence reports the caller's presence in a conversation to every
// desk instance.
func (s *Server) apiPresence(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := pathID(r)
	var body presenceBody
	if err == nil {
		err = readJSON(w, r, &body)
	}
	if err == nil {
		switch body.State {
		case PresenceViewing, PresenceTyping, PresenceLeft:
		default:
			err = invalidf("state must be viewing, typing or left")
		}
	}
	if err == nil {
		_, err = s.svc.Conversation(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	ev := inbox.Event{Type: "presence", ConversationID: id, Agent: p.Agent.Name, Presence: body.State, At: s.clock.Now()}
	if s.publish != nil {
		s.publish(ev)
	} else {
		s.onPresence(ev)
	}
	w.WriteHeader(http.StatusNoContent)
}
