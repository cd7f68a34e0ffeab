// Package webhook serves platform webhooks: the subscription check on
// GET, and signed deliveries on POST whose customer items go to INBOUND.
// What every platform shares lives here (the body cap, verifying the
// signature on the raw body before anything is parsed, publishing before
// answering 200, counting refusals, /healthz details); a platform supplies
// a Platform with its check, its signature scheme and its payload parser.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
)

// MaxBody is the largest delivery accepted. Platforms' deliveries are a
// few kilobytes (Meta batches up to 1,000 entries, still far below it);
// anything larger is not a platform.
const MaxBody = 1 << 20

// publishTimeout bounds putting a delivery on the bus; past it the
// delivery is answered 503 and the platform delivers it again.
const publishTimeout = 10 * time.Second

// ErrBadSignature is returned by Platform.Verify for a missing or wrong
// signature.
var ErrBadSignature = errors.New("signature does not match the body")

// Platform is one platform's side of its webhook.
type Platform interface {
	// Name is the platform, for metrics, health and logs.
	Name() inbox.Platform
	// Challenge answers the GET that verifies the subscription (X's CRC,
	// Meta's hub.challenge): the status and body to send.
	Challenge(r *http.Request) (status int, contentType string, body []byte)
	// Verify checks the delivery's signature headers against the raw
	// body, in constant time; a mismatch wraps ErrBadSignature.
	Verify(h http.Header, body []byte) error
	// Parse reads the customer items of a verified delivery, oldest
	// first. Events that are not customer items are dropped.
	Parse(body []byte) ([]inbox.Inbound, error)
}

// Deps are what a Handler hands deliveries to and reports into.
type Deps struct {
	// Publish puts items on INBOUND (connectors.Publisher, the same path
	// and dedupe ids as polling); the delivery is answered once it
	// returns. Required.
	Publish connectors.Publish
	// Delivered, when set, is told of every verified delivery, e.g. to
	// slow polling to a gap fill.
	Delivered func()
	// Health, when set, shows the last delivery and the refused
	// signatures as details of the platform's component.
	Health *health.Registry
	// Metrics, when set, counts deliveries by outcome.
	Metrics *metrics.Metrics
	// Log receives one line per refused delivery, never its body.
	Log *slog.Logger
	// RatePerSecond bounds the requests served per second (with a burst of
	// twice as many), so that the open route cannot be used to burn the
	// CPU on signature checks; a platform retries a 429. Default 200.
	RatePerSecond float64
}

// Handler serves one platform's webhook path.
type Handler struct {
	p       Platform
	deps    Deps
	limiter *rate.Limiter

	badSignatures atomic.Int64
	mu            sync.Mutex
	last          time.Time
}

// New returns the Handler of p.
func New(p Platform, deps Deps) (*Handler, error) {
	if p == nil || deps.Publish == nil {
		return nil, errors.New("webhook: a platform and a publisher are required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.RatePerSecond <= 0 {
		deps.RatePerSecond = defaultRate
	}
	lim := rate.NewLimiter(rate.Limit(deps.RatePerSecond), int(2*deps.RatePerSecond)+1)
	return &Handler{p: p, deps: deps, limiter: lim}, nil
}

// defaultRate is Deps.RatePerSecond's default: far above what a Page or
// an account delivers, far below what bcrypt-free HMAC checks cost a core.
const defaultRate = 200

// ServeHTTP answers GET with the subscription check and POST with a
// delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.limiter.Allow() {
		w.Header().Set("Retry-After", "1")
		h.refuse(w, "rate_limited", http.StatusTooManyRequests, "over the webhook's request rate")
		return
	}
	switch r.Method {
	case http.MethodGet:
		status, ctype, body := h.p.Challenge(r)
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	case http.MethodPost:
		h.deliver(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// deliver verifies a delivery's signature on the raw body before parsing
// anything, publishes its items and answers 200 once they are on the bus,
// never after routing.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil:
		h.refuse(w, "unreadable", http.StatusBadRequest, "reading the body: "+err.Error())
		return
	case len(body) > MaxBody:
		h.refuse(w, "too_large", http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", MaxBody))
		return
	}
	if err := h.p.Verify(r.Header, body); err != nil {
		n := h.badSignatures.Add(1)
		if h.deps.Health != nil {
			h.deps.Health.SetDetail(string(h.p.Name()), "webhook_bad_signatures", n)
		}
		h.refuse(w, "bad_signature", http.StatusUnauthorized, err.Error())
		return
	}
	items, err := h.p.Parse(body)
	if err != nil {
		// Signed but not understood: refused and counted; the platform's
		// retries will not change it, so say so loudly.
		h.refuse(w, "malformed", http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), publishTimeout)
	defer cancel()
	if err := h.deps.Publish(ctx, items); err != nil {
		// Not on the bus: the platform delivers it again.
		h.refuse(w, "unavailable", http.StatusServiceUnavailable, "publishing: "+err.Error())
		return
	}
	now := time.Now()
	h.mu.Lock()
	h.last = now
	h.mu.Unlock()
	if h.deps.Health != nil {
		h.deps.Health.SetDetail(string(h.p.Name()), "webhook_last_delivery", now.UTC())
	}
	if h.deps.Delivered != nil {
		h.deps.Delivered()
	}
	h.count("ok")
	w.WriteHeader(http.StatusOK)
}

// refuse answers a delivery that is not taken, counts it and logs why
// (never the body).
func (h *Handler) refuse(w http.ResponseWriter, outcome string, status int, why string) {
	h.count(outcome)
	h.deps.Log.Warn("webhook delivery refused", "platform", h.p.Name(), "outcome", outcome, "status", status, "reason", why)
	http.Error(w, http.StatusText(status), status)
}

func (h *Handler) count(outcome string) {
	if h.deps.Metrics != nil {
		h.deps.Metrics.Webhooks.WithLabelValues(string(h.p.Name()), outcome).Inc()
	}
}

// LastDelivery returns when the last verified delivery arrived.
func (h *Handler) LastDelivery() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// BadSignatures returns how many deliveries were refused for their
// signature.
func (h *Handler) BadSignatures() int64 { return h.badSignatures.Load() }
