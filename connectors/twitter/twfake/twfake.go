// Package twfake is a fake Twitter API v1.1 and X API v2 for tests and
// `inboxbot demo`, which also delivers X Account Activity webhooks.
//
// It is an httptest server that speaks the real wire format of the
// endpoints inboxbot uses, in both API versions, over one shared scenario:
// the same tweets, mentions, DMs and users answer a v1.1 poll, a v2 poll
// and a webhook, so a test can run the connector in either mode. It keeps
// per-endpoint rate-limit accounting with the x-rate-limit-* headers, a
// record of every call, and the bill X would send for the v2 calls.
// Point the connector's api_url at URL() (v1.1) or URLv2() (v2) and give
// it Credentials().
//
// What every endpoint checks and how it answers:
//   - Authorization: an OAuth header whose oauth_token is the current access
//     token. A missing header or a wrong consumer key gets 401 with code 32;
//     a wrong or expired token (ExpireToken) gets 401 with code 89 (v2: a
//     401 problem, "Unauthorized", for both). Signatures are not verified.
//   - Rate limits: each limited endpoint has a budget per window; windows
//     are aligned on multiples of the window length since the Unix epoch,
//     and x-rate-limit-reset is the window's end rounded up to the second.
//     Past the budget the answer is 429 (v1.1: code 88; v2: a "Too Many
//     Requests" problem). Defaults per 15 minutes: v1.1 mentions 75, DM
//     list 15, verify_credentials 75, and the three v1.1 write endpoints
//     send no rate-limit headers, as in the recordings; v2 users/me 75,
//     mentions 300, dm_events 15, tweets 100, DM send 200, all with headers
//     (writes included).
//   - FailNext answers the next request with a status after it counted
//     against the budget: code 131 in v1.1, a problem JSON in v2.
//   - Time: ids, created_at, rate-limit windows and the 30-day DM horizon
//     follow Options.Now, so a test can move the scenario through time.
//
// Twitter API v1.1 (paths keep the /1.1/….json prefix, ids come as numbers
// and strings, errors as {"errors":[{"code","message"}]}):
//   - statuses/mentions_timeline: count (≤200), since_id (exclusive),
//     max_id (inclusive), tweet_mode=extended (full_text) or compat (text cut
//     at 140 characters with truncated:true). Newest first.
//   - direct_messages/events/list: count (≤50) and an opaque cursor; newest
//     first, both directions (the account's own DMs appear too).
//   - statuses/update: form body or query (r.ParseForm). The tweet joins the
//     account's timeline, and the mentions timeline if it mentions the
//     account. The same text twice gets 403 with code 187; a reply to an
//     unknown tweet gets 403 with code 385.
//   - direct_messages/events/new: JSON body; recipient_id as string or number.
//   - friendships/create: user_id or screen_name in the query (or body).
//   - Self-serve access (Options.SelfServe, SetSelfServe): X no longer
//     sells v1.1 to self-serve accounts, so every v1.1 endpoint but
//     account/verify_credentials answers 403 with code 453. The call is
//     still recorded, and does not count against the budget.
//
// X API v2 (paths under /2/, ids as strings, objects under "data", errors
// as problem JSON {"title","detail","type","status"} with Content-Type
// application/problem+json). As X does, a query parameter the endpoint does
// not know, or a field or expansion name X does not define, gets 400
// "Invalid Request", so a typo fails in tests rather than in production:
//   - GET users/me: {"data":{"id","name","username"}} plus user.fields
//     (created_at, description, protected, verified).
//   - GET users/:id/mentions (404 unless :id is the account): since_id and
//     until_id (both exclusive), start_time (inclusive) and end_time
//     (exclusive), max_results 5..100 (default 10), an opaque
//     pagination_token that continues below the last page, tweet.fields,
//     expansions (author_id, in_reply_to_user_id, referenced_tweets.id,
//     referenced_tweets.id.author_id) and user.fields. Newest first; only
//     the 800 newest mentions are reachable. A tweet carries id, text and
//     edit_history_tweet_ids, plus the fields asked for (author_id,
//     created_at as 2026-11-30T18:20:00.000Z, conversation_id, lang,
//     in_reply_to_user_id, referenced_tweets, note_tweet). A text over 280
//     weighted characters is cut, and note_tweet.text holds all of it.
//     A retweet reads "RT @author: …" and references the tweet retweeted.
//     meta has result_count, newest_id, oldest_id and next_token; an empty
//     page is {"meta":{"result_count":0}}.
//   - GET dm_events: event_types, max_results 1..100 (default 100),
//     pagination_token, dm_event.fields, expansions=sender_id and
//     user.fields. Newest first, both directions, and only the last 30
//     days. Events carry id, event_type and text, plus the fields asked
//     for (created_at, sender_id, dm_conversation_id, the two user ids
//     joined by a dash, smaller first). InjectEmptyDMPage applies here too.
//   - POST tweets: JSON {"text","reply":{"in_reply_to_tweet_id",
//     "exclude_reply_user_ids","auto_populate_reply_metadata"},
//     "quote_tweet_id"}; members X does not define get 400. Answers 201
//     {"data":{"id","text","edit_history_tweet_ids"}}. The text is stored
//     as given: v2 adds no @mention unless auto_populate_reply_metadata
//     is true. Over 280 weighted characters gets 400; a reply to an
//     unknown tweet 403; the same published text twice 403. In self-serve
//     mode a reply is refused with 403 unless the tweet answered is in the
//     account's mentions (or mentions it), quotes one of its tweets, or is
//     its own, as X restricts programmatic replies since February 2026.
//   - POST dm_conversations/with/:participant_id/messages: JSON {"text"};
//     answers 201 {"data":{"dm_conversation_id","dm_event_id"}}.
//   - GET users?ids= (1 to 100 numeric ids) and GET users/:id, with
//     user.fields (profile_image_url among them): every id is a user (one
//     made up from the id until the scenario names it), except those
//     RemoveUser took away, which the lookup lists as partial errors
//     ("Not Found Error") and users/:id answers with 404. Each user
//     returned is billed as a User read.
//   - Tweets and DMs created through either version are recorded for
//     Replies and DMs alike.
//
// The bill: X charges self-serve v2 use per resource. The fake adds up,
// in integer micro-dollars so sums are exact, what each successful (2xx)
// v2 call costs: each mention returned, each DM event returned, each
// users/me call, each tweet created (more when its text holds a URL), and
// each DM sent; errors and 429s are free, and so are the objects an
// expansion adds under "includes". DefaultPrices holds the price list,
// Options.Prices overrides it, Bill and BillByEndpoint read the sum, and
// each Call carries its Cost. v1.1 calls cost nothing.
//
// Webhooks, as X's Account Activity API sends them: SetWebhook runs the
// CRC challenge (GET url?crc_token=…, expecting
// {"response_token":"sha256=<base64 HMAC-SHA256 of the token, keyed with
// the consumer secret>"}) and registers the URL only if it is answered
// right. From then on every new tweet in the account's mentions (retweets
// of mentions included), every quote of one of its tweets, every tweet it
// posts, and every DM in either direction, is POSTed as {"for_user_id",
// "tweet_create_events":[<v1.1 compat tweet, with extended_tweet when
// truncated>]} or {"for_user_id","direct_message_events":[…],"users":{…}},
// with x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the
// body> (Sign). A tweet from AddTweet does not involve the account and is
// not sent. Deliveries run on one goroutine per server, in order; a failed
// one (non-2xx or network error) is retried Options.WebhookRetries times,
// Options.WebhookRetryDelay apart, then dropped, as X gives up too.
// Deliveries records every attempt and WaitDeliveries waits for them;
// PauseWebhook holds events back (to test that polling fills the gap);
// DeliverRaw sends any body through the same path.
//
// Connecting an account (oauth.go): the OAuth 1.0a PIN flow
// (/oauth/request_token, the /oauth/authorize page, /oauth/access_token,
// signatures checked), the app's bearer token (/oauth2/token), webhook
// registration (/2/webhooks, with its CRC check) and the account's
// subscription (/2/account_activity/webhooks/:id/subscriptions/all).
//
// Ids are snowflake-like: they increase with time and carry it.
package twfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/connectors/internal/fakehook"
	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
)

