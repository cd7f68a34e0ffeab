// Package bus carries inboxbot's work over NATS JetStream: customer items
// from the connectors to the router on INBOUND, actions from the router to
// the connectors on OUTBOUND, undecodable records to inbox.dead.*, and live
// events for agents' screens over core NATS.
//
// By default Open starts an embedded nats-server inside the process and
// connects to it in process, so one binary runs everything and no TCP port
// is opened. With Config.URL it connects to an existing server or cluster
// instead; the code paths above the connection are the same.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
)

// Stream and subject names: the contract between the parts (see
// docs/architecture.md).
const (
	StreamInbound  = "INBOUND"
	StreamOutbound = "OUTBOUND"
	StreamDead     = "DEAD"

	SubjectInbound  = "inbox.in.>"
	SubjectOutbound = "inbox.out.>"
	SubjectDead     = "inbox.dead.>"
	// SubjectEvents is the prefix of live conversation events (core NATS).
	SubjectEvents = "inbox.events."
)

// Bus is a connection to NATS JetStream with inboxbot's streams in place.
// It is safe for concurrent use.
type Bus struct {
	cfg  Config
	log  *slog.Logger
	rd   *redact.Redactor // public text and dead letters; nil: redact's defaults
	srv  *server.Server   // nil with an external server
	nc   *nats.Conn
	js   jetstream.JetStream
	once sync.Once
}

// Option tunes a Bus.
type Option func(*Bus)

// WithRedactor sets the redactor of public text on its way to INBOUND and
// of dead letters, so that it spares what the policy's does (the
// company's own phone number). Default: redact's package-level rules.
func WithRedactor(rd *redact.Redactor) Option {
	return func(b *Bus) { b.rd = rd }
}

