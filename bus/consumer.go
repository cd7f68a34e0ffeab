package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerConfig describes a durable pull consumer.
type ConsumerConfig struct {
	// Stream is StreamInbound or StreamOutbound.
	Stream string
	// Durable is the consumer name. Instances that share a name share the
	// work: each message goes to one of them.
	Durable string
	// Filter restricts the subjects, e.g. "inbox.out.facebook.>". Empty
	// means the whole stream.
	Filter string
	// Batch is the most messages handed to one Handler call. Default 256.
	Batch int
	// AckWait is how long a delivered message may stay unacknowledged
	// before it is redelivered, and the deadline of each Handler call.
	// Default 30 s.
	AckWait time.Duration
	// MaxDeliver is how often a message is delivered before JetStream
	// gives up on it; the handler should dead-letter it on its last
	// delivery (jetstream.Msg.Metadata().NumDelivered). Default 0: no
	// limit.
	MaxDeliver int
}

// Handler processes a batch of messages. ctx is not cancelled on
// shutdown, so that a started batch completes, but it ends after the
// consumer's AckWait: by then the messages are redelivered anyway, so
// every store and publish call of the batch is bounded. The handler owns
// the messages: it must Ack each one once its work is durable (or
// Nak/Term it); an unacknowledged message is redelivered after AckWait.
type Handler func(ctx context.Context, msgs []jetstream.Msg)

// Consume delivers the stream's messages to h in batches until ctx is
// cancelled, then waits for the running batch to finish and returns nil.
// Under light load a batch holds one message, so latency stays low; under
// load batches fill up, so throughput stays high.
func (b *Bus) Consume(ctx context.Context, cc ConsumerConfig, h Handler) error {
	if cc.Batch <= 0 {
		cc.Batch = 256
	}
	if cc.AckWait <= 0 {
		cc.AckWait = 30 * time.Second
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, cc.Stream, jetstream.ConsumerConfig{
		Durable:       cc.Durable,
		FilterSubject: cc.Filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cc.AckWait,
		MaxAckPending: 4 * cc.Batch,
		MaxDeliver:    cc.MaxDeliver,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting: a shutdown, not a failure
		}
		return fmt.Errorf("creating consumer %s on %s: %w", cc.Durable, cc.Stream, err)
	}
	ch := make(chan jetstream.Msg, 2*cc.Batch)
	stopped := make(chan struct{})
	cctx, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case ch <- m:
		case <-stopped:
			_ = m.Nak()
		}
	},
		jetstream.PullMaxMessages(2*cc.Batch),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				b.log.Debug("consumer", "consumer", cc.Durable, "err", err)
			}
		}))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consuming %s: %w", cc.Durable, err)
	}
	defer func() {
		// Hand back what was prefetched but not handled, so another
		// instance (or the next start) gets it now rather than after AckWait.
		close(stopped)
		// Drain hands buffered messages to the callback, which now naks
		// them; Stop alone would drop them until AckWait expires.
		cctx.Drain()
		select {
		case <-cctx.Closed():
		case <-time.After(time.Second):
			cctx.Stop()
		}
		for {
			select {
			case m := <-ch:
				_ = m.Nak()
			default:
				return
			}
		}
	}()
	// The handler's context is detached from cancellation, so that a
	// batch that has started finishes and a shutdown never leaves half-done
	// work; each batch gets AckWait as its deadline (see Handler).
	base := context.WithoutCancel(ctx)
	batch := make([]jetstream.Msg, 0, cc.Batch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			batch = append(batch, m)
		}
	fill:
		for len(batch) < cc.Batch {
			select {
			case m := <-ch:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		hctx, cancel := context.WithTimeout(base, cc.AckWait)
		h(hctx, batch)
		cancel()
	}
}

// Pending returns how many messages of a durable consumer wait to be
// delivered or acknowledged: the consumer lag. ctx bounds the request.
func (b *Bus) Pending(ctx context.Context, stream, durable string) (uint64, error) {
	c, err := b.js.Consumer(ctx, stream, durable)
	if err != nil {
		return 0, fmt.Errorf("looking up consumer %s: %w", durable, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer info %s: %w", durable, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}