// The v1.1 endpoints the fake serves, named as in Twitter's
// rate_limit_status (without the leading slash). Use them with SetLimit,
// FailNext, Calls and Requests.
const (
	VerifyCredentials = "account/verify_credentials"
	MentionsTimeline  = "statuses/mentions_timeline"
	DMEventsList      = "direct_messages/events/list"
	StatusesUpdate    = "statuses/update"
	DMEventsNew       = "direct_messages/events/new"
	FriendshipsCreate = "friendships/create"
)

// The v2 endpoints the fake serves, named by their path with the "2/"
// prefix (so they cannot collide with the v1.1 names) and path parameters
// as :name, as X's documentation writes them. Use them like the v1.1
// names, and with BillByEndpoint.
const (
	UsersMe      = "2/users/me"
	UserMentions = "2/users/:id/mentions"
	DMEvents     = "2/dm_events"
	CreateTweet  = "2/tweets"
	DMSend       = "2/dm_conversations/with/:participant_id/messages"
	UsersLookup  = "2/users"
	UserByID     = "2/users/:id"
)

// Unlimited as a budget means the endpoint is not rate-limited and sends no
// x-rate-limit-* headers.
const Unlimited = -1

// DefaultWindow is X's rate-limit window, the same in v1.1 and v2.
const DefaultWindow = 15 * time.Minute

// DefaultLimits returns the budgets per window of each endpoint, from
// X's documentation (per user, with OAuth 1.0a user context) and the
// recorded x-rate-limit-limit headers. It returns a new map each time, so
// callers may change it.
func DefaultLimits() map[string]int {
	return map[string]int{
		VerifyCredentials: 75,
		MentionsTimeline:  75,
		DMEventsList:      15,
		StatusesUpdate:    Unlimited,
		DMEventsNew:       Unlimited,
		FriendshipsCreate: Unlimited,

		UsersMe:      75,
		UserMentions: 300,
		DMEvents:     15,
		CreateTweet:  100,
		DMSend:       15, // and 1,440 per 24 h (X docs, 2026)
		UsersLookup:  900,
		UserByID:     900,
	}
}

// twitterEpochMS is the start of snowflake time, in Unix ms.
const twitterEpochMS = 1288834974657

// User is a Twitter account as the fake knows it.
type User struct {
	ID         int64
	ScreenName string
	Name       string
}

// IDStr returns the user id as text, as the connector and inboxbot use it.
func (u User) IDStr() string { return strconv.FormatInt(u.ID, 10) }