// Open starts or connects to NATS and creates or updates the streams. ctx
// bounds the start-up only; the returned Bus lives until Close.
func Open(ctx context.Context, cfg Config, log *slog.Logger, options ...Option) (*Bus, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	b := &Bus{cfg: cfg, log: log}
	for _, o := range options {
		o(b)
	}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectBufSize(64 << 20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "server", nc.ConnectedUrlRedacted()) }),
	}
	var err error
	if cfg.URL == "" {
		if b.srv, err = startEmbedded(cfg); err != nil {
			return nil, err
		}
		opts = append(opts, nats.InProcessServer(b.srv))
		b.nc, err = nats.Connect("", opts...)
	} else {
		// Credentials and TLS apply to an external server only; the
		// embedded one is reached in process.
		var auth []nats.Option
		if auth, err = cfg.clientOptions(); err == nil {
			b.nc, err = nats.Connect(cfg.URL, append(opts, auth...)...)
		}
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connecting to nats: %w", err)
	}
	// Every async publish gets a timeout, so that a lost ack fails its
	// future instead of leaving it pending for good.
	if b.js, err = jetstream.New(b.nc, jetstream.WithPublishAsyncTimeout(publishTimeout),
		jetstream.WithPublishAsyncMaxPending(asyncMaxPending)); err != nil {
		b.Close()
		return nil, fmt.Errorf("opening jetstream: %w", err)
	}
	if err := b.ensureStreams(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func startEmbedded(cfg Config) (*server.Server, error) {
	opts := &server.Options{
		ServerName:         cfg.Name,
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		DontListen:         cfg.Listen == "",
		NoSigs:             true, // OS signals belong to cmd/
		NoLog:              true,
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: 256 << 20,
	}
	if opts.StoreDir == "" {
		return nil, fmt.Errorf("%w: embedded server needs a store directory (data_dir)", ErrConfig)
	}
	opts.StoreDir = filepath.Clean(opts.StoreDir)
	if cfg.Listen != "" {
		host, port, _ := net.SplitHostPort(cfg.Listen)
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("%w: nats.listen port %q", ErrConfig, port)
		}
		opts.Host, opts.Port = host, p
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("starting embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, ErrNotReady
	}
	return srv, nil
}

// ensureStreams creates or updates the streams, so that several instances
// starting at once, and restarts after a config change, all converge.
func (b *Bus) ensureStreams(ctx context.Context) error {
	streams := []jetstream.StreamConfig{{
		Name:        StreamInbound,
		Description: "customer items from the connectors, until the router has stored them",
		Subjects:    []string{SubjectInbound},
		// Work-queue retention: raw customer text leaves the bus once stored.
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   b.cfg.Replicas,
		Duplicates: b.cfg.DedupeWindow,
	}, {
		Name:        StreamOutbound,
		Description: "actions for the connectors to send",
		Subjects:    []string{SubjectOutbound},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
		Duplicates:  b.cfg.DedupeWindow,
	}, {
		Name:        StreamDead,
		Description: "records that could not be decoded, with the reason, for an operator",
		Subjects:    []string{SubjectDead},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
		MaxAge:      14 * 24 * time.Hour,
	}}
	for _, sc := range streams {
		if _, err := b.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("creating stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// Conn returns the underlying NATS connection, e.g. for key-value buckets.
// The Bus keeps ownership: do not close it.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream returns the JetStream context of the connection.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Embedded reports whether the bus runs its own server.
func (b *Bus) Embedded() bool { return b.srv != nil }

// ClientURL returns a URL other processes can use to reach the embedded
// server when Config.Listen is set, or "".
func (b *Bus) ClientURL() string {
	if b.srv == nil || b.cfg.Listen == "" {
		return ""
	}
	return b.srv.ClientURL()
}

// Healthy reports whether the connection is up, and why not.
func (b *Bus) Healthy() (bool, string) {
	switch st := b.nc.Status(); st {
	case nats.CONNECTED:
		return true, ""
	default:
		return false, "nats connection " + st.String()
	}
}

// Publish stores data on subject in JetStream and waits for the server's
// acknowledgement. msgID becomes the Nats-Msg-Id header, so that the same
// record published twice within the dedupe window is stored once. ctx
// bounds the wait.
func (b *Bus) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, publishTimeout)
		defer cancel()
	}
	if _, err := b.js.Publish(ctx, subject, data, opts...); err != nil {
		return fmt.Errorf("publishing to %s: %w", subject, err)
	}
	return nil
}

// Record is one message for PublishBatch.
type Record struct {
	Subject string
	MsgID   string
	Data    []byte
}

// publishTimeout bounds one publish (or one batch's acknowledgements)
// when the caller's context has no deadline of its own: a lost ack, for
// example while a stream has no leader, must fail the call, never block
// it for good. A variable only so that a test can shorten it.
var publishTimeout = 30 * time.Second

// publishWindow is the most records of one batch awaiting their ack at
// once: well under the client's async limit (asyncMaxPending), so that a
// big batch waits for acks instead of failing with "too many outstanding
// async published messages" on a slow server.
const publishWindow = 512

// asyncMaxPending is the client's limit of unacknowledged async
// publishes across all callers.
const asyncMaxPending = 4096

// PublishBatch publishes records asynchronously and waits until JetStream
// has acknowledged every one of them, which is much faster than one
// round trip per record. It keeps at most publishWindow records in flight.
// It returns the first error; records before it may have been stored, so
// callers rely on MsgID dedupe when they retry. ctx bounds the wait; with
// no deadline, publishTimeout does.
func (b *Bus) PublishBatch(ctx context.Context, recs []Record) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, publishTimeout)
		defer cancel()
	}
	wait := func(f jetstream.PubAckFuture) error {
		select {
		case <-f.Ok():
			return nil
		case err := <-f.Err():
			return fmt.Errorf("publishing to %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return fmt.Errorf("waiting for publish acks: %w", ctx.Err())
		}
	}
	inflight := make([]jetstream.PubAckFuture, 0, min(len(recs), publishWindow))
	for _, r := range recs {
		if len(inflight) == publishWindow {
			if err := wait(inflight[0]); err != nil {
				return err
			}
			inflight = inflight[1:]
		}
		opts := []jetstream.PublishOpt{jetstream.WithStallWait(publishTimeout)}
		if r.MsgID != "" {
			opts = append(opts, jetstream.WithMsgID(r.MsgID))
		}
		f, err := b.js.PublishAsync(r.Subject, r.Data, opts...)
		if err != nil {
			return fmt.Errorf("publishing to %s: %w", r.Subject, err)
		}
		inflight = append(inflight, f)
	}
	for _, f := range inflight {
		if err := wait(f); err != nil {
			return err
		}
	}
	return nil
}

// PublishInbound publishes customer items to INBOUND, each under its
// subject with its Nats-Msg-Id (inbox.Inbound.MsgID), so that an item
// pulled twice is stored once, and waits for every acknowledgement (see
// PublishBatch). It stamps each item with the current schema version.
// ctx bounds the wait.
func (b *Bus) PublishInbound(ctx context.Context, items []inbox.Inbound) error {
	recs := make([]Record, len(items))
	for i := range items {
		items[i].V = inbox.SchemaVersion
		it := RedactPublic(b.rd, items[i])
		data, err := json.Marshal(&it)
		if err != nil {
			return fmt.Errorf("encoding item: %w", err)
		}
		recs[i] = Record{Subject: items[i].Subject(), MsgID: items[i].MsgID(), Data: data}
	}
	return b.PublishBatch(ctx, recs)
}

