// Package fakehook is the sending side of the platform fakes' webhooks
// (fbfake, twfake): a queue of events POSTed in order to the subscribed
// URL, signed, retried on failure the way the platform says it retries,
// and recorded, so that tests can wait for deliveries and look at every
// attempt. What differs between platforms (the subscription check, the
// body's shape, the signature, the retry schedule) comes in through
// Config; the fakes keep only that.
//
// A Sender runs on real time for its waits; Config.Now only stamps the
// recorded deliveries, so a fake with a frozen clock still delivers.
package fakehook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Timeout bounds each subscription check and delivery. Platforms expect
// an answer within a few seconds; the fakes are more lenient, so that a
// loaded test machine does not turn a slow receiver into a retry.
const Timeout = 10 * time.Second

// Delivery is one attempt to POST events to the webhook.
type Delivery struct {
	// At is when the attempt was made, by Config.Now.
	At time.Time
	// Body is the delivery's raw JSON, as signed.
	Body []byte
	// Signature is the signature header sent ("" for none).
	Signature string
	// Entries is how many events the body holds; 0 for a DeliverRaw.
	Entries int
	// Status is the receiver's HTTP status, 0 when the request failed.
	Status int
	// Attempt is 1 for a batch's first try and 2, 3, … for its retries;
	// 0 for a DeliverRaw.
	Attempt int
	// Err is the request's error (network, timeout), or "".
	Err string
}

// OK reports whether the receiver took the delivery: it answered 2xx.
func (d Delivery) OK() bool { return d.Err == "" && d.Status/100 == 2 }

// Config is what a platform's webhooks make different.
type Config struct {
	// Name prefixes errors, e.g. "fbfake".
	Name string
	// SignatureHeader is the header that carries Sign(body).
	SignatureHeader string
	// Sign signs a delivery's body.
	Sign func(body []byte) string
	// Batch caps the events of one delivery; 1 sends each alone.
	Batch int
	// Encode turns a batch of queued events into a delivery's body.
	Encode func(events []any) ([]byte, error)
	// Retry is asked after the failed attempt number attempt of a batch
	// first tried at first: how long to wait before the next attempt, or
	// false to give the batch up.
	Retry func(attempt int, first time.Time) (wait time.Duration, again bool)
	// DisableAfter, when positive, disables the subscription once
	// deliveries have failed without a break for that long, dropping
	// what is queued (as Messenger does). Zero never disables.
	DisableAfter time.Duration
	// Now stamps the recorded deliveries.
	Now func() time.Time
}

// Sender queues, delivers and records a fake's webhook events. Its
// methods are safe for concurrent use and never call back into the fake,
// so a fake may call them with its own lock held.
type Sender struct {
	cfg    Config
	client *http.Client
	wake   chan struct{} // nudges the delivery goroutine; buffered
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	url          string
	queue        []any // events not yet taken for delivery
	inFlight     int   // events of the batch being delivered or retried
	paused       bool
	disabled     bool
	failingSince time.Time // start of the current run of failed attempts
	deliveries   []Delivery
	delivered    int           // events in batches answered 2xx
	changed      chan struct{} // closed and replaced when deliveries grows
}

// New starts a Sender with no subscription. Close stops it.
func New(cfg Config) *Sender {
	s := &Sender{
		cfg:     cfg,
		client:  &http.Client{Timeout: Timeout},
		wake:    make(chan struct{}, 1),
		changed: make(chan struct{}),
	}
	if s.cfg.Batch <= 0 {
		s.cfg.Batch = 1
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Go(s.loop)
	return s
}

// Close stops deliveries, the one under way included, and waits for the
// delivery goroutine. It may be called more than once.
func (s *Sender) Close() {
	s.cancel()
	s.wg.Wait()
}

// Check makes the platform's subscription check: a GET of rawURL with
// query added, bounded by Timeout. It returns the status and up to 64 KiB
// of the body.
func (s *Sender) Check(rawURL string, query url.Values) (status int, body []byte, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: webhook URL: %w", s.cfg.Name, err)
	}
	q := u.Query()
	for k, vs := range query {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: subscription check: %w", s.cfg.Name, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: subscription check: %w", s.cfg.Name, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s: subscription check of %s: %w", s.cfg.Name, rawURL, err)
	}
	return resp.StatusCode, body, nil
}

// Subscribe sends the events queued from now on to rawURL, and
// re-enables a disabled subscription. An empty rawURL unsubscribes and
// drops what is queued.
func (s *Sender) Subscribe(rawURL string) {
	s.mu.Lock()
	s.url = rawURL
	if rawURL == "" {
		s.queue = nil
	} else {
		s.disabled, s.failingSince = false, time.Time{}
	}
	s.mu.Unlock()
	s.nudge()
}