// Tweet is a tweet in the fake's timelines.
type Tweet struct {
	ID   int64
	User User
	Text string
	Lang string
	// InReplyTo is the id of the tweet answered, or 0.
	InReplyTo int64
	// RetweetOf is the id of the retweeted tweet for a retweet, or 0.
	RetweetOf int64
	// QuoteOf is the id of the tweet quoted, or 0.
	QuoteOf int64
	// AutoPopulateReplyMetadata records whether statuses/update asked for it.
	AutoPopulateReplyMetadata bool
	CreatedAt                 time.Time
}

// DM is a direct message event in the fake's DM list.
type DM struct {
	ID        int64
	From, To  int64
	Text      string
	CreatedAt time.Time
}

// Call is one request the fake received.
type Call struct {
	At       time.Time
	Method   string
	Endpoint string // one of the endpoint constants, or the raw path
	Query    url.Values
	// Status is the HTTP status answered.
	Status int
	// Window is the index of the endpoint's rate-limit window the call fell
	// in (time since the Unix epoch divided by the window length).
	Window int64
	// Items is how many tweets or events a list call returned.
	Items int
	// Cost is what the call was billed, in micro-dollars (v2 only).
	Cost int64
}

// Options configures a Server. Zero fields take the defaults.
type Options struct {
	// Self is the account the tokens belong to. Default id 1000001,
	// @HotelHelp, "Hotel Help".
	Self User
	// The OAuth credentials the server accepts. Defaults: "fake-consumer-key",
	// "fake-consumer-secret", "fake-access-token", "fake-access-secret".
	ConsumerKey, ConsumerSecret, AccessToken, AccessSecret string
	// Window is the rate-limit window length. Default 15 minutes; tests use
	// a second or two.
	Window time.Duration
	// Limits overrides DefaultLimits() per endpoint: requests allowed per
	// window, Unlimited for no limit (and no headers), 0 to refuse every
	// request with 429 (as when another client spent the window).
	Limits map[string]int
	// SelfServe gives the account X's self-serve access (Free, Basic, Pro,
	// pay-per-use): v1.1 answers 403 with code 453 except
	// verify_credentials, and v2 replies are restricted. False is the
	// legacy access the v1.1 recordings were made with.
	SelfServe bool
	// Prices overrides DefaultPrices() per price key (PricePostRead, …), in
	// micro-dollars.
	Prices map[string]int64
	// WebhookRetries is how many more times a failed webhook delivery is
	// tried. Default 3; negative for none.
	WebhookRetries int
	// WebhookRetryDelay is the wait before each retry. Default 1 second;
	// tests use a few milliseconds.
	WebhookRetryDelay time.Duration
	// Now is the scenario's clock: it dates new tweets and DMs (and so
	// their ids), places calls in rate-limit windows, and sets the 30-day
	// horizon of v2 DM events. Default time.Now. It must be safe for
	// concurrent use and must not call the Server.
	Now func() time.Time
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	self User

	mu             sync.Mutex
	consumerKey    string
	consumerSecret string
	token          string
	tokenSecret    string
	window         time.Duration
	limits         map[string]int
	windows        map[string]*windowCount
	lastID         int64
	tweets         map[int64]*Tweet
	mentions       []int64 // ascending
	ours           []int64 // our timeline, ascending
	dms            []*DM   // ascending
	users          map[int64]User
	gone           map[int64]bool // users X no longer serves (RemoveUser)
	emptyDMPages   int
	pageNonce      int
	failNext       map[string][]int
	follows        []int64
	posted         []int64 // tweets created by statuses/update
	sent           []*DM   // DMs created by direct_messages/events/new
	calls          []Call
	rateLimited    int
	selfServe      bool
	now            func() time.Time
	prices         map[string]int64
	bill           map[string]int64 // µ$ by endpoint
	hook           *fakehook.Sender
	setup          setupState // the OAuth flow and webhook registration, see oauth.go
}

// windowCount counts one endpoint's requests in its current window.
type windowCount struct {
	index int64
	n     int
}

// New starts a fake server. Close it when done.
func New(opts Options) *Server {
	if opts.Self.ID == 0 {
		opts.Self = User{ID: 1000001, ScreenName: "HotelHelp", Name: "Hotel Help"}
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&opts.ConsumerKey, "fake-consumer-key")
	def(&opts.ConsumerSecret, "fake-consumer-secret")
	def(&opts.AccessToken, "fake-access-token")
	def(&opts.AccessSecret, "fake-access-secret")
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case opts.WebhookRetries == 0:
		opts.WebhookRetries = 3
	case opts.WebhookRetries < 0:
		opts.WebhookRetries = 0
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = time.Second
	}
	s := &Server{
		self:           opts.Self,
		consumerKey:    opts.ConsumerKey,
		consumerSecret: opts.ConsumerSecret,
		token:          opts.AccessToken,
		tokenSecret:    opts.AccessSecret,
		window:         opts.Window,
		limits:         make(map[string]int),
		windows:        make(map[string]*windowCount),
		tweets:         make(map[int64]*Tweet),
		users:          map[int64]User{opts.Self.ID: opts.Self},
		gone:           make(map[int64]bool),
		failNext:       make(map[string][]int),
		selfServe:      opts.SelfServe,
		now:            opts.Now,
		prices:         DefaultPrices(),
		bill:           make(map[string]int64),
	}
	maps.Copy(s.limits, DefaultLimits())
	maps.Copy(s.limits, opts.Limits)
	maps.Copy(s.prices, opts.Prices)
	s.hook = s.newHook(opts.WebhookRetries, opts.WebhookRetryDelay)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL returns the v1.1 API base URL, with the /1.1/ prefix and a trailing
