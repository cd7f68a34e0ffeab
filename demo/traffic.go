package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// The token scenario at the default rate: the Facebook Page token expires
// a minute in and is renewed 40 s later. Faster rates shorten both, but
// the token stays expired long enough for the connector to notice it and
// for the banner to be seen.
const (
	tokenExpiresAfter = time.Minute
	tokenRenewedAfter = 40 * time.Second
	minExpiresAfter   = 10 * time.Second
	minRenewedAfter   = 4 * facebookPoll
)

// giveUp is how long a customer waits for an invitation before the story
// ends without them moving to a private channel.
const giveUp = 3 * time.Minute

// maxAnswers is how often a customer answers agents in one conversation:
// enough to feel alive, bounded so that a demo never loops.
const maxAnswers = 3

// traffic plays the script on the fakes and makes customers answer
// agents. It lives for the whole demo, across restarts of inboxbot.
type traffic struct {
	f        *fakes
	script   *Script
	seed     int64
	interval time.Duration // between script messages, on average
	out      io.Writer
	// renewed is called once the token is renewed; it reports whether
	// inboxbot is being restarted to poll again.
	renewed func() bool

	mu        sync.Mutex
	taken     int // script messages taken
	delivered int
	answers   int
	stories   map[int]*story
	waiting   map[int]*story // stories with queued messages
	customers map[string]Customer
	comments  map[string]commentRef // comment id → where it is
	visitor   map[string]bool       // visitor post ids
	seen      map[int64]bool        // agents' actions answered or ignored
	perConv   map[int64]int         // answers given per conversation
	due       []dueAnswer
	answerRNG *rand.Rand
	events    []Event
	expired   bool
}

// story is the running state of one story of the script.
type story struct {
	queue      []Message // due but not yet sent, oldest first
	heldSince  time.Time
	lastSent   time.Time
	public     string // id of the story's last public item
	answer     string // the account's reply tweet to it, once seen
	conv       string // the story's Messenger conversation
	post       string // the post a comment is under
	comment    string // the story's comment
	abandoned  bool
	lastPublic Kind
}

// commentRef locates a comment: its post and its top-level comment.
type commentRef struct{ post, top string }

// dueAnswer is a customer's answer to an agent, to send at a time.
type dueAnswer struct {
	at   time.Time
	send func()
}

// Event is something the demo did that the user should know about.
type Event struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

func newTraffic(f *fakes, seed int64, rate float64, out io.Writer) *traffic {
	return &traffic{
		f: f, script: NewScript(seed), seed: seed, out: out,
		interval:  time.Duration(float64(time.Minute) / rate),
		renewed:   func() bool { return false },
		stories:   map[int]*story{},
		waiting:   map[int]*story{},
		customers: map[string]Customer{},
		comments:  map[string]commentRef{},
		visitor:   map[string]bool{},
		seen:      map[int64]bool{},
		perConv:   map[int64]int{},
		answerRNG: rand.New(rand.NewPCG(uint64(seed), 0xa115)),
	}
}

// scaled shortens d at rates above the default, down to least.
func (t *traffic) scaled(d, least time.Duration) time.Duration {
	d = time.Duration(float64(d) * float64(t.interval) / float64(time.Minute/DefaultRate))
	return max(d, least)
}

// run plays the script until ctx ends.
func (t *traffic) run(ctx context.Context) {
	next := time.NewTimer(t.interval / 2)
	defer next.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	expire := time.NewTimer(t.scaled(tokenExpiresAfter, minExpiresAfter))
	defer expire.Stop()
	var renew <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C:
			t.step(time.Now())
			// Customers do not write like a metronome; the jitter is not
			// part of the script, which only fixes what they write.
			next.Reset(time.Duration(float64(t.interval) * (0.5 + rand.Float64())))
		case now := <-tick.C:
			t.flush(now)
		case <-expire.C:
			t.f.fb.ExpireToken()
			t.mu.Lock()
			t.expired = true
			t.mu.Unlock()
			d := t.scaled(tokenRenewedAfter, minRenewedAfter)
			t.note(fmt.Sprintf("the Facebook Page token has expired (simulated): the Facebook connector stops polling and the inbox shows a banner; it is renewed in %s", d.Round(time.Second)))
			renew = time.After(d)
		case <-renew:
			renew = nil
			t.f.fb.SetToken(t.f.pageToken)
			t.mu.Lock()
			t.expired = false
			t.mu.Unlock()
			if t.renewed() {
				t.note("the Facebook Page token is renewed; restarting inboxbot, as an operator would, so that the connector uses it")
			} else {
				t.note("the Facebook Page token is renewed")
			}
		}
	}
}

