package fleet

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// Text is something a customer writes, in language Lang (as the fake X
// tags a tweet). PII marks booking numbers and PINs, which get a Facebook
// comment hidden.
type Text struct {
	Text, Lang string
	PII        bool
}

// Kind is a kind of customer item.
type Kind int

// The kinds of items Traffic adds.
const (
	Messenger   Kind = iota // Facebook Messenger message
	Comment                 // comment on a Page post
	VisitorPost             // visitor post on the Page
	Mention                 // tweet mentioning the account
	DM                      // X direct message
	NumKinds
)

var kindNames = [NumKinds]string{"messenger", "comment", "visitor_post", "mention", "dm"}

// String names the kind.
func (k Kind) String() string { return kindNames[k] }

// Mix is each kind's share of the traffic, in percent; the shares add up
// to 100.
type Mix [NumKinds]int

// Item is what Traffic added.
type Item struct {
	Kind Kind
	// ID is the platform's id of the item.
	ID   string
	PII  bool
	Text string
	At   time.Time
}

// Traffic adds customers' items to the fake platforms, from 150
// customers per kind, and remembers them by the key the store knows them
// by, "<platform>:<external id>". It is safe for concurrent use.
type Traffic struct {
	fb    *fbfake.Server
	tw    *twfake.Server
	texts []Text
	mix   Mix
	posts []string // Page posts that customers comment on

	mu     sync.Mutex
	want   map[string]Item
	byKind [NumKinds]int
	added  atomic.Int64
}

// NewTraffic adds pagePosts posts to the Page for customers to comment
// on, and returns a Traffic that picks texts at random and kinds by mix.
func NewTraffic(fb *fbfake.Server, tw *twfake.Server, pagePosts int, texts []Text, mix Mix) *Traffic {
	tr := &Traffic{fb: fb, tw: tw, texts: texts, mix: mix, want: map[string]Item{}}
	for i := range pagePosts {
		tr.posts = append(tr.posts, fb.AddPagePost(fmt.Sprintf("Summer deal #%d: 20%% off city breaks", i+1), time.Time{}))
	}
	return tr
}

// FeedN adds n items spread evenly over d, or fewer if ctx ends first.
// seed makes the sequence of items the same on every run.
func (tr *Traffic) FeedN(ctx context.Context, n int, d time.Duration, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 42))
	const tick = 50 * time.Millisecond
	steps := max(1, int(d/tick))
	t := time.NewTicker(tick)
	defer t.Stop()
	for step := 0; step < steps; step++ {
		end := n * (step + 1) / steps
		for int(tr.added.Load()) < end {
			tr.addOne(r)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// FeedRate adds perSecond items a second until ctx ends. seed makes the
// sequence of items the same on every run.
func (tr *Traffic) FeedRate(ctx context.Context, perSecond int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 42))
	t := time.NewTicker(time.Second / time.Duration(perSecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			tr.addOne(r)
		}
	}
}

// Added is how many items were added so far.
func (tr *Traffic) Added() int64 { return tr.added.Load() }

func (tr *Traffic) pick(r *rand.Rand) Kind {
	n := r.IntN(100)
	for k, share := range tr.mix {
		if n < share {
			return Kind(k)
		}
		n -= share
	}
	return DM
}

func name(c int) string { return fmt.Sprintf("%s %c.", names[c%len(names)], 'A'+c/len(names)) }

// names are customers' first names; the platforms' display names are
// "<first name> <initial>".
var names = []string{"Maria", "João", "Ana", "Luca", "Sofia", "Jan", "Emma", "Noah", "Mia", "Ahmed",
	"Fatima", "Chen", "Yuki", "Olga", "Pierre", "Lena", "Diego", "Aisha", "Tom", "Ines", "Kofi", "Priya", "Sven", "Eva"}

func (tr *Traffic) addOne(r *rand.Rand) {
	kind := tr.pick(r)
	c := r.IntN(150) // customer
	tx := tr.texts[r.IntN(len(tr.texts))]
	var key, id string
	switch kind {
	case Messenger:
		u := fbfake.User{ID: strconv.Itoa(3_000_000 + c), Name: name(c)}
		id = tr.fb.AddMessage(fmt.Sprintf("t_%d", 9000+c), u, tx.Text, time.Time{})
		key = "facebook:" + id
	case Comment:
		u := fbfake.User{ID: strconv.Itoa(3_100_000 + c), Name: name(c)}
		id = tr.fb.AddComment(tr.posts[c%len(tr.posts)], "", u, tx.Text, time.Time{})
		key = "facebook:" + id
	case VisitorPost:
		u := fbfake.User{ID: strconv.Itoa(3_200_000 + c), Name: name(c)}
		id = tr.fb.AddPost(u, tx.Text, time.Time{})
		key = "facebook:" + id
	case Mention:
		u := twfake.User{ID: int64(4_000_000 + c), ScreenName: fmt.Sprintf("tweeter%d", c), Name: name(c)}
		id = strconv.FormatInt(tr.tw.AddMention(u, "@HotelHelp "+tx.Text, tx.Lang, 0), 10)
		key = "twitter:" + id
	case DM:
		u := twfake.User{ID: int64(4_100_000 + c), ScreenName: fmt.Sprintf("dmer%d", c), Name: name(c)}
		id = strconv.FormatInt(tr.tw.AddDM(u, tx.Text), 10)
		key = "twitter:" + id
	}
	tr.mu.Lock()
	tr.want[key] = Item{Kind: kind, ID: id, PII: tx.PII, Text: tx.Text, At: time.Now()}
	tr.byKind[kind]++
	tr.mu.Unlock()
	tr.added.Add(1)
}

// Snapshot returns a copy of what was added, by key, and the counts by
// kind.
func (tr *Traffic) Snapshot() (map[string]Item, [NumKinds]int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return maps.Clone(tr.want), tr.byKind
}

// KindSummary says how many items of each kind there are, as
// "messenger=12 comment=9 …".
func KindSummary(byKind [NumKinds]int) string {
	var parts []string
	for k, n := range byKind {
		parts = append(parts, fmt.Sprintf("%s=%d", Kind(k), n))
	}
	return strings.Join(parts, " ")
}