// slash: the value for twitter.api_url in v1.1 mode.
func (s *Server) URL() string { return s.srv.URL + "/1.1/" }

// URLv2 returns the v2 API base URL, with the /2/ prefix and a trailing
// slash: the value for twitter.api_url in v2 mode.
func (s *Server) URLv2() string { return s.srv.URL + "/2/" }

// Close stops webhook deliveries, abandoning any still queued, and shuts
// the server down.
func (s *Server) Close() {
	s.hook.Close()
	s.srv.Close()
}

// Self returns the account the tokens belong to.
func (s *Server) Self() User { return s.self }

// Credentials returns the OAuth credentials the server currently accepts.
func (s *Server) Credentials() (consumerKey, consumerSecret, accessToken, accessSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.consumerKey, s.consumerSecret, s.token, s.tokenSecret
}

// SetToken makes token the only access token accepted from now on.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	s.token = token
	s.mu.Unlock()
}

// ExpireToken makes every request fail with 401 and code 89 ("Invalid or
// expired token.") until SetToken.
func (s *Server) ExpireToken() { s.SetToken("\x00expired") }

// SetLimit sets an endpoint's budget per window (Unlimited for none). The
// current window's count is kept.
func (s *Server) SetLimit(endpoint string, budget int) {
	s.mu.Lock()
	s.limits[endpoint] = budget
	s.mu.Unlock()
}

// SetWindow sets the rate-limit window length of every endpoint.
func (s *Server) SetWindow(d time.Duration) {
	s.mu.Lock()
	if d > 0 {
		s.window = d
		s.windows = make(map[string]*windowCount)
	}
	s.mu.Unlock()
}

// SetSelfServe switches the account between self-serve access (v1.1
// refused with code 453, v2 replies restricted) and legacy access, as
// when a test moves the account to another plan.
func (s *Server) SetSelfServe(on bool) {
	s.mu.Lock()
	s.selfServe = on
	s.mu.Unlock()
}

// FailNext makes the next request to endpoint fail with the HTTP status
// (e.g. 503) after it has counted against the budget, and without acting.
// Calls queue up: FailNext twice fails the next two requests.
func (s *Server) FailNext(endpoint string, status int) {
	s.mu.Lock()
	s.failNext[endpoint] = append(s.failNext[endpoint], status)
	s.mu.Unlock()
}

// InjectEmptyDMPage makes the next DM list request (v1.1 or v2) answer an
// empty page that still carries a next_cursor (v2: next_token), as the
// real API sometimes does. The cursor continues where the request stood.
func (s *Server) InjectEmptyDMPage() {
	s.mu.Lock()
	s.emptyDMPages++
	s.mu.Unlock()
}

// nextID returns a new snowflake-like id: time since the Twitter epoch in
// the high bits, and strictly greater than any id given before. s.mu must
// be held.
func (s *Server) nextID(now time.Time) int64 {
	id := (now.UnixMilli() - twitterEpochMS) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return id
}

// AddMention adds a tweet by from that mentions the account, and returns
// its id. inReplyTo is the tweet it answers, or 0. lang is Twitter's guess,
// e.g. "en", "in" (Indonesian), "und".
func (s *Server) AddMention(from User, text, lang string, inReplyTo int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &Tweet{ID: s.nextID(now), User: from, Text: text, Lang: lang, InReplyTo: inReplyTo, CreatedAt: now}
	s.addTweet(t, true)
	return t.ID
}

// AddRetweet adds a retweet by from of tweet of to the mentions timeline
// (a retweet of a mention mentions the account too), and returns its id.
func (s *Server) AddRetweet(from User, of int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &Tweet{ID: s.nextID(now), User: from, RetweetOf: of, CreatedAt: now, Lang: "und"}
	if orig, ok := s.tweets[of]; ok {
		t.Text = "RT @" + orig.User.ScreenName + ": " + orig.Text
		t.Lang = orig.Lang
	}
	s.addTweet(t, true)
	return t.ID
}

// AddQuote adds a tweet by from that quotes tweet of, and returns its id.
// It joins the mentions timeline only if its text mentions the account, as
// on X. When of is the account's tweet, the webhook delivers the quote
// either way, and in self-serve mode the account may reply to it.
func (s *Server) AddQuote(from User, text, lang string, of int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &Tweet{ID: s.nextID(now), User: from, Text: text, Lang: lang, QuoteOf: of, CreatedAt: now}
	s.addTweet(t, s.mentionsSelf(text))
	return t.ID
}

// AddTweet adds a tweet by from that does not involve the account: it
// neither mentions it nor quotes it, so it is in no timeline the account
// reads and the webhook does not deliver it. It returns its id. Tests use
// it as a post that a self-serve account may not reply to.
func (s *Server) AddTweet(from User, text, lang string, inReplyTo int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &Tweet{ID: s.nextID(now), User: from, Text: text, Lang: lang, InReplyTo: inReplyTo, CreatedAt: now}
	s.addTweet(t, false)
	return t.ID
}

