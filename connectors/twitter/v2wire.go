package twitter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// The X API v2 wire format, as the documentation and the recordings in
// testdata/v2 show it. Every id is a string; objects hold only the fields
// asked for (tweet.fields, dm_event.fields, user.fields), and the users
// and media they refer to come once, in includes.

// v2User is a user object.
type v2User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// v2Media is a media object (includes.media).
type v2Media struct {
	MediaKey        string `json:"media_key"`
	Type            string `json:"type"`
	URL             string `json:"url"`
	PreviewImageURL string `json:"preview_image_url"`
}

// v2Attachments lists the media keys of a post or DM event.
type v2Attachments struct {
	MediaKeys []string `json:"media_keys"`
}

// v2Tweet is a post object.
type v2Tweet struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	AuthorID  string `json:"author_id"`
	CreatedAt string `json:"created_at"`
	Lang      string `json:"lang"`
	// NoteTweet holds the whole text of a post longer than 280
	// characters; Text is then cut.
	NoteTweet *struct {
		Text string `json:"text"`
	} `json:"note_tweet"`
	ReferencedTweets []struct {
		Type string `json:"type"` // replied_to, quoted, retweeted
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Attachments *v2Attachments `json:"attachments"`
}

// v2DMEvent is a DM event object.
type v2DMEvent struct {
	ID               string         `json:"id"`
	EventType        string         `json:"event_type"` // MessageCreate, ParticipantsJoin, ParticipantsLeave
	Text             string         `json:"text"`
	SenderID         string         `json:"sender_id"`
	DMConversationID string         `json:"dm_conversation_id"`
	ParticipantIDs   []string       `json:"participant_ids"`
	CreatedAt        string         `json:"created_at"`
	Attachments      *v2Attachments `json:"attachments"`
}

// v2Includes are the objects that data refers to.
type v2Includes struct {
	Users []v2User  `json:"users"`
	Media []v2Media `json:"media"`
}

// user returns the included user with id, or nil.
func (inc *v2Includes) user(id string) *v2User {
	for i := range inc.Users {
		if inc.Users[i].ID == id {
			return &inc.Users[i]
		}
	}
	return nil
}

// media returns the included media with the keys in a, for display.
func (inc *v2Includes) media(a *v2Attachments) []inbox.Attachment {
	if a == nil {
		return nil
	}
	var out []inbox.Attachment
	for _, k := range a.MediaKeys {
		for _, m := range inc.Media {
			if m.MediaKey != k {
				continue
			}
			switch {
			case m.URL != "":
				out = append(out, inbox.Attachment{Type: mediaKind(m.Type), URL: m.URL})
			case m.PreviewImageURL != "":
				out = append(out, inbox.Attachment{Type: mediaKind(m.Type), URL: m.PreviewImageURL})
			case m.Type != "":
				out = append(out, inbox.Attachment{Type: mediaKind(m.Type)})
			}
		}
	}
	return out
}

// mediaKind maps X's media types (photo, video, animated_gif) to
// inbox.Attachment kinds; an animated GIF is served as a video. Other
// types are kept as X names them.
func mediaKind(t string) string {
	switch t {
	case "photo":
		return inbox.AttachImage
	case "video", "animated_gif":
		return inbox.AttachVideo
	}
	return t
}

// v2Meta is a list's paging information.
type v2Meta struct {
	ResultCount *int   `json:"result_count"`
	NewestID    string `json:"newest_id"`
	OldestID    string `json:"oldest_id"`
	NextToken   string `json:"next_token"`
}

// v2Problem is an error in X API v2's problem format, either the whole
// body of a failure or an entry of errors[] (partial errors, or the
// v1.1-style {"code","message"} entries that a 453 carries).
type v2Problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
	// Reason is set on client-forbidden problems, e.g. client-not-enrolled.
	Reason string `json:"reason"`
	// Code and Message are the v1.1-style fields.
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// text is the problem's most specific message.
func (p v2Problem) text() string {
	for _, s := range []string{p.Detail, p.Message, p.Title} {
		if s != "" {
			return s
		}
	}
	return ""
}

// v2Page is one page of a v2 list endpoint.
type v2Page[T any] struct {
	Data     []T         `json:"data"`
	Includes v2Includes  `json:"includes"`
	Meta     v2Meta      `json:"meta"`
	Errors   []v2Problem `json:"errors"`
}

// errV2Page means a 2xx list response that is not a page: neither data
// nor meta.result_count, only errors.
var errV2Page = errors.New("response is not a page of results")

