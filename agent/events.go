package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
)

// sseEvent is one Server-Sent Event: a name and a JSON payload that holds
// ids and states only, never customer text.
type sseEvent struct {
	name string
	data []byte
}

// hub fans live events out to the connected browsers. Each browser has a
// small buffer; a browser too slow to keep up loses events and is told to
// resynchronise, so that one stuck tab never slows the bus subscription.
type hub struct {
	mu      sync.Mutex
	clients map[*sseClient]struct{}
	closed  bool
}

type sseClient struct {
	ch      chan sseEvent
	session string // token hash, so that sign-out ends the session's streams
	lost    atomic.Bool
	done    chan struct{}
	once    sync.Once
}

func (c *sseClient) stop() { c.once.Do(func() { close(c.done) }) }

func newHub() *hub { return &hub{clients: make(map[*sseClient]struct{})} }

// add registers a browser, or returns nil once the hub is closed.
func (h *hub) add(session string) *sseClient {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	c := &sseClient{ch: make(chan sseEvent, 64), session: session, done: make(chan struct{})}
	h.clients[c] = struct{}{}
	return c
}

func (h *hub) remove(c *sseClient) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// broadcast hands ev to every browser without blocking.
func (h *hub) broadcast(ev sseEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.ch <- ev:
		default:
			c.lost.Store(true)
		}
	}
}

// endSession ends the streams of a session that signed out.
func (h *hub) endSession(session string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.session == session {
			c.stop()
		}
	}
}

// close ends every stream, so that an HTTP server's graceful shutdown does
// not wait for browsers that would stay connected forever.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		c.stop()
	}
}

func (h *hub) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// onBusEvent turns a bus event into a browser event. The payload is
// decoded and re-encoded, so that only the known id and state fields can
// ever reach a browser, whatever was published.
func (s *Server) onBusEvent(subject string, data []byte) {
	var ev inbox.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		s.log.Debug("undecodable live event", "subject", subject, "err", err)
		return
	}
	if ev.ConversationID == 0 {
		if id, ok := strings.CutPrefix(subject, bus.SubjectEvents+"conversation."); ok {
			ev.ConversationID, _ = strconv.ParseInt(id, 10, 64)
		}
	}
	if ev.Type == "presence" {
		s.onPresence(ev)
		return
	}
	out, err := json.Marshal(inbox.Event{Type: ev.Type, ConversationID: ev.ConversationID, ActionID: ev.ActionID, State: ev.State, At: ev.At})
	if err != nil {
		return
	}
	s.hub.broadcast(sseEvent{name: "conversation", data: out})
}

// tick tells browsers the desk's time, so that open pages refresh their
// relative times and SLA colours while nothing else happens.
func (s *Server) tick() {
	out, err := json.Marshal(map[string]time.Time{"at": s.clock.Now()})
	if err != nil {
		return
	}
	s.hub.broadcast(sseEvent{name: "tick", data: out})
}

// healthEvent is the payload of a "health" browser event.
type healthEvent struct {
	Component string       `json:"component"`
	State     health.State `json:"state"`
	Reason    string       `json:"reason,omitempty"`
}

// onHealthChange pushes a component's new state to browsers, so that the
// banner appears (and goes) without a reload.
func (s *Server) onHealthChange(name string, c health.Component) {
	out, err := json.Marshal(healthEvent{Component: name, State: c.State, Reason: c.Reason})
	if err != nil {
		return
	}
	s.hub.broadcast(sseEvent{name: "health", data: out})
}

// Limits of one event stream. Streams end after sseLifetime so that a
// browser re-authenticates regularly (its EventSource reconnects at once).
const (
	sseHeartbeat = 25 * time.Second
	sseLifetime  = 30 * time.Minute
)

// handleEvents streams live events to a signed-in browser.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, p *Principal) {
	c := s.hub.add(hashToken(p.Token))
	if c == nil {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.hub.remove(c)
	rc := http.NewResponseController(w)
	// The server's write timeout, if any, must not cut a long-lived stream.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	end := time.NewTimer(sseLifetime)
	defer end.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-c.done:
			return
		case <-end.C:
			return
		case <-beat.C:
			_, err = fmt.Fprint(w, ": ping\n\n")
		case ev := <-c.ch:
			_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
			for more := true; more && err == nil; {
				select {
				case ev := <-c.ch:
					_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
				default:
					more = false
				}
			}
			if err == nil && c.lost.Swap(false) {
				_, err = fmt.Fprint(w, "event: resync\ndata: {}\n\n")
			}
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}
