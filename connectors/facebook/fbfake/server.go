package fbfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/connectors/internal/fakehook"
)

// User is a Facebook account: a customer (Page-scoped id) or the Page.
type User struct {
	ID   string
	Name string
}

// Attachment is a file attached to a message, post or comment.
type Attachment struct {
	// Type is "image", "video", "audio" or "file" (any other value is
	// passed through).
	Type string
	// URL is where the file is served.
	URL string
}

// Options configure a Server.
type Options struct {
	// PageID is the id of the Page being served. Required.
	PageID string
	// PageName is the Page's display name. Default "Test Page".
	PageName string
	// Token is the Page access token requests must carry. Default
	// "test-page-token".
	Token string
	// AppSecret, when set, makes every request carry a valid
	// appsecret_proof (hex HMAC-SHA256 of the token keyed by the secret),
	// as an app with "Require App Secret" does. It also signs webhook
	// deliveries (DefaultAppSecret when empty; see AppSecret).
	AppSecret string
	// PageSize is the page size of lists when the request has no limit.
	// Default 25, as on Facebook.
	PageSize int
	// MaxPageSize caps the limit a request may ask for. Default 100.
	MaxPageSize int
	// Now is the fake's clock, used for items added with a zero time, for
	// sent messages and for the messaging windows. Default time.Now.
	Now func() time.Time
	// NoWindows turns off the 24-hour / 7-day / private-reply checks on
	// POST /{page}/messages, so a demo can send anything.
	NoWindows bool
	// LegacyApp makes the fake serve an app created before 4 November
	// 2026, which may still use the Graph API legacy features: date/time
	// formatting (date_format, answered in RFC 3339), multi-ID requests,
	// HTTP method override, field aliases, JSONP and batch requests. By
	// default the app is new and every request using one of them is
	// refused with error 100, as Graph API v27.0 does (see LegacyCutoff).
	LegacyApp bool
	// ConversationsPerSecond is the Page's Conversations API limit (GET
	// of /{page}/conversations, of a conversation and its messages, and
	// of a message): a token bucket refilled at this many calls per
	// second, with as many in reserve, on the fake's clock. Past it a call
	// gets error 32 and X-Business-Use-Case-Usage at 100%. Default 2,
	// Meta's limit; negative means no limit.
	ConversationsPerSecond int
	// WebhookBatch caps the entries of one webhook delivery; Meta
	// batches up to 1,000. Default 1000.
	WebhookBatch int
	// WebhookRetryDelay is the wait before the first retry of a failed
	// delivery; each further retry waits twice as long, up to
	// WebhookMaxRetryDelay. Default 1s.
	WebhookRetryDelay time.Duration
	// WebhookMaxRetryDelay caps the wait between retries. Default 1m.
	WebhookMaxRetryDelay time.Duration
	// WebhookRetryFor is how long a failed delivery is retried before it
	// is dropped; Meta retries for up to 36 hours. Default 36h.
	WebhookRetryFor time.Duration
	// WebhookDisableAfter disables the subscription when deliveries have
	// failed without a break for this long, as Messenger does after
	// about an hour: the pending events are dropped and no more are
	// queued until SetWebhook subscribes again. Default 1h.
	WebhookDisableAfter time.Duration
	// DistinctPSIDs gives every user a Messenger id (PSID) that differs
	// from the id they have on comments and posts, as on Facebook, where
	// a comment's from.id is app-scoped and a message's is Page-scoped:
	// the PSID of user id X is "psid-X" (see PSID). AddMessage then
	// stores a user's messages under their PSID, and a Private Reply
	// answers recipient_id with the commenter's PSID. By default a user
	// has one id everywhere.
	DistinctPSIDs bool
	// AppID is the id of the Meta app whose tokens the fake issues and
	// accepts in the token exchange and debug_token (see setup.go).
	// Default DefaultAppID.
	AppID string
}

// Call is one request the server received. Params merge the query and
// the form body; nothing is redacted (this is a test fake).
type Call struct {
	Method string
	// Path is the request path without the version prefix, e.g.
	// "/123/feed".
	Path    string
	Version string
	Query   url.Values
	Form    url.Values
	Params  url.Values
	// Status is the HTTP status the server answered with.
	Status int
	// Code is the Graph API error code answered, 0 for a success.
	Code int
	At   time.Time
}