// addTweet stores t in the timelines and, if it involves the account (a
// mention, its own, or a quote of its tweet), queues it for the webhook,
// as Account Activity sends only those. s.mu must be held.
func (s *Server) addTweet(t *Tweet, mention bool) {
	s.tweets[t.ID] = t
	s.users[t.User.ID] = t.User
	if mention {
		s.mentions = append(s.mentions, t.ID)
	}
	own := t.User.ID == s.self.ID
	if own {
		s.ours = append(s.ours, t.ID)
	}
	if q, ok := s.tweets[t.QuoteOf]; mention || own || ok && q.User.ID == s.self.ID {
		s.queueTweet(t)
	}
}

// addDM stores d in the DM list and queues it for the webhook. s.mu must
// be held.
func (s *Server) addDM(d *DM) {
	s.dms = append(s.dms, d)
	s.queueDM(d)
}

// user returns the user with id as the fake knows it, or one made up from
// the id, as for an account that has not tweeted in the scenario yet.
// s.mu must be held.
func (s *Server) user(id int64) User {
	if u, ok := s.users[id]; ok {
		return u
	}
	n := strconv.FormatInt(id, 10)
	return User{ID: id, ScreenName: "user" + n, Name: "User " + n}
}

// AddDM adds a direct message from a customer to the account, and returns
// its event id.
func (s *Server) AddDM(from User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.users[from.ID] = from
	d := &DM{ID: s.nextID(now), From: from.ID, To: s.self.ID, Text: text, CreatedAt: now}
	s.addDM(d)
	return d.ID
}

// AddOwnTweet adds a tweet by the account itself, as if posted from another
// client, and returns its id. It joins the mentions timeline when it
// mentions the account, as statuses/update tweets do.
func (s *Server) AddOwnTweet(text string, inReplyTo int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &Tweet{ID: s.nextID(now), User: s.self, Text: text, Lang: "en", InReplyTo: inReplyTo, CreatedAt: now}
	s.addTweet(t, s.mentionsSelf(text))
	return t.ID
}

// AddOwnDM adds a direct message from the account to a customer, as if
// sent from another client, and returns its event id.
func (s *Server) AddOwnDM(to User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.users[to.ID] = to
	d := &DM{ID: s.nextID(now), From: s.self.ID, To: to.ID, Text: text, CreatedAt: now}
	s.addDM(d)
	return d.ID
}

// mentionsSelf reports whether text mentions the account.
func (s *Server) mentionsSelf(text string) bool {
	return strings.Contains(strings.ToLower(text), "@"+strings.ToLower(s.self.ScreenName))
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Requests counts the requests received for one endpoint.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// RateLimited counts the 429 responses served.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// Replies returns the tweets the account posted through statuses/update
// or POST /2/tweets (replies or not), oldest first.
func (s *Server) Replies() []Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Tweet
	for _, id := range s.posted {
		out = append(out, *s.tweets[id])
	}
	return out
}

// DMs returns the direct messages the account sent through
// direct_messages/events/new or the v2 DM send endpoint, oldest first.
func (s *Server) DMs() []DM {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []DM
	for _, d := range s.sent {
		out = append(out, *d)
	}
	return out
}

// Follows returns the user ids the account followed, in order.
func (s *Server) Follows() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.follows...)
}

// route is what a request path names: an endpoint, the method it takes,
// its API version, and for v2 the path parameter (a user id).
type route struct {
	endpoint string
	method   string
	v2       bool
	id       string
}

// routes maps v1.1 request paths to endpoints and their HTTP methods.
var routes = map[string]route{
	"/1.1/account/verify_credentials.json":  {endpoint: VerifyCredentials, method: http.MethodGet},
	"/1.1/statuses/mentions_timeline.json":  {endpoint: MentionsTimeline, method: http.MethodGet},
	"/1.1/direct_messages/events/list.json": {endpoint: DMEventsList, method: http.MethodGet},
	"/1.1/statuses/update.json":             {endpoint: StatusesUpdate, method: http.MethodPost},
	"/1.1/direct_messages/events/new.json":  {endpoint: DMEventsNew, method: http.MethodPost},
	"/1.1/friendships/create.json":          {endpoint: FriendshipsCreate, method: http.MethodPost},
}

// lookup finds the route of a request path. An unknown path under /2/
// still comes back with v2 set, so that its 404 is a problem JSON.
func lookup(path string) (route, bool) {
	if rt, ok := routes[path]; ok {
		return rt, true
	}
	rest, ok := strings.CutPrefix(path, "/2/")
	if !ok {
		return route{}, false
	}
	get := func(endpoint, id string) (route, bool) {
		return route{endpoint: endpoint, method: http.MethodGet, v2: true, id: id}, true
	}
	post := func(endpoint, id string) (route, bool) {
		return route{endpoint: endpoint, method: http.MethodPost, v2: true, id: id}, true
	}
	p := strings.Split(rest, "/")
	switch {
	case rest == "users/me":
		return get(UsersMe, "")
	case rest == "users":
		return get(UsersLookup, "")
	case len(p) == 2 && p[0] == "users" && p[1] != "":
		return get(UserByID, p[1])
	case rest == "dm_events":
		return get(DMEvents, "")
	case rest == "tweets":
		return post(CreateTweet, "")
	case len(p) == 3 && p[0] == "users" && p[1] != "" && p[2] == "mentions":
		return get(UserMentions, p[1])
	case len(p) == 4 && p[0] == "dm_conversations" && p[1] == "with" && p[2] != "" && p[3] == "messages":
		return post(DMSend, p[2])
	}
	return route{v2: true}, false
}

