package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/inboxbot/inboxbot/inbox"
)

// Kind is what a scripted customer does on a platform.
type Kind string

// The kinds of scripted customer message.
const (
	// Tweet is a public tweet that mentions the support account.
	Tweet Kind = "tweet"
	// DM is a Twitter direct message to the support account.
	DM Kind = "dm"
	// Messenger is a Facebook Messenger message to the Page.
	Messenger Kind = "messenger"
	// VisitorPost is a post by a customer on the Page.
	VisitorPost Kind = "visitor_post"
	// Comment is a comment under one of the Page's own posts.
	Comment Kind = "comment"
	// CommentReply is another customer's reply to the story's comment.
	CommentReply Kind = "comment_reply"
)

// Platform returns the platform a message of kind k is written on.
func (k Kind) Platform() inbox.Platform {
	switch k {
	case Tweet, DM:
		return inbox.Twitter
	}
	return inbox.Facebook
}

// Public reports whether everyone can read a message of kind k; only
// public text must never show a secret.
func (k Kind) Public() bool { return k != DM && k != Messenger }

// Wait is what a scripted message waits for before the customer sends it,
// so that a story follows the inbox's answers rather than a clock.
type Wait string

// The waits of scripted messages.
const (
	// NoWait sends the message when its turn comes.
	NoWait Wait = ""
	// WaitAnswer waits for the support account's answer to the story's
	// last public item: a reply to the tweet, or a Private Reply to the
	// comment or visitor post (which opens the Messenger conversation the
	// customer then writes in).
	WaitAnswer Wait = "answer"
)

// Topics are the kinds of story the script tells, one per branch of the
// support policy a newcomer should see.
const (
	TopicTweetToDM      = "tweet_to_dm"     // English support tweet, invited to DM, continues there
	TopicTweetPII       = "tweet_pii"       // public tweet with a booking number or PIN
	TopicTweetForeign   = "tweet_foreign"   // non-English tweet: the English-only notice
	TopicTweetPraise    = "tweet_praise"    // a happy customer: nothing to do
	TopicDMForeign      = "dm_foreign"      // non-English DM: the notice by DM
	TopicDMChat         = "dm_chat"         // an English DM conversation
	TopicMessengerChat  = "messenger_chat"  // a Messenger conversation
	TopicVisitorPost    = "visitor_post"    // a visitor post: a Private Reply
	TopicComment        = "comment"         // a comment that needs support (sometimes with a secret)
	TopicCommentChatter = "comment_chatter" // a comment that needs nothing
)

// Customer is a simulated customer.
type Customer struct {
	Platform inbox.Platform `json:"platform"`
	// ID is the Twitter user id or the Facebook Page-scoped id.
	ID string `json:"id"`
	// Handle is the Twitter screen name without '@'; "" on Facebook.
	Handle string `json:"handle,omitempty"`
	Name   string `json:"name"`
	// Lang is the ISO 639-1 code of the language the customer writes in.
	Lang string `json:"lang"`
}

// Message is one scripted customer message.
type Message struct {
	// Seq is the message's position in the script, from 0.
	Seq int `json:"seq"`
	// Story numbers the story (one customer's thread) it belongs to, and
	// Step its position in the story, both from 0.
	Story int    `json:"story"`
	Step  int    `json:"step"`
	Topic string `json:"topic"`
	// Customer wrote it.
	Customer Customer `json:"customer"`
	Kind     Kind     `json:"kind"`
	Text     string   `json:"text"`
	// Lang is Twitter's own language guess for a tweet ("in" for
	// Indonesian, as Twitter writes it); "" for other kinds.
	Lang string `json:"lang,omitempty"`
	// Secrets are the booking numbers, PINs and card numbers in Text, as
	// written there.
	Secrets []string `json:"secrets,omitempty"`
	Wait    Wait     `json:"wait,omitempty"`
}

// Script is the scripted customer traffic of one seed. The messages, their
// order and their texts are a pure function of the seed, so a demo can be
// replayed and a test can recompute what the demo planted; only when a
// message that waits for an answer is sent depends on the running system.
// A Script is not safe for concurrent use.
type Script struct {
	r       *rand.Rand
	seq     int
	slot    int
	stories int
	users   int
	tour    []string
	pending []pending
}

// pending is a story's next message, due at a slot of the script's clock.
type pending struct {
	due int
	msg Message
}

// step is one message of a story being built, gap slots after the
// previous one.
type step struct {
	gap int
	msg Message
}

