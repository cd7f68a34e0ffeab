package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// healthReport is /healthz as the suite reads it: the whole report with an
// agent's token, states alone when the token cannot be checked (the
// store is down) and the instance answers as to anyone.
type healthReport struct {
	Status     string `json:"status"`
	Components map[string]struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	} `json:"components"`
}

// unreachable is the state recorded for component "http" when an
// instance does not answer /healthz at all (it was killed).
const unreachable = "unreachable"

// observation is one change in what an instance's /healthz said about a
// component.
type observation struct {
	At                           time.Time
	Phase, Instance, Comp, State string
	Reason                       string
}

// healthWatch polls every instance's /healthz while the scenario runs
// and remembers, per phase, every state each component showed, and the
// changes with their reasons.
type healthWatch struct {
	token string
	hc    *http.Client

	mu      sync.Mutex
	phase   string
	seen    map[string]map[string]map[string]bool // phase → component → state → seen
	last    map[string]map[string]observation     // instance → component → latest
	changes []observation
}

func newHealthWatch(token string) *healthWatch {
	return &healthWatch{token: token, hc: &http.Client{Timeout: 3 * time.Second},
		seen: map[string]map[string]map[string]bool{}, last: map[string]map[string]observation{}}
}

// setPhase starts a phase: what every instance shows now counts as seen
// in it too.
func (h *healthWatch) setPhase(p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.phase = p
	for _, comps := range h.last {
		for _, o := range comps {
			h.note(o)
		}
	}
}

// note marks o's state as seen in the current phase; h.mu is held.
func (h *healthWatch) note(o observation) {
	byComp := h.seen[h.phase]
	if byComp == nil {
		byComp = map[string]map[string]bool{}
		h.seen[h.phase] = byComp
	}
	if byComp[o.Comp] == nil {
		byComp[o.Comp] = map[string]bool{}
	}
	byComp[o.Comp][o.State] = true
}

// watch polls the instance's /healthz every 200 ms until ctx ends. addr
// is read again on every poll.
func (h *healthWatch) watch(ctx context.Context, instance string, addr func() string) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		h.poll(ctx, instance, addr())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (h *healthWatch) poll(ctx context.Context, instance, addr string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	states := map[string]observation{}
	resp, err := h.hc.Do(req)
	if ctx.Err() != nil {
		return
	}
	var rep healthReport
	if err == nil {
		err = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
	}
	now := time.Now()
	if err != nil {
		states["http"] = observation{State: unreachable, Reason: err.Error()}
	} else {
		states["http"] = observation{State: "ok"}
		states["status"] = observation{State: rep.Status}
		for name, c := range rep.Components {
			states[name] = observation{State: c.State, Reason: c.Reason}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last[instance] == nil {
		h.last[instance] = map[string]observation{}
	}
	for comp, o := range states {
		o.At, o.Phase, o.Instance, o.Comp = now, h.phase, instance, comp
		prev, ok := h.last[instance][comp]
		// A reason that vanishes only because the report was anonymous
		// (the store is down, so the token cannot be checked) is no change.
		if !ok || prev.State != o.State || (prev.Reason != o.Reason && o.Reason != "") {
			h.changes = append(h.changes, o)
		}
		h.last[instance][comp] = o
		h.note(o)
	}
	if err != nil {
		// An instance that does not answer says nothing about its parts.
		for comp := range h.last[instance] {
			if comp != "http" {
				delete(h.last[instance], comp)
			}
		}
	}
}

// sawIn reports whether some instance showed comp in one of states during
// phase.
func (h *healthWatch) sawIn(phase, comp string, states ...string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range states {
		if h.seen[phase][comp][s] {
			return true
		}
	}
	return false
}

// seenIn lists the states comp showed during phase.
func (h *healthWatch) seenIn(phase, comp string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for s := range h.seen[phase][comp] {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// current returns what instance shows now for comp ("" when unknown).
func (h *healthWatch) current(instance, comp string) observation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last[instance][comp]
}

// phaseLog describes the changes seen during phase: the first
// observation of each (instance, component, state), with its reason.
func (h *healthWatch) phaseLog(phase string, comps ...string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var lines []string
	done := map[string]bool{}
	for _, o := range h.changes {
		if o.Phase != phase || (len(comps) > 0 && !slices.Contains(comps, o.Comp)) {
			continue
		}
		k := o.Instance + "/" + o.Comp + "=" + o.State
		if done[k] {
			continue
		}
		done[k] = true
		line := fmt.Sprintf("    %s %s %s: %s", o.At.Format("15:04:05.000"), o.Instance, o.Comp, o.State)
		if o.Reason != "" {
			line += " (" + clip(o.Reason, 160) + ")"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