// Active reports whether events are taken: a URL is subscribed and the
// subscription is not disabled. Fakes check it before building an event.
func (s *Sender) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url != "" && !s.disabled
}

// Queue adds an event for delivery, if the subscription is active.
func (s *Sender) Queue(event any) {
	s.mu.Lock()
	ok := s.url != "" && !s.disabled
	if ok {
		s.queue = append(s.queue, event)
	}
	s.mu.Unlock()
	if ok {
		s.nudge()
	}
}

// Disabled reports whether the subscription was disabled after failing
// deliveries (see Config.DisableAfter).
func (s *Sender) Disabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disabled
}

// Pause holds events back: they queue up but are not delivered until
// Resume. A delivery under way (with its retries) completes.
func (s *Sender) Pause() {
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
}

// Resume delivers the events held back by Pause, in order, and those
// that follow.
func (s *Sender) Resume() {
	s.mu.Lock()
	s.paused = false
	s.mu.Unlock()
	s.nudge()
}

// Pending counts the events queued and not yet taken for delivery.
func (s *Sender) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Outstanding counts the events not yet delivered: those queued and
// those of the batch being delivered or retried. A test waits for it to
// reach zero to know that everything queued was taken (or given up).
func (s *Sender) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) + s.inFlight
}

// Deliveries returns every attempt so far, in order, retries and
// DeliverRaw included.
func (s *Sender) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Wait waits until n events in all have been delivered in deliveries
// answered 2xx (DeliverRaw aside), or ctx ends.
func (s *Sender) Wait(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := s.delivered, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%s: %d of %d webhook events delivered: %w", s.cfg.Name, got, n, ctx.Err())
		}
	}
}

// DeliverRaw POSTs body with the signature given (no header when empty)
// to the subscribed URL, now and once, through the same client and
// headers as events: for tests of forged, unsigned or oversized
// deliveries. It is recorded with Attempt 0.
func (s *Sender) DeliverRaw(body []byte, signature string) (status int, err error) {
	s.mu.Lock()
	u := s.url
	s.mu.Unlock()
	if u == "" {
		return 0, errors.New(s.cfg.Name + ": no webhook subscribed")
	}
	d, err := s.attempt(u, body, signature, 0, 0)
	return d.Status, err
}

// nudge wakes the delivery goroutine without blocking: a nudge already
// pending will do.
func (s *Sender) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// loop is the delivery goroutine: it takes the queued events in batches,
// in order, until Close.
func (s *Sender) loop() {
	for {
		s.mu.Lock()
		u := s.url
		var batch []any
		ready := !s.paused && !s.disabled && u != "" && len(s.queue) > 0
		if ready {
			n := min(len(s.queue), s.cfg.Batch)
			batch = slices.Clone(s.queue[:n])
			s.queue, s.inFlight = s.queue[n:], n
		}
		s.mu.Unlock()
		if !ready {
			select {
			case <-s.wake:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		s.deliver(u, batch)
	}
}

// deliver sends one batch and retries it on Config.Retry's schedule
// until it is taken, given up, or the subscription is disabled.
func (s *Sender) deliver(u string, batch []any) {
	defer s.settled()
	body, err := s.cfg.Encode(batch)
	if err != nil {
		panic(err) // the fakes' events are maps of plain values
	}
	sig := s.cfg.Sign(body)
	first := time.Now()
	for n := 1; ; n++ {
		if d, _ := s.attempt(u, body, sig, n, len(batch)); d.OK() || s.failed() {
			return
		}
		wait, again := s.cfg.Retry(n, first)
		if !again {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return
		}
	}
}

// settled records that no batch is in flight any more (taken, given up,
// dropped or stopped).
func (s *Sender) settled() {
	s.mu.Lock()
	s.inFlight = 0
	s.mu.Unlock()
}

// failed records a failed attempt and reports whether it disabled the
// subscription.
func (s *Sender) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.failingSince.IsZero() {
		s.failingSince = now
	}
	if s.cfg.DisableAfter <= 0 || now.Sub(s.failingSince) < s.cfg.DisableAfter {
		return false
	}
	s.disabled, s.queue = true, nil
	return true
}

// attempt makes one delivery attempt and records it.
func (s *Sender) attempt(u string, body []byte, sig string, n, entries int) (Delivery, error) {
	d := Delivery{At: s.cfg.Now(), Body: body, Signature: sig, Attempt: n, Entries: entries}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, u, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(s.cfg.SignatureHeader, sig)
		}
		var resp *http.Response
		if resp, err = s.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	if err != nil {
		d.Err = err.Error()
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	if n > 0 && d.OK() {
		// Settled here rather than when deliver returns, so that
		// Outstanding and Wait agree the moment the batch is taken.
		s.delivered += entries
		s.inFlight = 0
		s.failingSince = time.Time{}
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return d, err
}