// NewScript returns the script of seed.
func NewScript(seed int64) *Script {
	s := &Script{r: rand.New(rand.NewPCG(uint64(seed), 0x1b0cb07))}
	// The first stories are a tour of every topic, in an order that
	// depends on the seed, so that a newcomer sees each branch of the
	// policy within the first minutes.
	s.tour = []string{
		TopicTweetForeign, TopicTweetPII, TopicTweetToDM, TopicMessengerChat, TopicComment,
		TopicVisitorPost, TopicDMForeign, TopicDMChat, TopicTweetPraise, TopicCommentChatter,
	}
	s.r.Shuffle(len(s.tour), func(i, j int) { s.tour[i], s.tour[j] = s.tour[j], s.tour[i] })
	return s
}

// Messages returns the first n messages of seed's script.
func Messages(seed int64, n int) []Message {
	s := NewScript(seed)
	out := make([]Message, n)
	for i := range out {
		out[i] = s.Next()
	}
	return out
}

// Next returns the script's next message. A story's later messages are
// interleaved with other stories' as their gaps come due.
func (s *Script) Next() Message {
	slot := s.slot
	s.slot++
	best := -1
	for i, p := range s.pending {
		if p.due <= slot && (best < 0 || p.due < s.pending[best].due) {
			best = i
		}
	}
	var m Message
	if best >= 0 {
		m = s.pending[best].msg
		s.pending = append(s.pending[:best], s.pending[best+1:]...)
	} else {
		steps := s.story(s.topic())
		m = steps[0].msg
		due := slot
		for _, st := range steps[1:] {
			due += st.gap
			s.pending = append(s.pending, pending{due: due, msg: st.msg})
		}
	}
	m.Seq = s.seq
	s.seq++
	return m
}

// weights make the steady traffic look like a support inbox: mostly
// support requests, some chatter.
var weights = []struct {
	topic string
	w     int
}{
	{TopicTweetToDM, 14}, {TopicTweetPII, 10}, {TopicTweetForeign, 12}, {TopicTweetPraise, 5},
	{TopicDMForeign, 6}, {TopicDMChat, 8}, {TopicMessengerChat, 16}, {TopicVisitorPost, 7},
	{TopicComment, 14}, {TopicCommentChatter, 8},
}

func (s *Script) topic() string {
	if s.stories < len(s.tour) {
		return s.tour[s.stories]
	}
	total := 0
	for _, w := range weights {
		total += w.w
	}
	n := s.r.IntN(total)
	for _, w := range weights {
		if n -= w.w; n < 0 {
			return w.topic
		}
	}
	return TopicMessengerChat
}

// story builds the messages of a new story of topic.
func (s *Script) story(topic string) []step {
	id := s.stories
	s.stories++
	var steps []step
	switch topic {
	case TopicTweetToDM:
		steps = s.tweetToDM()
	case TopicTweetPII:
		steps = s.tweetPII()
	case TopicTweetForeign:
		steps = s.tweetForeign()
	case TopicTweetPraise:
		c := s.customer(inbox.Twitter, "en")
		steps = []step{{0, Message{Kind: Tweet, Lang: "en", Text: s.fill(s.pick(praiseTweets), "en")}}}
		steps[0].msg.Customer = c
	case TopicDMForeign:
		lang := s.pick(foreignLangs)
		c := s.customer(inbox.Twitter, lang)
		steps = []step{{0, Message{Customer: c, Kind: DM, Text: s.fill(s.pick(foreignDMs[lang]), lang)}}}
	case TopicDMChat:
		steps = s.chat(inbox.Twitter, DM, "en", dmChats)
	case TopicMessengerChat:
		lang := "en"
		if s.r.IntN(10) < 4 {
			lang = s.pick([]string{"es", "it", "de"})
		}
		steps = s.chat(inbox.Facebook, Messenger, lang, messengerChats)
	case TopicVisitorPost:
		steps = s.facebookPublic(VisitorPost, visitorPosts, visitorPostsPII)
	case TopicComment:
		steps = s.facebookPublic(Comment, comments, commentsPII)
	case TopicCommentChatter:
		c := s.customer(inbox.Facebook, "en")
		steps = []step{{0, Message{Customer: c, Kind: Comment, Text: s.pick(chatterComments)}}}
	}
	for i := range steps {
		steps[i].msg.Story, steps[i].msg.Step, steps[i].msg.Topic = id, i, topic
	}
	return steps
}

