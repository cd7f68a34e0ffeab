// Package health keeps the state of each inboxbot component (bus, store,
// router, connectors) and serves it as /healthz.
package health

import (
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// State is a component's condition.
type State string

// The component states. A connector that is Unauthorized or RateLimited
// degrades the service; a Down bus or store takes it down.
const (
	Starting     State = "starting"
	OK           State = "ok"
	Unauthorized State = "unauthorized"
	RateLimited  State = "rate_limited"
	// Forbidden: the account's access level lacks an endpoint the
	// connector needs; the reason says which and what to do.
	Forbidden State = "forbidden"
	// OverBudget: the platform's daily spending budget is reached;
	// automatic actions stop and polling slows down.
	OverBudget State = "over_budget"
	// Expiring: a credential still works but expires soon (within
	// ExpiryWarning); the reason says when and how to renew it.
	Expiring State = "expiring"
	// Unconfigured: there is nothing for the component to do until an
	// operator sets it up (no platform enabled); the reason says how.
	Unconfigured State = "unconfigured"
	// Standby: another instance holds the platform's polling lease, so
	// this one does not poll it (it still sends). Not a fault: it takes
	// over when the holder goes away.
	Standby  State = "standby"
	Error    State = "error"
	Down     State = "down"
	Disabled State = "disabled"
)

// ExpiryWarning is how long before a credential expires that it is shown
// as Expiring: a week leaves time to renew it on a working day.
const ExpiryWarning = 7 * 24 * time.Hour

// States lists every State, for the metric that exports them.
var States = []State{Starting, OK, Unauthorized, RateLimited, Forbidden, OverBudget, Expiring, Unconfigured, Standby, Error, Down, Disabled}

// Overall conditions of the service.
const (
	StatusOK       = "ok"
	StatusDegraded = "degraded"
	StatusDown     = "down"
)

// Component is one component's reported state.
type Component struct {
	State State `json:"state"`
	// Reason says why the state is not ok. It never holds customer data
	// or secrets.
	Reason string `json:"reason,omitempty"`
	// LastSuccess is when the component last did its work successfully.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Since is when the state last changed.
	Since time.Time `json:"since"`
	// Details are facts about the component that an operator wants on
	// /healthz (today's spend, the last webhook delivery, refused
	// signatures). Never customer data or secrets.
	Details map[string]any `json:"details,omitempty"`
	// Critical components take the service down when not ok; the others
	// only degrade it.
	Critical bool `json:"-"`
}

// Report is the /healthz body.
type Report struct {
	Status     string               `json:"status"`
	Components map[string]Component `json:"components"`
	At         time.Time            `json:"at"`
}

// Registry holds the components' states. It is safe for concurrent use;
// the zero value is not usable, use New.
type Registry struct {
	mu       sync.Mutex
	comps    map[string]Component
	now      func() time.Time
	onChange func(name string, c Component)
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{comps: make(map[string]Component), now: time.Now}
}

// OnChange registers fn to be called (outside the lock) whenever a
// component's state changes, e.g. to push the banner to agents' screens.
func (r *Registry) OnChange(fn func(name string, c Component)) {
	r.mu.Lock()
	r.onChange = fn
	r.mu.Unlock()
}

// Register adds a component in the Starting state. Critical components
// (bus, store) make the whole service down when they are not ok.
func (r *Registry) Register(name string, critical bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.comps[name]; !ok {
		r.comps[name] = Component{State: Starting, Since: r.now(), Critical: critical}
	}
}

// Set records a component's state and the reason for it.
func (r *Registry) Set(name string, st State, reason string) {
	r.update(name, func(c *Component) {
		c.State, c.Reason = st, reason
		if st == OK {
			c.LastSuccess = r.now()
		}
	})
}

// SetDetail records one fact about a component for /healthz (see
// Component.Details). It does not change the state.
func (r *Registry) SetDetail(name, key string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.comps[name]
	if !ok {
		c = Component{State: Starting, Since: r.now()}
	}
	details := make(map[string]any, len(c.Details)+1)
	for k, old := range c.Details {
		details[k] = old
	}
	details[key] = v
	c.Details = details
	r.comps[name] = c
}

// Success records that a component just did its work: it is ok.
func (r *Registry) Success(name string) { r.Set(name, OK, "") }

func (r *Registry) update(name string, fn func(*Component)) {
	r.mu.Lock()
	c := r.comps[name]
	before := c
	fn(&c)
	changed := c.State != before.State || c.Reason != before.Reason
	if changed {
		c.Since = r.now()
	}
	r.comps[name] = c
	cb := r.onChange
	r.mu.Unlock()
	if changed && cb != nil {
		cb(name, c)
	}
}

// Get returns one component's state.
func (r *Registry) Get(name string) (Component, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.comps[name]
	return c, ok
}

// Report returns the overall status and every component's state.
func (r *Registry) Report() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := Report{Status: StatusOK, Components: make(map[string]Component, len(r.comps)), At: r.now()}
	for name, c := range r.comps {
		rep.Components[name] = c
		switch {
		case c.State == OK || c.State == Disabled || c.State == Standby:
		case c.Critical && c.State != Starting:
			rep.Status = StatusDown
		case rep.Status == StatusOK:
			rep.Status = StatusDegraded
		}
	}
	return rep
}

// Names returns the registered components, sorted.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.comps))
	for n := range r.comps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PublicReport is the report for anonymous callers: the overall status
// and each component's state, without reasons or details, which may name
// accounts, endpoints or errors that are nobody else's business.
type PublicReport struct {
	Status     string                     `json:"status"`
	Components map[string]PublicComponent `json:"components"`
	At         time.Time                  `json:"at"`
}

// PublicComponent is a component's state alone.
type PublicComponent struct {
	State State `json:"state"`
}

// Public returns rep without reasons and details.
func (rep Report) Public() PublicReport {
	out := PublicReport{Status: rep.Status, Components: make(map[string]PublicComponent, len(rep.Components)), At: rep.At}
	for name, c := range rep.Components {
		out.Components[name] = PublicComponent{State: c.State}
	}
	return out
}

// ServeHTTP serves the full report as JSON: 200 when ok or degraded, 503
// when down. Mount it only where callers may see reasons and details;
// Handler chooses per request.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.Handler(func(*http.Request) bool { return true }).ServeHTTP(w, req)
}

// Handler serves the report, in full to callers for whom full returns
// true and as PublicReport to the others.
func (r *Registry) Handler(full func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rep := r.Report()
		var body any = rep.Public()
		if full(req) {
			body = rep
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status == StatusDown {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(body)
	})
}

// Loopback reports whether req comes from this machine: an operator's
// curl or a local monitoring agent.
func Loopback(req *http.Request) bool {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
