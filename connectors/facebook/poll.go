package facebook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// publishChunk caps the items handed to publish at once, so that a long
// backlog goes to the bus in batches of reasonable size.
const publishChunk = 200

// Poll pulls what is new in the Page's Messenger conversations and feed
// and hands it to publish, oldest first within each conversation or post.
//
// Positions are saved in the store only after publish returned nil: per
// conversation and per post (the newest time seen plus the ids seen at
// that time), and for the two lists (the newest updated_time handled).
// Lists are read newest first, each conversation with its newest messages
// and each post with its newest comments embedded (field expansion), and
// paging stops at the saved position, so that a quiet poll costs two
// calls and a crash or an error mid-paging (a rate limit, say) leads to
// items being pulled again, which the bus and the store drop, never to a
// gap.
//
// While webhooks deliver (see WebhookDelivered), a poll is due only every
// poll_interval_with_webhooks, or at the ordinary interval after a
// webhook item was left to polling; Poll returns at once, making no
// call, when none is due.
//
// A malformed item, or a malformed page of one conversation or post, is
// skipped, logged without its text and counted; the rest goes on, and the
// position of the conversation or post concerned is held back so that it
// is read again next time. Token errors stop the poll with an error that
// wraps connectors.ErrUnauthorized; rate limits with a
// *connectors.RateLimitError. next is longer than the poll interval when
// the usage headers near 100%.
func (c *Connector) Poll(ctx context.Context, publish connectors.Publish) (next time.Duration, err error) {
	if err := c.checkBudget(); err != nil {
		return 0, err
	}
	if wait := c.notDue(); wait > 0 {
		return wait, nil
	}
	start := c.now()
	convErr := c.pollConversations(ctx, publish)
	if fatal(convErr) {
		return 0, convErr
	}
	feedErr := c.pollFeed(ctx, publish)
	if fatal(feedErr) {
		return 0, feedErr
	}
	if err := errors.Join(convErr, feedErr); err != nil {
		return c.nextPoll(), err
	}
	c.polled(start)
	return c.nextPoll(), nil
}