// note tells the user what the demo did.
func (t *traffic) note(s string) {
	t.mu.Lock()
	t.events = append(t.events, Event{At: time.Now(), Text: s})
	t.mu.Unlock()
	fmt.Fprintf(t.out, "demo: %s\n", s)
}

// step takes the script's next message and sends it unless it must wait.
func (t *traffic) step(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.script.Next()
	t.taken++
	st := t.stories[m.Story]
	if st == nil {
		st = &story{}
		t.stories[m.Story] = st
	}
	if st.abandoned {
		return
	}
	st.queue = append(st.queue, m)
	t.waiting[m.Story] = st
	t.flushStory(st, now, nil)
	if len(st.queue) == 0 {
		delete(t.waiting, m.Story)
	}
}

// flush sends what waiting stories may send now, and customers' answers
// that are due.
func (t *traffic) flush(now time.Time) {
	t.mu.Lock()
	var answers []func()
	keep := t.due[:0]
	for _, d := range t.due {
		if now.Before(d.at) {
			keep = append(keep, d)
		} else {
			answers = append(answers, d.send)
		}
	}
	t.due = keep
	seen := &outbound{f: t.f}
	for id, st := range t.waiting {
		t.flushStory(st, now, seen)
		if len(st.queue) == 0 {
			delete(t.waiting, id)
		}
	}
	t.mu.Unlock()
	for _, send := range answers {
		send()
	}
}

// outbound caches, for one flush, what the account has sent.
type outbound struct {
	f       *fakes
	replies []twfake.Tweet
	sent    []fbfake.SentMessage
	loaded  bool
}

func (o *outbound) load() {
	if !o.loaded {
		o.replies, o.sent, o.loaded = o.f.tw.Replies(), o.f.fb.SentMessages(), true
	}
}

// flushStory sends the story's first queued message if it may go now: at
// most one per call, and one that waits for the account's answer only
// once it came. t.mu is held.
func (t *traffic) flushStory(st *story, now time.Time, seen *outbound) {
	if len(st.queue) == 0 {
		return
	}
	m := st.queue[0]
	if !st.lastSent.IsZero() && now.Sub(st.lastSent) < t.interval/2 {
		return // a customer who just wrote does not write again at once
	}
	if m.Wait == WaitAnswer && !t.answered(st, seen) {
		if st.heldSince.IsZero() {
			st.heldSince = now
		}
		if now.Sub(st.heldSince) > giveUp {
			st.abandoned, st.queue = true, nil
		}
		return
	}
	st.queue = st.queue[1:]
	st.heldSince = time.Time{}
	st.lastSent = now
	t.deliver(st, m)
}

// answered reports whether the account answered the story's last public
// item, and remembers where the customer can answer.
func (t *traffic) answered(st *story, seen *outbound) bool {
	if st.public == "" {
		return false
	}
	if seen == nil {
		seen = &outbound{f: t.f}
	}
	seen.load()
	if st.lastPublic == Tweet {
		for _, r := range seen.replies {
			if strconv.FormatInt(r.InReplyTo, 10) == st.public {
				st.answer = strconv.FormatInt(r.ID, 10)
				return true
			}
		}
		return false
	}
	for _, sm := range seen.sent {
		if sm.CommentID == st.public || sm.PostID == st.public {
			st.conv = sm.ConversationID
			return true
		}
	}
	return false
}

// deliver puts m on its fake platform. t.mu is held.
func (t *traffic) deliver(st *story, m Message) {
	c := m.Customer
	t.customers[string(c.Platform)+":"+c.ID] = c
	t.delivered++
	switch m.Kind {
	case Tweet:
		var inReplyTo int64
		if st.answer != "" {
			inReplyTo, _ = strconv.ParseInt(st.answer, 10, 64)
		}
		id := t.f.tw.AddMention(twUser(c), m.Text, m.Lang, inReplyTo)
		st.public, st.answer, st.lastPublic = strconv.FormatInt(id, 10), "", Tweet
	case DM:
		t.f.tw.AddDM(twUser(c), m.Text)
	case Messenger:
		if st.conv == "" {
			id := t.f.fb.AddMessage("", fbUser(c), m.Text, time.Time{})
			st.conv = t.f.fb.ConversationOf(id)
		} else {
			t.f.fb.AddMessage(st.conv, fbUser(c), m.Text, time.Time{})
		}
	case VisitorPost:
		id := t.f.fb.AddPost(fbUser(c), m.Text, time.Time{})
		st.public, st.post, st.lastPublic = id, id, VisitorPost
		t.visitor[id] = true
	case Comment:
		post := t.f.posts[m.Story%len(t.f.posts)]
		id := t.f.fb.AddComment(post, "", fbUser(c), m.Text, time.Time{})
		st.public, st.post, st.comment, st.lastPublic = id, post, id, Comment
		t.comments[id] = commentRef{post: post, top: id}
	case CommentReply:
		if st.comment == "" {
			return
		}
		id := t.f.fb.AddComment(st.post, st.comment, fbUser(c), m.Text, time.Time{})
		t.comments[id] = commentRef{post: st.post, top: st.comment}
	}
}