// fail answers an error in the route's dialect: v1.1's errors array with
// code and msg, or a v2 problem whose detail is the status text, as X
// answers its generic errors (401, 404, 429, 5xx).
func (rt route) fail(status, code int, msg string) response {
	if rt.v2 {
		return problem(status, http.StatusText(status))
	}
	return apiErr(status, code, msg)
}

// response is what a handler answers: a status and a JSON body, how many
// items a list returned, and what to bill: units of the price key.
type response struct {
	status int
	body   any
	items  int
	price  string
	units  int
}

// apiErr builds Twitter's v1.1 error body.
func apiErr(status, code int, msg string) response {
	return response{status: status, body: map[string]any{
		"errors": []map[string]any{{"code": code, "message": msg}},
	}}
}

// selfServeMessage is X's answer to a v1.1 call from a self-serve account.
const selfServeMessage = "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more here: https://developer.x.com/en/portal/product"

// serve handles every request: auth, access level, rate limit, injected
// failure, then the endpoint; it bills the call and records it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Parse before taking the lock: it reads the body.
	_ = r.ParseForm()
	rt, ok := lookup(r.URL.Path)
	var body []byte
	if ok && (rt.endpoint == DMEventsNew || rt.v2 && rt.method == http.MethodPost) {
		body = readBody(r)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	call := Call{At: now, Method: r.Method, Endpoint: rt.endpoint, Query: r.Form}
	if !ok {
		call.Endpoint = r.URL.Path
	}
	h := w.Header()
	resp := func() response {
		if !ok || r.Method != rt.method {
			return rt.fail(http.StatusNotFound, 34, "Sorry, that page does not exist.")
		}
		if res, bad := s.checkAuth(r, rt); bad {
			return res
		}
		if s.selfServe && !rt.v2 && rt.endpoint != VerifyCredentials {
			return apiErr(http.StatusForbidden, 453, selfServeMessage)
		}
		call.Window = now.UnixNano() / int64(s.window)
		if limit := s.limits[rt.endpoint]; limit >= 0 {
			wc := s.windows[rt.endpoint]
			if wc == nil || wc.index != call.Window {
				wc = &windowCount{index: call.Window}
				s.windows[rt.endpoint] = wc
			}
			end := time.Unix(0, (call.Window+1)*int64(s.window))
			reset := end.Unix()
			if end.After(time.Unix(reset, 0)) {
				reset++ // round up: the client must not come back early
			}
			h.Set("x-rate-limit-limit", strconv.Itoa(limit))
			h.Set("x-rate-limit-reset", strconv.FormatInt(reset, 10))
			if wc.n >= limit {
				h.Set("x-rate-limit-remaining", "0")
				s.rateLimited++
				return rt.fail(http.StatusTooManyRequests, 88, "Rate limit exceeded")
			}
			wc.n++
			h.Set("x-rate-limit-remaining", strconv.Itoa(limit-wc.n))
		}
		if q := s.failNext[rt.endpoint]; len(q) > 0 {
			s.failNext[rt.endpoint] = q[1:]
			return rt.fail(q[0], 131, "Internal error")
		}
		switch rt.endpoint {
		case VerifyCredentials:
			return response{status: http.StatusOK, body: s.wireUser(s.self)}
		case MentionsTimeline:
			return s.mentionsTimeline(r.Form)
		case DMEventsList:
			return s.dmList(r.Form)
		case StatusesUpdate:
			return s.update(r.Form, now)
		case DMEventsNew:
			return s.dmNew(body, now)
		case FriendshipsCreate:
			return s.follow(r.Form)
		case UsersMe:
			return s.usersMe(r.URL.Query())
		case UserMentions:
			return s.userMentions(rt.id, r.URL.Query())
		case DMEvents:
			return s.dmEvents(r.URL.Query(), now)
		case CreateTweet:
			return s.createTweet(body, now)
		case DMSend:
			return s.dmSend(rt.id, body, now)
		case UsersLookup:
			return s.usersLookup(r.URL.Query())
		case UserByID:
			return s.userByID(rt.id, r.URL.Query())
		}
		return rt.fail(http.StatusNotFound, 34, "Sorry, that page does not exist.")
	}()
	call.Status, call.Items = resp.status, resp.items
	if resp.status/100 == 2 && resp.price != "" {
		call.Cost = s.prices[resp.price] * int64(resp.units)
		s.bill[rt.endpoint] += call.Cost
	}
	s.calls = append(s.calls, call)
	switch {
	case !rt.v2:
		h.Set("Content-Type", "application/json;charset=utf-8")
	case resp.status >= 400:
		h.Set("Content-Type", "application/problem+json")
	default:
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(resp.status)
	_ = json.NewEncoder(w).Encode(resp.body)
}

// readBody reads a request body of at most 1 MiB.
func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return b
}

// checkAuth verifies the OAuth Authorization header's consumer key and
// token, and answers in the route's dialect. s.mu must be held.
func (s *Server) checkAuth(r *http.Request, rt route) (response, bool) {
	p := oauthParams(r.Header.Get("Authorization"))
	switch {
	case p == nil || p["oauth_consumer_key"] != s.consumerKey || p["oauth_signature"] == "":
		return rt.fail(http.StatusUnauthorized, 32, "Could not authenticate you."), true
	case p["oauth_token"] != s.token:
		return rt.fail(http.StatusUnauthorized, 89, "Invalid or expired token."), true
	}
	return response{}, false
}