// RedactPublic returns in with its text redacted by rd (nil: redact's
// defaults) when it was posted in public, and the findings recorded, so
// that a booking number or PIN a customer showed in public never rests on
// the bus's disk (INBOUND's stream files, DEAD). Private items pass
// unchanged: agents need their text. This is no policy decision: every
// public item is treated alike, and the router decides what to do about
// the findings.
func RedactPublic(rd *redact.Redactor, in inbox.Inbound) inbox.Inbound {
	if in.Redacted || in.Kind.Channel() != inbox.Public {
		return in
	}
	text, found := rd.Redact(in.Text)
	if len(found) == 0 {
		return in
	}
	in.Text, in.Redacted = text, true
	in.Findings = make([]inbox.Finding, len(found))
	for i, f := range found {
		in.Findings[i] = inbox.Finding{Kind: string(f.Kind), Start: f.Start, End: f.End}
	}
	return in
}

// PublishDead stores an undecodable record on inbox.dead.<subject> with the
// reason in the Inboxbot-Dead-Reason header, for an operator to inspect.
// ctx bounds the wait.
func (b *Bus) PublishDead(ctx context.Context, subject string, data []byte, reason string) error {
	m := nats.NewMsg("inbox.dead." + subject)
	// A dead letter keeps the record for diagnosis for days, so no secret
	// may rest in it: the payload and the reason (which may quote a store
	// error) are redacted whatever their shape, JSON or not.
	m.Data = data
	if r := b.rd.String(string(data)); r != string(data) {
		m.Data = []byte(r)
	}
	m.Header.Set("Inboxbot-Dead-Reason", b.rd.String(reason))
	if _, err := b.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("dead-lettering %s: %w", subject, err)
	}
	return nil
}

// DeadLetter moves a consumed message that can never be processed to
// inbox.dead.<subject> with the reason, and acknowledges it, so it is not
// redelivered forever; it reports whether it did. When the dead letter
// cannot be stored, the message is negatively acknowledged for another
// try after retry, and it reports false. ctx bounds the publish.
func (b *Bus) DeadLetter(ctx context.Context, m jetstream.Msg, reason string, retry time.Duration) bool {
	if err := b.PublishDead(ctx, m.Subject(), m.Data(), reason); err != nil {
		b.log.Error("dead-lettering; will retry", "subject", m.Subject(), "err", err)
		_ = m.NakWithDelay(retry)
		return false
	}
	b.log.Warn("dead-lettered", "subject", m.Subject(), "reason", reason)
	_ = m.Ack()
	return true
}

// PublishEvent sends a live conversation event on core NATS, under
// inbox.events.conversation.<id>. Events are best effort: screens that
// miss one catch up on their next fetch, so errors are only logged.
func (b *Bus) PublishEvent(ev inbox.Event) {
	subject := SubjectEvents + "conversation." + strconv.FormatInt(ev.ConversationID, 10)
	data, err := json.Marshal(ev)
	if err == nil {
		err = b.nc.Publish(subject, data)
	}
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.log.Debug("publishing event", "subject", subject, "err", err)
	}
}

// SubscribeEvents calls fn for every live event under inbox.events. until
// the returned function is called.
func (b *Bus) SubscribeEvents(fn func(subject string, data []byte)) (unsubscribe func(), err error) {
	sub, err := b.nc.Subscribe(SubjectEvents+">", func(m *nats.Msg) { fn(m.Subject, m.Data) })
	if err != nil {
		return nil, fmt.Errorf("subscribing to events: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Close drains the connection and shuts down the embedded server. It is
// idempotent and bounded (drain times out after 5 s).
func (b *Bus) Close() error {
	b.once.Do(func() {
		if b.nc != nil {
			done := make(chan struct{})
			b.nc.SetClosedHandler(func(*nats.Conn) { close(done) })
			if err := b.nc.Drain(); err != nil {
				b.nc.Close()
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				b.nc.Close()
			}
		}
		if b.srv != nil {
			b.srv.Shutdown()
			b.srv.WaitForShutdown()
		}
	})
	return nil
}