func twUser(c Customer) twfake.User {
	id, _ := strconv.ParseInt(c.ID, 10, 64)
	return twfake.User{ID: id, ScreenName: c.Handle, Name: c.Name}
}

func fbUser(c Customer) fbfake.User { return fbfake.User{ID: c.ID, Name: c.Name} }

// watchAgents makes customers answer what agents send them: each action
// an agent requested that is sent gets the customer's answer after a short
// delay, up to maxAnswers per conversation. The live events carry ids
// only, so the action and its conversation are read from the store. stop
// ends the watch.
func (t *traffic) watchAgents(ctx context.Context, b *bus.Bus, st store.Store) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	ids := make(chan int64, 256)
	unsubscribe, err := b.SubscribeEvents(func(_ string, data []byte) {
		var ev inbox.Event
		if json.Unmarshal(data, &ev) != nil || ev.Type != "action" || ev.State != inbox.StateSent || ev.ActionID == 0 {
			return
		}
		select {
		case ids <- ev.ActionID:
		default: // a burst beyond the buffer: those customers stay quiet
		}
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watching agents' replies: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case id := <-ids:
				t.agentSent(ctx, st, id)
			}
		}
	}()
	return func() { unsubscribe(); cancel(); <-done }, nil
}

// agentSent schedules the customer's answer to action id if an agent
// requested it.
func (t *traffic) agentSent(ctx context.Context, st store.Store, id int64) {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := st.Action(lctx, id)
	if err != nil || !a.ByAgent() {
		return
	}
	conv, err := st.Conversation(lctx, a.ConversationID)
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.customers[string(conv.Platform)+":"+conv.Customer.ExternalID]
	if !ok || t.seen[id] || t.perConv[conv.ID] >= maxAnswers {
		return
	}
	t.seen[id] = true
	t.perConv[conv.ID]++
	lang := c.Lang
	if c.Platform == inbox.Twitter {
		lang = "en" // they read the English-only notice, or wrote in English
	}
	text := lastAnswers[lang]
	if t.perConv[conv.ID] < maxAnswers {
		text = answers[lang][t.answerRNG.IntN(len(answers[lang]))]
	}
	send := t.answerFunc(a, conv, c, text)
	if send == nil {
		return
	}
	delay := t.scaled(4*time.Second, 500*time.Millisecond)
	t.due = append(t.due, dueAnswer{at: time.Now().Add(delay), send: send})
}

// answerFunc returns how the customer answers action a in conversation
// conv: on the channel the agent used.
func (t *traffic) answerFunc(a inbox.Action, conv store.Conversation, c Customer, text string) func() {
	count := func() {
		t.mu.Lock()
		t.answers++
		t.mu.Unlock()
	}
	switch {
	case c.Platform == inbox.Twitter && a.Kind == inbox.Reply:
		to, _ := strconv.ParseInt(a.PlatformID, 10, 64)
		return func() { t.f.tw.AddMention(twUser(c), "@HotelHelp "+text, "en", to); count() }
	case c.Platform == inbox.Twitter:
		return func() { t.f.tw.AddDM(twUser(c), text); count() }
	case a.Kind == inbox.SendDM:
		return func() { t.f.fb.AddMessage(conv.Thread, fbUser(c), text, time.Time{}); count() }
	case a.Kind == inbox.PrivateReply:
		return func() {
			for _, sm := range t.f.fb.SentMessages() {
				if sm.ID == a.PlatformID {
					t.f.fb.AddMessage(sm.ConversationID, fbUser(c), text, time.Time{})
					count()
					return
				}
			}
		}
	case a.Kind == inbox.Reply:
		if ref, ok := t.comments[a.Target]; ok {
			return func() { t.f.fb.AddComment(ref.post, ref.top, fbUser(c), text, time.Time{}); count() }
		}
		if t.visitor[a.Target] {
			return func() { t.f.fb.AddComment(a.Target, "", fbUser(c), text, time.Time{}); count() }
		}
	}
	return nil
}
