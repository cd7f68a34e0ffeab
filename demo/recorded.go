package demo

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// RecordedPath is where the demo serves what the fake platforms received.
const RecordedPath = "/demo/recorded"

// Recorded is what the simulated platforms received from inboxbot, and how
// far the script has got. Only what the Page and the support account sent
// is listed, never customers' text.
type Recorded struct {
	Seed int64 `json:"seed"`
	// ScriptMessages is how many script messages the demo has taken:
	// Messages(Seed, ScriptMessages) recomputes them. Some may still wait
	// for an answer, or have been given up.
	ScriptMessages int `json:"script_messages"`
	// Delivered counts script messages put on a platform.
	Delivered int `json:"delivered"`
	// Answers counts customers' answers to agents.
	Answers  int            `json:"answers"`
	Facebook FacebookRecord `json:"facebook"`
	Twitter  TwitterRecord  `json:"twitter"`
	// Events are what the demo did to the platforms (the token's expiry).
	Events []Event `json:"events"`
}

// FacebookRecord is what the fake Graph API received.
type FacebookRecord struct {
	// Messages are the Messenger messages and Private Replies the Page
	// sent; a Private Reply has CommentID or PostID set.
	Messages []FacebookMessage `json:"messages"`
	// Replies are the Page's public comments.
	Replies []FacebookReply `json:"replies"`
	// Hidden lists the customers' comments that are hidden.
	Hidden []string `json:"hidden"`
	// TokenExpired is true while the simulated Page token is expired.
	TokenExpired bool `json:"token_expired"`
}

// FacebookMessage is one message the Page sent.
type FacebookMessage struct {
	ID             string    `json:"id"`
	RecipientID    string    `json:"recipient_id"`
	CommentID      string    `json:"comment_id,omitempty"`
	PostID         string    `json:"post_id,omitempty"`
	ConversationID string    `json:"conversation_id"`
	MessagingType  string    `json:"messaging_type"`
	Tag            string    `json:"tag,omitempty"`
	Text           string    `json:"text"`
	At             time.Time `json:"at"`
}

// FacebookReply is one public comment by the Page.
type FacebookReply struct {
	ID string `json:"id"`
	// Target is the comment or post answered.
	Target string    `json:"target"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// TwitterRecord is what the fake Twitter API received.
type TwitterRecord struct {
	// Replies are the support account's tweets.
	Replies []Tweeted `json:"replies"`
	// DMs are the support account's direct messages.
	DMs []DirectMessage `json:"dms"`
	// Follows are the user ids the account followed.
	Follows []string `json:"follows"`
}

// Tweeted is one tweet by the support account. Ids are strings, as
// Twitter's id_str, so that JavaScript reads them exactly.
type Tweeted struct {
	ID        string    `json:"id"`
	InReplyTo string    `json:"in_reply_to,omitempty"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

// DirectMessage is one DM by the support account.
type DirectMessage struct {
	ID   string    `json:"id"`
	To   string    `json:"to"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// recorded collects the fakes' records.
func (t *traffic) recorded() Recorded {
	t.mu.Lock()
	r := Recorded{
		Seed: t.seed, ScriptMessages: t.taken, Delivered: t.delivered, Answers: t.answers,
		Events: slices.Clone(t.events),
	}
	r.Facebook.TokenExpired = t.expired
	commentIDs := make([]string, 0, len(t.comments))
	for id := range t.comments {
		commentIDs = append(commentIDs, id)
	}
	t.mu.Unlock()

	r.Facebook.Messages = []FacebookMessage{}
	for _, m := range t.f.fb.SentMessages() {
		r.Facebook.Messages = append(r.Facebook.Messages, FacebookMessage{
			ID: m.ID, RecipientID: m.RecipientID, CommentID: m.CommentID, PostID: m.PostID,
			ConversationID: m.ConversationID, MessagingType: m.MessagingType, Tag: m.Tag, Text: m.Text, At: m.At,
		})
	}
	r.Facebook.Replies = []FacebookReply{}
	for _, m := range t.f.fb.Replies() {
		r.Facebook.Replies = append(r.Facebook.Replies, FacebookReply{ID: m.ID, Target: m.Target, Text: m.Text, At: m.At})
	}
	r.Facebook.Hidden = []string{}
	slices.Sort(commentIDs)
	for _, id := range commentIDs {
		if t.f.fb.Hidden(id) {
			r.Facebook.Hidden = append(r.Facebook.Hidden, id)
		}
	}
	r.Twitter.Replies = []Tweeted{}
	for _, tw := range t.f.tw.Replies() {
		x := Tweeted{ID: strconv.FormatInt(tw.ID, 10), Text: tw.Text, At: tw.CreatedAt}
		if tw.InReplyTo != 0 {
			x.InReplyTo = strconv.FormatInt(tw.InReplyTo, 10)
		}
		r.Twitter.Replies = append(r.Twitter.Replies, x)
	}
	r.Twitter.DMs = []DirectMessage{}
	for _, d := range t.f.tw.DMs() {
		r.Twitter.DMs = append(r.Twitter.DMs, DirectMessage{ID: strconv.FormatInt(d.ID, 10), To: strconv.FormatInt(d.To, 10), Text: d.Text, At: d.CreatedAt})
	}
	r.Twitter.Follows = []string{}
	for _, id := range t.f.tw.Follows() {
		r.Twitter.Follows = append(r.Twitter.Follows, strconv.FormatInt(id, 10))
	}
	return r
}

// recordedServer serves RecordedPath on a loopback port of its own: the
// fakes' handlers are theirs, and the inbox's port is inboxbot's.
type recordedServer struct {
	srv *http.Server
	url string
}

func serveRecorded(t *traffic) (*recordedServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for %s: %w", RecordedPath, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+RecordedPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(t.recorded())
	})
	s := &recordedServer{
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		url: "http://" + ln.Addr().String() + RecordedPath,
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *recordedServer) Close() error { return s.srv.Close() }