// oauthParams parses an `OAuth k="v", …` header, or returns nil.
func oauthParams(h string) map[string]string {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil
	}
	out := make(map[string]string)
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			continue
		}
		out[k] = v
	}
	return out
}

// intParam reads an integer form value, 0 when absent or invalid.
func intParam(q url.Values, k string) int64 {
	n, _ := strconv.ParseInt(q.Get(k), 10, 64)
	return n
}

// pageSize reads count with Twitter's default and maximum.
func pageSize(q url.Values, def, most int) int {
	n := int(intParam(q, "count"))
	switch {
	case n <= 0:
		return def
	case n > most:
		return most
	}
	return n
}

// mentionsTimeline serves statuses/mentions_timeline. s.mu must be held.
func (s *Server) mentionsTimeline(q url.Values) response {
	count := pageSize(q, 20, 200)
	since, maxID := intParam(q, "since_id"), intParam(q, "max_id")
	extended := q.Get("tweet_mode") == "extended"
	out := []any{}
	for i := len(s.mentions) - 1; i >= 0 && len(out) < count; i-- {
		id := s.mentions[i]
		if id <= since {
			break
		}
		if maxID > 0 && id > maxID {
			continue
		}
		out = append(out, s.wireTweet(s.tweets[id], extended))
	}
	return response{status: http.StatusOK, body: out, items: len(out)}
}

// cursor encodes a list position, for the v1.1 DM cursor and the v2
// pagination_token: items with ids below before (0: from the top). The
// nonce makes each cursor string distinct, as real cursors are.
func (s *Server) cursor(before int64) string {
	s.pageNonce++
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", before, s.pageNonce)))
}

// parseCursor decodes a cursor made by cursor.
func parseCursor(c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	before, _, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(before, 10, 64)
	return n, ok && err == nil
}

// dmList serves direct_messages/events/list. s.mu must be held.
func (s *Server) dmList(q url.Values) response {
	count := pageSize(q, 20, 50)
	var before int64
	if c := q.Get("cursor"); c != "" {
		var ok bool
		if before, ok = parseCursor(c); !ok {
			return apiErr(http.StatusBadRequest, 44, "cursor parameter is invalid.")
		}
	}
	if s.emptyDMPages > 0 {
		s.emptyDMPages--
		return response{status: http.StatusOK, body: map[string]any{"events": []any{}, "next_cursor": s.cursor(before)}}
	}
	events := []any{}
	var last int64
	more := false
	for i := len(s.dms) - 1; i >= 0; i-- {
		d := s.dms[i]
		if before > 0 && d.ID >= before {
			continue
		}
		if len(events) == count {
			more = true
			break
		}
		events = append(events, wireDM(d))
		last = d.ID
	}
	body := map[string]any{"events": events}
	if more {
		body["next_cursor"] = s.cursor(last)
	}
	return response{status: http.StatusOK, body: body, items: len(events)}
}

// update serves statuses/update. s.mu must be held.
func (s *Server) update(q url.Values, now time.Time) response {
	text := q.Get("status")
	switch {
	case text == "":
		return apiErr(http.StatusForbidden, 170, "Missing required parameter: status.")
	case twittertext.Length(text) > twittertext.MaxLength:
		// Twitter weighs the text (links count 23), as the router does.
		return apiErr(http.StatusForbidden, 186, "Tweet needs to be a bit shorter.")
	}
	reply := intParam(q, "in_reply_to_status_id")
	if _, ok := s.tweets[reply]; reply != 0 && !ok {
		return apiErr(http.StatusForbidden, 385, "You attempted to reply to a Tweet that is deleted or not visible to you.")
	}
	t := &Tweet{
		ID: s.nextID(now), User: s.self, Text: text, Lang: "en", InReplyTo: reply, CreatedAt: now,
		AutoPopulateReplyMetadata: q.Get("auto_populate_reply_metadata") == "true",
	}
	// Twitter compares the tweet as published: with
	// auto_populate_reply_metadata the @mention of the author answered is
	// part of it, so the same text to two customers is no duplicate.
	for _, id := range s.ours {
		if s.published(s.tweets[id]) == s.published(t) {
			return apiErr(http.StatusForbidden, 187, "Status is a duplicate.")
		}
	}
	s.addTweet(t, s.mentionsSelf(text))
	s.posted = append(s.posted, t.ID)
	return response{status: http.StatusOK, body: s.wireTweet(t, false)}
}

// published is the text of t as Twitter shows it: with the leading
// @mention that auto_populate_reply_metadata adds. s.mu must be held.
func (s *Server) published(t *Tweet) string {
	if !t.AutoPopulateReplyMetadata || t.InReplyTo == 0 {
		return t.Text
	}
	if to, ok := s.tweets[t.InReplyTo]; ok && to.User.ID != s.self.ID {
		return "@" + to.User.ScreenName + " " + t.Text
	}
	return t.Text
}