// decodeV2Page decodes one page of a v2 list endpoint. Partial errors
// next to data (a referenced post that was deleted, say) are ignored; a
// body that is neither data nor a result count is an error.
func decodeV2Page[T any](body []byte) (v2Page[T], error) {
	var p v2Page[T]
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("decoding page: %w", err)
	}
	if p.Data == nil && p.Meta.ResultCount == nil {
		if len(p.Errors) > 0 {
			return p, fmt.Errorf("%w: %s", errV2Page, p.Errors[0].text())
		}
		return p, errV2Page
	}
	return p, nil
}

// decodeV2Tweets decodes a mentions page.
func decodeV2Tweets(body []byte) (v2Page[v2Tweet], error) { return decodeV2Page[v2Tweet](body) }

// decodeV2DMs decodes a dm_events page.
func decodeV2DMs(body []byte) (v2Page[v2DMEvent], error) { return decodeV2Page[v2DMEvent](body) }

// v2Time parses a v2 created_at (RFC 3339 with milliseconds, UTC), or
// falls back to the time in the snowflake id.
func v2Time(createdAt, id string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, createdAt); err == nil {
		return t.UTC()
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	return snowflakeTime(n)
}

// v2Mention maps one post of a mentions page to an Inbound, or returns
// why it is skipped, like mention does for v1.1.
func v2Mention(t *v2Tweet, inc *v2Includes, selfID string) (inbox.Inbound, string) {
	if id, err := strconv.ParseInt(t.ID, 10, 64); err != nil || id <= 0 || t.AuthorID == "" {
		return inbox.Inbound{}, skipMalformed
	}
	if t.AuthorID == selfID {
		return inbox.Inbound{}, skipOwn
	}
	var parent string
	for _, r := range t.ReferencedTweets {
		switch r.Type {
		case "retweeted":
			return inbox.Inbound{}, skipRetweet
		case "replied_to":
			parent = r.ID
		}
	}
	created := v2Time(t.CreatedAt, t.ID)
	if created.IsZero() {
		return inbox.Inbound{}, skipMalformed
	}
	text := t.Text
	if t.NoteTweet != nil && t.NoteTweet.Text != "" {
		text = t.NoteTweet.Text
	}
	author := inbox.Author{ID: t.AuthorID}
	if u := inc.user(t.AuthorID); u != nil {
		author.Handle, author.Name = u.Username, u.Name
	}
	return inbox.Inbound{
		V:           inbox.SchemaVersion,
		Platform:    inbox.Twitter,
		Kind:        inbox.Mention,
		ExternalID:  t.ID,
		Thread:      t.AuthorID, // one public conversation per customer, as in v1.1
		ParentID:    parent,
		Author:      author,
		Recipient:   selfID,
		Text:        text,
		Lang:        t.Lang,
		Attachments: inc.media(t.Attachments),
		CreatedAt:   created,
	}, ""
}

// v2DM maps one DM event to an Inbound, or returns why it is skipped.
func v2DM(ev *v2DMEvent, inc *v2Includes, selfID string) (inbox.Inbound, string) {
	if ev.EventType != "" && ev.EventType != "MessageCreate" {
		return inbox.Inbound{}, skipNotMessage
	}
	if ev.ID == "" || ev.SenderID == "" {
		return inbox.Inbound{}, skipMalformed
	}
	if ev.SenderID == selfID {
		return inbox.Inbound{}, skipOwn
	}
	created := v2Time(ev.CreatedAt, ev.ID)
	if created.IsZero() {
		return inbox.Inbound{}, skipMalformed
	}
	author := inbox.Author{ID: ev.SenderID}
	if u := inc.user(ev.SenderID); u != nil {
		author.Handle, author.Name = u.Username, u.Name
	}
	return inbox.Inbound{
		V:           inbox.SchemaVersion,
		Platform:    inbox.Twitter,
		Kind:        inbox.DM,
		ExternalID:  ev.ID,
		Thread:      ev.SenderID, // one private conversation per customer
		Author:      author,
		Recipient:   dmRecipient(ev, selfID),
		Text:        ev.Text,
		Attachments: inc.media(ev.Attachments),
		CreatedAt:   created,
	}, ""
}

// dmRecipient is who a customer's DM went to: the other participant of a
// 1:1 conversation, whose id is "<smaller>-<larger>", or ourselves.
func dmRecipient(ev *v2DMEvent, selfID string) string {
	a, b, ok := strings.Cut(ev.DMConversationID, "-")
	switch {
	case ok && a == ev.SenderID && b != "":
		return b
	case ok && b == ev.SenderID && a != "":
		return a
	}
	return selfID
}

// v2MarkOf returns the position of a DM event in the list.
func v2MarkOf(ev *v2DMEvent) mark {
	var ts int64
	if t := v2Time(ev.CreatedAt, ""); !t.IsZero() {
		ts = t.UnixMilli()
	}
	return mark{id: ev.ID, ts: ts}
}