func (s *Script) tweetToDM() []step {
	c := s.customer(inbox.Twitter, "en")
	city := s.pick(cities["en"])
	dm := Message{Customer: c, Kind: DM, Wait: WaitAnswer}
	dm.Text, dm.Secrets = s.privateText(strings.ReplaceAll(s.pick(dmAfterInvite), "{city}", city))
	return []step{
		{0, Message{Customer: c, Kind: Tweet, Lang: "en", Text: strings.ReplaceAll(s.pick(supportTweets), "{city}", city)}},
		{s.gap(), dm},
		{s.gap(), Message{Customer: c, Kind: DM, Text: s.pick(dmDetails)}},
	}
}

func (s *Script) tweetPII() []step {
	if s.r.IntN(10) < 3 {
		// A non-English customer who also shows a secret: both rules.
		lang := s.pick([]string{"it", "id", "es", "de", "fr"})
		c := s.customer(inbox.Twitter, lang)
		text, secrets := s.secretText(foreignPIITweets[lang])
		return []step{{0, Message{Customer: c, Kind: Tweet, Lang: twitterLang(lang), Text: text, Secrets: secrets}}}
	}
	c := s.customer(inbox.Twitter, "en")
	text, secrets := s.secretText(piiTweets)
	return []step{
		{0, Message{Customer: c, Kind: Tweet, Lang: "en", Text: text, Secrets: secrets}},
		{s.gap(), Message{Customer: c, Kind: DM, Wait: WaitAnswer,
			Text:    "Sorry, deleted the tweet! Same booking, here privately: " + secrets[0],
			Secrets: secrets[:1]}},
	}
}

func (s *Script) tweetForeign() []step {
	lang := s.pick(foreignLangs)
	c := s.customer(inbox.Twitter, lang)
	city := s.pick(cities[lang])
	steps := []step{{0, Message{Customer: c, Kind: Tweet, Lang: twitterLang(lang),
		Text: strings.ReplaceAll(s.pick(foreignTweets[lang]), "{city}", city)}}}
	if s.r.IntN(2) == 0 {
		// Some customers take the hint and try again in English, which
		// then gets the usual invitation to DM.
		steps = append(steps, step{s.gap(), Message{Customer: c, Kind: Tweet, Lang: "en", Wait: WaitAnswer,
			Text: fmt.Sprintf(s.pick(englishRetries), city)}})
	}
	return steps
}

// chat is a private conversation: two to four messages, some with the
// customer's booking details, which are fine in private.
func (s *Script) chat(p inbox.Platform, k Kind, lang string, lines map[string][][]string) []step {
	c := s.customer(p, lang)
	city := s.pick(cities[lang])
	conv := lines[lang][s.r.IntN(len(lines[lang]))]
	var steps []step
	for i, line := range conv {
		m := Message{Customer: c, Kind: k}
		m.Text, m.Secrets = s.privateText(strings.ReplaceAll(line, "{city}", city))
		gap := 0
		if i > 0 {
			gap = s.gap()
		}
		steps = append(steps, step{gap, m})
	}
	return steps
}

// facebookPublic is a visitor post or comment that needs support, with a
// secret one time in three; the customer answers the Private Reply in
// Messenger, and under comments another customer sometimes chimes in.
func (s *Script) facebookPublic(k Kind, plain, withPII map[string][]string) []step {
	lang := "en"
	if s.r.IntN(10) < 2 {
		lang = "es"
	}
	c := s.customer(inbox.Facebook, lang)
	first := Message{Customer: c, Kind: k}
	if s.r.IntN(3) == 0 {
		first.Text, first.Secrets = s.secretText(withPII[lang])
	} else {
		first.Text = s.fill(s.pick(plain[lang]), lang)
	}
	steps := []step{{0, first}}
	if k == Comment && s.r.IntN(3) == 0 {
		other := s.customer(inbox.Facebook, "en")
		steps = append(steps, step{1 + s.r.IntN(2), Message{Customer: other, Kind: CommentReply, Text: s.pick(sameHere)}})
	}
	follow := Message{Customer: c, Kind: Messenger, Wait: WaitAnswer}
	follow.Text, follow.Secrets = s.privateText(s.pick(afterPrivateReply[lang]))
	return append(steps, step{s.gap(), follow})
}

// gap is how many slots a customer takes to write again.
func (s *Script) gap() int { return 2 + s.r.IntN(5) }