// dmNew serves direct_messages/events/new. s.mu must be held.
func (s *Server) dmNew(body []byte, now time.Time) response {
	var in struct {
		Event struct {
			Type          string `json:"type"`
			MessageCreate struct {
				Target struct {
					RecipientID json.RawMessage `json:"recipient_id"`
				} `json:"target"`
				MessageData struct {
					Text string `json:"text"`
				} `json:"message_data"`
			} `json:"message_create"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Event.Type != "message_create" {
		return apiErr(http.StatusBadRequest, 214, "Event type is missing or invalid.")
	}
	raw := strings.Trim(string(in.Event.MessageCreate.Target.RecipientID), `"`)
	to, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil || to <= 0:
		return apiErr(http.StatusBadRequest, 214, "event.message_create.target.recipient_id: not a user id.")
	case to == s.self.ID:
		return apiErr(http.StatusForbidden, 349, "You cannot send messages to this user.")
	case in.Event.MessageCreate.MessageData.Text == "":
		return apiErr(http.StatusBadRequest, 214, "event.message_create.message_data.text: is empty.")
	}
	d := &DM{ID: s.nextID(now), From: s.self.ID, To: to, Text: in.Event.MessageCreate.MessageData.Text, CreatedAt: now}
	s.addDM(d)
	s.sent = append(s.sent, d)
	return response{status: http.StatusOK, body: map[string]any{"event": wireDM(d)}}
}

// follow serves friendships/create. s.mu must be held.
func (s *Server) follow(q url.Values) response {
	id := intParam(q, "user_id")
	if id == 0 {
		name := q.Get("screen_name")
		for uid, u := range s.users {
			if name != "" && strings.EqualFold(u.ScreenName, name) {
				id = uid
			}
		}
	}
	switch {
	case id <= 0:
		return apiErr(http.StatusNotFound, 108, "Cannot find specified user.")
	case id == s.self.ID:
		return apiErr(http.StatusForbidden, 158, "You can't follow yourself.")
	}
	u := s.user(id)
	s.follows = append(s.follows, id)
	body := s.wireUser(u)
	body["following"] = true
	return response{status: http.StatusOK, body: body}
}

// wireUser renders a user object.
func (s *Server) wireUser(u User) map[string]any {
	return map[string]any{
		"id": u.ID, "id_str": u.IDStr(), "name": u.Name, "screen_name": u.ScreenName,
		"protected": false, "verified": false, "followers_count": 0, "friends_count": 0,
		"lang": nil, "created_at": "Mon Jan 02 15:04:05 +0000 2012", "following": false,
	}
}

// wireTweet renders a tweet in extended mode (full_text,
// display_text_range) or compat mode (text cut at 140 characters).
func (s *Server) wireTweet(t *Tweet, extended bool) map[string]any {
	m := map[string]any{
		"created_at":                t.CreatedAt.UTC().Format(time.RubyDate),
		"id":                        t.ID,
		"id_str":                    strconv.FormatInt(t.ID, 10),
		"user":                      s.wireUser(t.User),
		"lang":                      t.Lang,
		"source":                    `<a href="https://example.invalid" rel="nofollow">twfake</a>`,
		"in_reply_to_status_id":     nil,
		"in_reply_to_status_id_str": nil,
		"in_reply_to_user_id":       nil,
		"in_reply_to_user_id_str":   nil,
		"in_reply_to_screen_name":   nil,
		"entities":                  map[string]any{"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": []any{}},
		"retweet_count":             0,
		"favorite_count":            0,
		"favorited":                 false,
		"retweeted":                 false,
		"is_quote_status":           false,
		"truncated":                 false,
	}
	if t.InReplyTo != 0 {
		m["in_reply_to_status_id"] = t.InReplyTo
		m["in_reply_to_status_id_str"] = strconv.FormatInt(t.InReplyTo, 10)
		if p, ok := s.tweets[t.InReplyTo]; ok {
			m["in_reply_to_user_id"] = p.User.ID
			m["in_reply_to_user_id_str"] = p.User.IDStr()
			m["in_reply_to_screen_name"] = p.User.ScreenName
		}
	}
	if t.RetweetOf != 0 {
		if orig, ok := s.tweets[t.RetweetOf]; ok {
			m["retweeted_status"] = s.wireTweet(orig, extended)
		} else {
			m["retweeted_status"] = map[string]any{"id": t.RetweetOf, "id_str": strconv.FormatInt(t.RetweetOf, 10)}
		}
	}
	if t.QuoteOf != 0 {
		m["is_quote_status"] = true
		m["quoted_status_id"] = t.QuoteOf
		m["quoted_status_id_str"] = strconv.FormatInt(t.QuoteOf, 10)
		if q, ok := s.tweets[t.QuoteOf]; ok {
			m["quoted_status"] = s.wireTweet(q, extended)
		}
	}
	n := utf8.RuneCountInString(t.Text)
	if extended {
		m["full_text"] = t.Text
		m["display_text_range"] = []int{0, n}
		return m
	}
	text := t.Text
	if n > 140 {
		text = string([]rune(text)[:139]) + "…"
		m["truncated"] = true
	}
	m["text"] = text
	return m
}

// wireDM renders a DM event.
func wireDM(d *DM) map[string]any {
	return map[string]any{
		"type":              "message_create",
		"id":                strconv.FormatInt(d.ID, 10),
		"created_timestamp": strconv.FormatInt(d.CreatedAt.UnixMilli(), 10),
		"message_create": map[string]any{
			"target":    map[string]any{"recipient_id": strconv.FormatInt(d.To, 10)},
			"sender_id": strconv.FormatInt(d.From, 10),
			"message_data": map[string]any{
				"text":     d.Text,
				"entities": map[string]any{"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": []any{}},
			},
		},
	}
}
