package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// texts is what customers write: support requests, thank-yous (which get
// no invitation), other languages (which get notices on Twitter) and
// booking numbers and PINs (which get comments hidden).
var texts = []struct{ text, lang string }{
	{"Hi, my room is still not ready and check-in was at 14:00. Can you help?", "en"},
	{"I was charged twice for my stay in Lisbon, please refund one of the payments", "en"},
	{"My booking number is 4821553907 and the PIN is 4321, the hotel says they have no reservation", "en"},
	{"The wifi in my room does not work at all, who can I talk to?", "en"},
	{"Can I bring my dog to the hotel? We arrive on Friday", "en"},
	{"thanks, that worked!", "en"},
	{"Thank you so much, great service", "en"},
	{"Hola, necesito una factura para mi reserva en Madrid, gracias", "es"},
	{"Ciao, vorrei cambiare la data del mio soggiorno a Roma, è possibile?", "it"},
	{"Bonjour, je ne peux pas accéder à ma réservation depuis hier soir", "fr"},
	{"Hallo, mein Zimmer ist zu laut und die Klimaanlage funktioniert nicht", "de"},
	{"Halo, saya ingin membatalkan pesanan saya untuk minggu depan", "in"},
	{"Olá, a minha reserva não aparece na aplicação, podem ajudar?", "pt"},
	{"Why is the price now higher than it was yesterday? This is not fair", "en"},
}

// kinds of items, with their share of the traffic in tenths.
const (
	kindMessenger = iota // Facebook Messenger message
	kindComment          // comment on a Page post
	kindPost             // visitor post on the Page
	kindMention          // tweet mentioning the account
	kindDM               // Twitter direct message
	numKinds
)

var kindNames = [numKinds]string{"messenger", "comment", "visitor_post", "mention", "dm"}

// names are customers' first names; the platforms' display names are
// "<first name> <initial>".
var names = []string{"Maria", "João", "Ana", "Luca", "Sofia", "Jan", "Emma", "Noah", "Mia", "Ahmed",
	"Fatima", "Chen", "Yuki", "Olga", "Pierre", "Lena", "Diego", "Aisha", "Tom", "Ines", "Kofi", "Priya", "Sven", "Eva"}

func name(c int) string { return fmt.Sprintf("%s %c.", names[c%len(names)], 'A'+c/len(names)) }

func pickKind(r *rand.Rand) int {
	switch k := r.IntN(100); {
	case k < 28:
		return kindMessenger
	case k < 48:
		return kindComment
	case k < 50:
		return kindPost
	case k < 80:
		return kindMention
	default:
		return kindDM
	}
}

// traffic scripts customer items into the fakes over time and remembers
// what it added.
type traffic struct {
	fb    *fbfake.Server
	tw    *twfake.Server
	posts []string // Page posts that customers comment on

	mu     sync.Mutex
	want   map[string]int // "<platform>:<external id>" → kind
	byKind [numKinds]int
	added  atomic.Int64
}

func newTraffic(fb *fbfake.Server, tw *twfake.Server, pagePosts int) *traffic {
	tr := &traffic{fb: fb, tw: tw, want: map[string]int{}}
	for i := range pagePosts {
		tr.posts = append(tr.posts, fb.AddPagePost(fmt.Sprintf("Summer deal #%d: 20%% off city breaks", i+1), time.Time{}))
	}
	return tr
}

// feed adds n items spread evenly over d, from a few hundred customers.
func (tr *traffic) feed(ctx context.Context, n int, d time.Duration, seed uint64) {
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

func (tr *traffic) addOne(r *rand.Rand) {
	kind := pickKind(r)
	c := r.IntN(150) // customer
	tx := texts[r.IntN(len(texts))]
	var key string
	switch kind {
	case kindMessenger:
		u := fbfake.User{ID: strconv.Itoa(3_000_000 + c), Name: name(c)}
		key = "facebook:" + tr.fb.AddMessage(fmt.Sprintf("t_%d", 9000+c), u, tx.text, time.Time{})
	case kindComment:
		u := fbfake.User{ID: strconv.Itoa(3_100_000 + c), Name: name(c)}
		key = "facebook:" + tr.fb.AddComment(tr.posts[c%len(tr.posts)], "", u, tx.text, time.Time{})
	case kindPost:
		u := fbfake.User{ID: strconv.Itoa(3_200_000 + c), Name: name(c)}
		key = "facebook:" + tr.fb.AddPost(u, tx.text, time.Time{})
	case kindMention:
		u := twfake.User{ID: int64(4_000_000 + c), ScreenName: fmt.Sprintf("tweeter%d", c), Name: name(c)}
		key = "twitter:" + strconv.FormatInt(tr.tw.AddMention(u, "@HotelHelp "+tx.text, tx.lang, 0), 10)
	case kindDM:
		u := twfake.User{ID: int64(4_100_000 + c), ScreenName: fmt.Sprintf("dmer%d", c), Name: name(c)}
		key = "twitter:" + strconv.FormatInt(tr.tw.AddDM(u, tx.text), 10)
	}
	tr.mu.Lock()
	tr.want[key] = kind
	tr.byKind[kind]++
	tr.mu.Unlock()
	tr.added.Add(1)
}

// snapshot returns a copy of what was added.
func (tr *traffic) snapshot() (map[string]int, [numKinds]int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	m := make(map[string]int, len(tr.want))
	for k, v := range tr.want {
		m[k] = v
	}
	return m, tr.byKind
}