// SentMessage is a message the Page sent through POST /{page}/messages
// and that the fake accepted.
type SentMessage struct {
	// ID is the message_id returned.
	ID string
	// RecipientID is recipient.id (a PSID), for ordinary messages; for a
	// Private Reply, the commenter's PSID, answered as recipient_id.
	RecipientID string
	// CommentID is recipient.comment_id, for a Private Reply to a comment.
	CommentID string
	// PostID is recipient.post_id, for a Private Reply to a visitor post.
	PostID string
	// ConversationID is the Messenger conversation the message landed in.
	ConversationID string
	MessagingType  string
	Tag            string
	Text           string
	At             time.Time
}

// Reply is a public reply the Page posted with POST /{id}/comments.
type Reply struct {
	// ID is the new comment's id.
	ID string
	// Target is the comment or post replied to.
	Target string
	Text   string
	At     time.Time
}

// Usage is what the usage headers report, in percent of the budget.
type Usage struct {
	App, Page, BusinessUseCase int
	// EstimatedTimeToRegainAccess is in minutes, reported in
	// X-Business-Use-Case-Usage; non-zero means throttled.
	EstimatedTimeToRegainAccess int
}

// Fault makes matching requests fail. Zero filter fields match everything.
type Fault struct {
	// Code and Subcode form a Graph API error body. Message defaults to
	// the usual text for the code.
	Code, Subcode int
	Message       string
	// Status is the HTTP status; default 403 for permission codes (10,
	// 200-299) and 400 otherwise.
	Status int
	// Body, when set, is sent verbatim instead of an error body, e.g.
	// "<html>502 Bad Gateway</html>" with Status 502, or "{broken" with
	// Status 200 for a malformed payload.
	Body string
	// Method ("GET", "POST") and Path (a substring of the path without
	// version, e.g. "/messages" or "t_1/messages") and Query (a substring
	// of the raw query, e.g. "after=") select the requests.
	Method, Path, Query string
	// Skip lets this many matching requests through first, so a fault
	// can hit the middle of a paging run.
	Skip int
	// Times is how many matching requests fail. Default 1; negative
	// means for ever (until ClearFaults).
	Times int
}

// Server is a running fake Graph API. Create it with New; it is safe for
// concurrent use.
type Server struct {
	ts   *httptest.Server
	opts Options

	mu       sync.Mutex
	token    string
	expired  bool
	usage    Usage
	tokens   float64   // the Conversations API bucket
	bucketAt time.Time // when tokens was last refilled
	seq      int64
	custMsgs int // customer Messenger messages added
	hook     *fakehook.Sender
	convs    map[string]*conv
	messages map[string]*message
	posts    map[string]*post
	comments map[string]*comment
	faults   []*Fault
	calls    []Call
	sent     []SentMessage
	replies  []Reply
	replied  map[string]bool // targets of accepted private replies
	setup    setupState      // tokens and webhook subscriptions, see setup.go
}

type conv struct {
	id       string
	customer User
	msgs     []*message
	seq      int64
}

type message struct {
	id   string
	conv *conv
	from User
	text string
	at   time.Time
	// exact is when it was written, before Graph API's rounding to whole
	// seconds: webhooks carry milliseconds.
	exact time.Time
	seq   int64
	atts  []Attachment
	raw   json.RawMessage
}

type post struct {
	id       string
	from     User
	text     string
	at       time.Time
	seq      int64
	atts     []Attachment
	comments []*comment
}

type comment struct {
	id     string
	post   *post
	parent *comment
	from   User
	text   string
	at     time.Time
	seq    int64
	atts   []Attachment
	hidden bool
	raw    json.RawMessage
}