// fatal reports whether err must end the poll at once: a token problem, a
// rate limit (further calls would make it worse), a bus that does not take
// items, or a cancelled poll.
func fatal(err error) bool {
	var pe *publishError
	return err != nil && (errors.Is(err, connectors.ErrUnauthorized) || errors.Is(err, connectors.ErrRateLimited) ||
		errors.As(err, &pe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// publishError is a failed publish: the bus did not take the items.
type publishError struct{ err error }

func (e *publishError) Error() string { return "publishing facebook items: " + e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

// limit is the page size asked for, as a Graph API parameter.
func (c *Connector) limit() string { return strconv.Itoa(c.cfg.PageSize) }

// startMark is the position of a list never read before: the beginning,
// or now minus Backfill when that is set.
func (c *Connector) startMark() mark {
	var m mark
	if c.cfg.Backfill > 0 {
		m.T = c.now().Add(-c.cfg.Backfill)
		m.fix()
	}
	return m
}

func (c *Connector) loadOrStart(ctx context.Context, key string) (mark, bool, error) {
	m, ok, err := c.loadMark(ctx, key)
	if err != nil {
		return mark{}, false, fmt.Errorf("reading cursor %s: %w", key, err)
	}
	if !ok {
		m = c.startMark()
	}
	return m, ok, nil
}

// lister walks the pages of one edge.
type lister struct {
	c    *Connector
	what string
	next string
	// first is the already fetched first page, when it came embedded in
	// another response (a post's comments, a conversation's messages).
	first *listPage
}

// page returns the next page, or ok == false after the last one.
func (l *lister) page(ctx context.Context, path string, params fb.Params) (p listPage, ok bool, err error) {
	var res fb.Result
	switch {
	case l.first != nil:
		p, l.first = *l.first, nil
		l.next = p.Next
		return p, true, nil
	case path != "":
		res, err = l.c.call(ctx, l.what, fb.GET, path, params)
	case l.next != "":
		res, err = l.c.follow(ctx, l.what, l.next)
	default:
		return listPage{}, false, nil
	}
	if err != nil {
		return listPage{}, false, err
	}
	raw, err := rawList(res)
	if err == nil {
		p, err = parseList(raw)
	}
	if err != nil {
		return listPage{}, false, fmt.Errorf("%s: %w: %w", l.what, errMalformed, err)
	}
	l.next = p.Next
	return p, true, nil
}

// descending reports whether a page is ordered newest first, judging by
// the first and last times that parse. Paging may stop at the saved
// position only then: should Facebook ignore the order asked for, the
// whole list is read instead of stopping on its oldest item.
func descending(times []time.Time) bool {
	var first, last time.Time
	for _, t := range times {
		if t.IsZero() {
			continue
		}
		if first.IsZero() {
			first = t
		}
		last = t
	}
	return !last.After(first)
}

// listWalk describes one of the two lists a poll walks, the Messenger
// conversations and the Page feed, to walkList. T is an entry of the
// list: a conversation or a post.
type listWalk[T any] struct {
	// list names the list: its position is saved under c.key(list), it
	// is read from PageID/list, and it tags skipped entries in logs.
	list string
	// what names the list in errors.
	what   string
	params fb.Params
	// parse reads one entry and returns it with its updated_time.
	parse func(raw []byte) (T, time.Time, error)
	// logIndex adds the entry's index on its page to the log of a
	// skipped entry.
	logIndex bool
	// done is called for an entry that the saved position wm says was
	// handled before, and reports whether the rest of the list (read
	// newest first) was handled too. When it returns false the entry is
	// passed over and the walk goes on.
	done func(entry T, wm *mark) bool
	// poll publishes what is new in one entry and saves its position.
	poll func(entry T) error
}

// walkList walks the pages of a list newest first, polls each entry
// updated since the saved position and stops where w.done says the rest
// was handled before. It then saves the newest updated_time handled, held
// back to the oldest entry whose poll failed so that it is read again
// next time. Fatal errors end the walk at once; other failures of an
// entry are joined into the error returned, malformed ones (already
// counted) left out.
func walkList[T any](ctx context.Context, c *Connector, w listWalk[T]) error {
	key := c.key(w.list)
	wm, _, err := c.loadOrStart(ctx, key)
	if err != nil {
		return err
	}
	newT := wm.T
	var held time.Time
	var errs []error
	l := &lister{c: c, what: w.what}
	path := c.cfg.PageID + "/" + w.list
	for {
		p, ok, err := l.page(ctx, path, w.params)
		path = ""
		if errors.Is(err, errMalformed) {
			c.skipped(err, "list", w.list)
		}
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		stop := false
		for i, raw := range p.Items {
			entry, updated, err := w.parse(raw)
			if err != nil {
				attrs := []any{"list", w.list}
				if w.logIndex {
					attrs = append(attrs, "item", i)
				}
				c.skipped(err, attrs...)
				continue
			}
			if wm.old(updated) {
				if w.done(entry, &wm) {
					stop = true
					break
				}
				continue
			}
			if err := w.poll(entry); err != nil {
				if fatal(err) {
					return err
				}
				if !errors.Is(err, errMalformed) {
					errs = append(errs, err)
				}
				if held.IsZero() || updated.Before(held) {
					held = updated
				}
				continue
			}
			if updated.After(newT) {
				newT = updated
			}
		}
		if stop || l.next == "" {
			break
		}
	}
	if !held.IsZero() {
		// Read the failed entry again next time.
		newT = minTime(newT, held)
	}
	wm.moveTo(newT)
	if wm.dirty {
		if err := c.saveMark(ctx, key, wm); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// --- Messenger ---

// messageFields are the fields read of every Messenger message: sticker
// is the URL of a sticker sent as the message.
const messageFields = "id,message,from,created_time,attachments,sticker"

func (c *Connector) pollConversations(ctx context.Context, publish connectors.Publish) error {
	fields := "id,updated_time,participants,messages.limit(" + c.limit() + "){" + messageFields + "}"
	return walkList(ctx, c, listWalk[conversation]{
		list:   "conversations",
		what:   "listing conversations",
		params: fb.Params{"platform": "messenger", "fields": fields, "limit": c.limit()},
		parse: func(raw []byte) (conversation, time.Time, error) {
			conv, err := parseConversation(raw)
			if err == nil {
				c.rememberConversation(conv)
			}
			return conv, conv.Updated, err
		},
		// Newest first: the rest was handled before.
		done: func(conversation, *mark) bool { return true },
		poll: func(conv conversation) error { return c.pollConversation(ctx, publish, conv) },
	})
}

// pollConversation publishes the new messages of one conversation, then
// saves its position. The first page of messages usually came with the
// conversation; only a longer run of new messages costs calls.
func (c *Connector) pollConversation(ctx context.Context, publish connectors.Publish, conv conversation) error {
	key := c.key("conversation:" + conv.ID)
	m, _, err := c.loadOrStart(ctx, key)
	if err != nil {
		return err
	}
	if m.old(conv.Updated) {
		return nil
	}
	l := &lister{c: c, what: "reading conversation " + conv.ID, first: conv.Messages}
	path := ""
	var params fb.Params
	if conv.Messages == nil {
		path, params = conv.ID+"/messages", fb.Params{"fields": messageFields, "limit": c.limit()}
	}
	items, err := c.collect(ctx, l, path, params, &m, func(raw []byte) (inbox.Inbound, error) {
		return parseMessage(raw, conv.ID, c.cfg.PageID)
	}, "conversation", conv.ID)
	if err != nil {
		return err
	}
	sortOldestFirst(items)
	if err := c.publish(ctx, publish, items); err != nil {
		return err
	}
	if !m.dirty {
		return nil
	}
	return c.saveMark(ctx, key, m)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// collect walks the pages of one conversation's messages or one post's
// comments, newest first, and returns the items that are new to m, the
// Page's own left out. It records every new item in m (the caller saves
// m after publishing) and stops at the saved position. A malformed item is
// skipped and counted; a malformed page is counted and returned as an
// error wrapping errMalformed. attrs name the list in logs.
func (c *Connector) collect(ctx context.Context, l *lister, path string, params fb.Params, m *mark,
	parse func([]byte) (inbox.Inbound, error), attrs ...any) ([]inbox.Inbound, error) {
	var items []inbox.Inbound
	for {
		p, ok, err := l.page(ctx, path, params)
		path = ""
		if errors.Is(err, errMalformed) {
			c.skipped(err, attrs...)
		}
		if err != nil || !ok {
			return items, err
		}
		parsed := make([]inbox.Inbound, len(p.Items))
		perr := make([]error, len(p.Items))
		times := make([]time.Time, len(p.Items))
		for i, raw := range p.Items {
			parsed[i], perr[i] = parse(raw)
			times[i] = parsed[i].CreatedAt
		}
		desc := descending(times)
		for i, in := range parsed {
			switch {
			case perr[i] != nil:
				c.skipped(perr[i], append(attrs[:len(attrs):len(attrs)], "item", i)...)
				continue
			case m.old(in.CreatedAt) && desc:
				// Newest first: the rest was handled before.
				return items, nil
			case m.seen(in.ExternalID, in.CreatedAt):
				continue
			}
			m.add(in.ExternalID, in.CreatedAt)
			if in.Author.ID != c.cfg.PageID {
				// The Page's own messages and comments, our replies
				// among them, are not new work.
				items = append(items, in)
			}
		}
		if l.next == "" {
			return items, nil
		}
	}
}

func sortOldestFirst(items []inbox.Inbound) {
	slices.SortStableFunc(items, func(a, b inbox.Inbound) int { return a.CreatedAt.Compare(b.CreatedAt) })
}

func (c *Connector) publish(ctx context.Context, publish connectors.Publish, items []inbox.Inbound) error {
	for len(items) > 0 {
		n := min(len(items), publishChunk)
		if err := publish(ctx, items[:n]); err != nil {
			return &publishError{err}
		}
		items = items[n:]
	}
	return nil
}

// --- Page feed ---

// feedFields asks for the posts and, by field expansion, their newest
// comments, replies included (filter=stream), so that one call per page
// of posts usually suffices.
func (c *Connector) feedFields() string {
	return "id,from,message,created_time,updated_time,attachments{type,url,media}," +
		"comments.filter(stream).order(reverse_chronological).limit(" + c.limit() + "){" + commentFields + "}"
}

const commentFields = "id,from,message,created_time,parent{id},attachment"

func (c *Connector) pollFeed(ctx context.Context, publish connectors.Publish) error {
	return walkList(ctx, c, listWalk[feedPost]{
		list:   "feed",
		what:   "reading the page feed",
		params: fb.Params{"fields": c.feedFields(), "limit": c.limit()},
		parse: func(raw []byte) (feedPost, time.Time, error) {
			post, err := parsePost(raw)
			return post, post.Updated, err
		},
		logIndex: true,
		// The feed lists recently active posts first. Posts created
		// within FeedLookback are still looked at, in case Facebook
		// orders by creation instead.
		done: func(post feedPost, wm *mark) bool { return post.Created.Before(wm.T.Add(-c.cfg.FeedLookback)) },
		poll: func(post feedPost) error { return c.pollPost(ctx, publish, post) },
	})
}

// pollPost publishes a visitor post the first time it is seen, and the
// new comments of any post, then saves the post's position.
func (c *Connector) pollPost(ctx context.Context, publish connectors.Publish, post feedPost) error {
	key := c.key("post:" + post.ID)
	m, known, err := c.loadOrStart(ctx, key)
	if err != nil {
		return err
	}
	pagePost := post.From.ID == c.cfg.PageID
	if post.From.ID != "" {
		c.rememberPost(post.ID, pagePost)
	}
	var items []inbox.Inbound
	switch {
	case known || pagePost || m.old(post.Created):
	case post.From.ID == "":
		c.skipped(skip("missing_author", "post %s has no from.id", post.ID), "post", post.ID)
	default:
		items = append(items, postInbound(post, c.cfg.PageID))
	}
	first := post.Comments
	l := &lister{c: c, what: "reading comments of " + post.ID, first: &first}
	comments, err := c.collect(ctx, l, "", nil, &m, func(raw []byte) (inbox.Inbound, error) {
		return parseComment(raw, post, c.cfg.PageID)
	}, "post", post.ID)
	if err != nil {
		return err
	}
	sortOldestFirst(comments)
	if err := c.publish(ctx, publish, append(items, comments...)); err != nil {
		return err
	}
	if !known {
		// Remember the post even without comments, so that a visitor
		// post is published once.
		if m.T.IsZero() {
			m.moveTo(post.Created)
		}
		m.dirty = true
	}
	if !m.dirty {
		return nil
	}
	return c.saveMark(ctx, key, m)
}