func (s *Script) pick(xs []string) string { return xs[s.r.IntN(len(xs))] }

// customer makes up a new customer writing in lang.
func (s *Script) customer(p inbox.Platform, lang string) Customer {
	n := s.users
	s.users++
	first := s.pick(firstNames[lang])
	last := s.pick(lastNames[lang])
	c := Customer{Platform: p, Name: first + " " + last, Lang: lang}
	if p == inbox.Twitter {
		c.ID = strconv.FormatInt(2_100_000_000+int64(n)*7_919, 10)
		c.Handle = fmt.Sprintf("%s_%s%d", ascii(first), ascii(last)[:1], 10+s.r.IntN(90))
	} else {
		c.ID = strconv.FormatInt(5_410_000_000_000_000+int64(n)*104_729, 10)
	}
	return c
}

// booking returns a booking number: ten digits.
func (s *Script) booking() string {
	return strconv.Itoa(1+s.r.IntN(9)) + fmt.Sprintf("%09d", s.r.IntN(1_000_000_000))
}

// pin returns a PIN: four digits, none of them 0, so that a test cannot
// mistake a year or an id in a reply for a leaked PIN.
func (s *Script) pin() string {
	var b strings.Builder
	for range 4 {
		b.WriteByte(byte('1' + s.r.IntN(9)))
	}
	return b.String()
}

// card returns a Luhn-valid Visa-like card number in 4-4-4-4 groups.
func (s *Script) card() string {
	d := []int{4}
	for range 14 {
		d = append(d, s.r.IntN(10))
	}
	sum := 0
	for i := len(d) - 1; i >= 0; i-- { // the check digit will be position 16
		v := d[i]
		if (len(d)-i)%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	d = append(d, (10-sum%10)%10)
	var b strings.Builder
	for i, v := range d {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(byte('0' + v))
	}
	return b.String()
}

// bookingAs writes booking number b in one of the shapes customers use.
func (s *Script) bookingAs(b string) string {
	switch s.r.IntN(4) {
	case 1:
		return b[:4] + " " + b[4:7] + " " + b[7:]
	case 2:
		return b[:4] + "-" + b[4:7] + "-" + b[7:]
	}
	return b
}

// pinAs writes PIN p in one of the shapes customers use.
func (s *Script) pinAs(p string) string {
	switch s.r.IntN(4) {
	case 1:
		return strings.Join(strings.Split(p, ""), " ")
	case 2:
		return p[:2] + " " + p[2:]
	}
	return p
}

// secretText fills one of templates: {B} is a booking number, {P} a PIN
// and {C} a card number, each written in a shape customers use; {b} and
// {p} are the plain shapes (for "#1234567890/5678"). It returns the text
// and the secrets as written.
func (s *Script) secretText(templates []string) (string, []string) {
	return s.secrets(s.pick(templates))
}

// privateText fills a private message's secrets, if it has any.
func (s *Script) privateText(t string) (string, []string) { return s.secrets(t) }

func (s *Script) secrets(t string) (string, []string) {
	var secrets []string
	for _, ph := range []string{"{B}", "{b}", "{P}", "{p}", "{C}"} {
		if !strings.Contains(t, ph) {
			continue
		}
		var v string
		switch ph {
		case "{B}":
			v = s.bookingAs(s.booking())
		case "{b}":
			v = s.booking()
		case "{P}":
			v = s.pinAs(s.pin())
		case "{p}":
			v = s.pin()
		case "{C}":
			v = s.card()
		}
		t = strings.Replace(t, ph, v, 1)
		secrets = append(secrets, v)
	}
	return t, secrets
}

// fill replaces {city} with a city customers of lang travel to.
func (s *Script) fill(t, lang string) string {
	return strings.ReplaceAll(t, "{city}", s.pick(cities[lang]))
}

// twitterLang is Twitter's code for lang: it still says "in" for
// Indonesian.
func twitterLang(lang string) string {
	if lang == "id" {
		return "in"
	}
	return lang
}

// ascii folds the accented letters of the name lists for handles.
func ascii(s string) string {
	r := strings.NewReplacer("á", "a", "à", "a", "ã", "a", "é", "e", "è", "e", "í", "i", "ó", "o", "ö", "o", "ú", "u", "ü", "u", "ç", "c", "ñ", "n", "ï", "i", "ë", "e")
	return r.Replace(strings.ToLower(s))
}