// New starts a fake Graph API on a local port. Close it when done.
func New(opts Options) *Server {
	if opts.PageID == "" {
		panic("fbfake: Options.PageID is required")
	}
	if opts.PageName == "" {
		opts.PageName = "Test Page"
	}
	if opts.Token == "" {
		opts.Token = "test-page-token"
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 25
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ConversationsPerSecond == 0 {
		opts.ConversationsPerSecond = 2
	}
	if opts.WebhookBatch <= 0 {
		opts.WebhookBatch = 1000
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = time.Second
	}
	if opts.WebhookMaxRetryDelay <= 0 {
		opts.WebhookMaxRetryDelay = time.Minute
	}
	if opts.WebhookRetryFor <= 0 {
		opts.WebhookRetryFor = 36 * time.Hour
	}
	if opts.WebhookDisableAfter <= 0 {
		opts.WebhookDisableAfter = time.Hour
	}
	s := &Server{
		opts:     opts,
		token:    opts.Token,
		seq:      100000000,
		convs:    map[string]*conv{},
		messages: map[string]*message{},
		posts:    map[string]*post{},
		comments: map[string]*comment{},
		replied:  map[string]bool{},
	}
	s.hook = s.newHook()
	s.ts = httptest.NewServer(s)
	return s
}

// URL returns the base URL with a trailing slash, for Session.BaseURL or
// the facebook.graph_url setting.
func (s *Server) URL() string { return s.ts.URL + "/" }

// Close shuts the server down, webhook deliveries included.
func (s *Server) Close() {
	s.hook.Close()
	s.ts.Close()
}

// Page returns the Page as a User, for adding Page-authored items.
func (s *Server) Page() User { return User{ID: s.opts.PageID, Name: s.opts.PageName} }

// Token returns the access token currently accepted.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// AppsecretProof returns the appsecret_proof expected for token.
func (s *Server) AppsecretProof(token string) string {
	return Proof(s.opts.AppSecret, token)
}

// Proof computes an appsecret_proof: hex HMAC-SHA256 of token keyed by
// appSecret.
func Proof(appSecret, token string) string {
	h := hmac.New(sha256.New, []byte(appSecret))
	h.Write([]byte(token))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) next() int64 { s.seq++; return s.seq }

func (s *Server) when(at time.Time) time.Time {
	// Facebook times have whole seconds, so items written within one
	// second share a timestamp, which clients must cope with.
	return s.exactly(at).Truncate(time.Second)
}

// exactly is at, or now when at is zero, in UTC.
func (s *Server) exactly(at time.Time) time.Time {
	if at.IsZero() {
		at = s.opts.Now()
	}
	return at.UTC()
}

// PSIDPrefix starts every PSID the server derives with DistinctPSIDs.
const PSIDPrefix = "psid-"

// PSID returns the Messenger id (Page-scoped id) of the user whose id is
// userID: with Options.DistinctPSIDs, PSIDPrefix+userID; otherwise, and
// for the Page or an id that already is a PSID, userID itself.
func (s *Server) PSID(userID string) string {
	if !s.opts.DistinctPSIDs || userID == s.opts.PageID || strings.HasPrefix(userID, PSIDPrefix) {
		return userID
	}
	return PSIDPrefix + userID
}

// messenger returns u as seen in Messenger: with its PSID.
func (s *Server) messenger(u User) User {
	u.ID = s.PSID(u.ID)
	return u
}

// AddMessage adds a Messenger message to conversation convID, creating
// the conversation (with from as the customer) if needed; an empty convID
// creates a new conversation. A zero at means now. With
// Options.DistinctPSIDs the message is from from's PSID. It returns the
// message id ("m_…"); use ConversationOf for the conversation id.
func (s *Server) AddMessage(convID string, from User, text string, at time.Time, atts ...Attachment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &message{from: s.messenger(from), text: text, at: s.when(at), exact: s.exactly(at), atts: atts}
	s.addMessage(convID, m)
	if m.from.ID != s.opts.PageID {
		s.custMsgs++
	}
	return m.id
}

// AddRawMessage adds a message whose JSON is served verbatim (a broken
// item: missing fields, wrong types…). raw must be valid JSON; for an
// invalid body use Inject with Fault.Body. at orders it in the
// conversation.
func (s *Server) AddRawMessage(convID string, raw string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addMessage(convID, &message{raw: json.RawMessage(raw), at: s.when(at)})
}

func (s *Server) addMessage(convID string, m *message) {
	c := s.convs[convID]
	if c == nil {
		if convID == "" {
			convID = "t_" + strconv.FormatInt(s.next(), 10)
		}
		c = &conv{id: convID, seq: s.next()}
		s.convs[convID] = c
	}
	if c.customer.ID == "" && m.raw == nil && m.from.ID != s.opts.PageID {
		c.customer = m.from
	}
	m.conv = c
	m.seq = s.next()
	if m.raw == nil {
		m.id = fmt.Sprintf("m_%d", m.seq)
		s.messages[m.id] = m
	}
	c.msgs = append(c.msgs, m)
	if m.raw == nil {
		s.queueMessage(m)
	}
}

// ConversationOf returns the id of the conversation of message msgID, or "".
func (s *Server) ConversationOf(msgID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.messages[msgID]; m != nil {
		return m.conv.id
	}
	return ""
}

// AddPost adds a visitor post (a customer's post on the Page) and returns
// its id ("<page id>_<n>").
func (s *Server) AddPost(from User, text string, at time.Time, atts ...Attachment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addPost(from, text, at, atts)
}

// AddPagePost adds a post by the Page itself and returns its id.
func (s *Server) AddPagePost(text string, at time.Time, atts ...Attachment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addPost(User{ID: s.opts.PageID, Name: s.opts.PageName}, text, at, atts)
}

func (s *Server) addPost(from User, text string, at time.Time, atts []Attachment) string {
	p := &post{from: from, text: text, at: s.when(at), atts: atts, seq: s.next()}
	p.id = s.opts.PageID + "_" + strconv.FormatInt(p.seq, 10)
	s.posts[p.id] = p
	s.queueFeed(s.postChange(p))
	return p.id
}

// AddComment adds a comment under postID, as a reply to parentCommentID
// when that is not empty, and returns its id ("<post object id>_<n>"). A
// zero at means now. It panics on an unknown post or parent, which is a
// bug in the test.
func (s *Server) AddComment(postID, parentCommentID string, from User, text string, at time.Time, atts ...Attachment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &comment{from: from, text: text, at: s.when(at), atts: atts}
	s.addComment(postID, parentCommentID, c)
	return c.id
}

// AddRawComment adds a comment under postID whose JSON is served verbatim
// (a broken item; raw must be valid JSON). at orders it.
func (s *Server) AddRawComment(postID string, raw string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addComment(postID, "", &comment{raw: json.RawMessage(raw), at: s.when(at)})
}

func (s *Server) addComment(postID, parentID string, c *comment) {
	p := s.posts[postID]
	if p == nil {
		panic("fbfake: unknown post " + postID)
	}
	if parentID != "" {
		c.parent = s.comments[parentID]
		if c.parent == nil {
			panic("fbfake: unknown comment " + parentID)
		}
	}
	c.post = p
	c.seq = s.next()
	_, obj, _ := strings.Cut(p.id, "_")
	c.id = obj + "_" + strconv.FormatInt(c.seq, 10)
	s.comments[c.id] = c
	p.comments = append(p.comments, c)
	if c.raw == nil {
		s.queueFeed(s.commentChange(c, "add"))
	}
}

// Inject makes requests matching f fail (see Fault).
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// InjectError makes the next n requests whose path contains path (""
// matches all) fail with a Graph API error, e.g. 613 (rate limit) or 190
// (invalid token).
func (s *Server) InjectError(code, subcode, n int, path string) {
	s.Inject(Fault{Code: code, Subcode: subcode, Times: n, Path: path})
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// ExpireToken makes the current token invalid: every request gets error
// 190/463 ("Session has expired") until SetToken.
func (s *Server) ExpireToken() {
	s.mu.Lock()
	s.expired = true
	s.mu.Unlock()
}

// SetToken makes token the one valid access token (a renewed token).
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	s.token, s.expired = token, false
	s.mu.Unlock()
}

// SetUsage sets every usage header to percent (X-App-Usage, X-Page-Usage
// and the Page's X-Business-Use-Case-Usage entry).
func (s *Server) SetUsage(percent int) {
	s.SetUsageDetail(Usage{App: percent, Page: percent, BusinessUseCase: percent})
}

// SetUsageDetail sets the usage headers one by one.
func (s *Server) SetUsageDetail(u Usage) {
	s.mu.Lock()
	s.usage = u
	s.mu.Unlock()
}

// Calls returns every request received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CustomerMessages counts the Messenger messages customers wrote
// (AddMessage from anyone but the Page), for the cost of polling per new
// message.
func (s *Server) CustomerMessages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.custMsgs
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

// SentMessages returns the messages and Private Replies the fake
// accepted, oldest first.
func (s *Server) SentMessages() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// Replies returns the public replies the fake accepted, oldest first.
func (s *Server) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reply(nil), s.replies...)
}

// Hidden reports whether comment commentID is hidden.
func (s *Server) Hidden(commentID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.comments[commentID]
	return c != nil && c.hidden
}
