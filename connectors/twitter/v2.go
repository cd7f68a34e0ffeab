package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/spend"
)

// v2 speaks X API v2 with OAuth 1.0a user context on net/http, for every
// access level. docs/architecture.md says why it is a thin client of our
// own rather than gotwi or gotwtr.
type v2 struct {
	c    *Connector
	base string // Config.APIURL, ending in '/'
}

// The v2 endpoints, named by their documented paths without the /2/.
var v2Endpoints = endpoints{
	verify:   "users/me",
	mentions: "users/:id/mentions",
	dms:      "dm_events",
	reply:    "tweets",
	dm:       "dm_conversations/with/:participant_id/messages",
	follow:   "users/:id/following",
}

// The fields the router needs, asked for on every list call.
const (
	v2TweetFields = "author_id,created_at,lang,referenced_tweets,attachments,note_tweet,conversation_id,in_reply_to_user_id"
	v2DMFields    = "event_type,created_at,sender_id,dm_conversation_id,participant_ids,attachments"
	v2UserFields  = "id,name,username"
	v2MediaFields = "media_key,type,url,preview_image_url"
)

// Page sizes: the largest each endpoint serves.
const (
	v2MentionsPageSize = 100
	v2DMPageSize       = 100
)

func (v v2) endpoints() endpoints { return v2Endpoints }

// charge meters a successful call's price.
func (v v2) charge(ctx context.Context, ep endpoint, n int, each float64) {
	v.c.charge(ctx, ep, spend.Micros(n)*spend.USD(each))
}

func (v v2) verify(ctx context.Context) (string, string, error) {
	body, err := v.c.get(ctx, v2Endpoints.verify, v.base+"users/me?user.fields=id,name,username")
	if err != nil {
		return "", "", err
	}
	v.charge(ctx, v2Endpoints.verify, 1, v.c.prices.UserRead)
	var r struct {
		Data   *v2User     `json:"data"`
		Errors []v2Problem `json:"errors"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", "", fmt.Errorf("twitter %s: decoding response: %w", v2Endpoints.verify, err)
	}
	if r.Data == nil {
		return "", "", fmt.Errorf("twitter %s: %w", v2Endpoints.verify, errV2Page)
	}
	return r.Data.ID, r.Data.Username, nil
}

// mentions pages with since_id and until_id rather than pagination_token:
// the gap's position must survive a restart, and an id does while an
// opaque token may expire. until_id is exclusive where v1.1's max_id is
// inclusive. X serves only the 800 newest mentions; a deeper gap ends at
// an empty page (the connector then logs that mentions may be missing).
func (v v2) mentions(ctx context.Context, selfID string, sinceID, maxID int64) ([]tweetItem, error) {
	q := url.Values{
		"max_results":  {strconv.Itoa(v2MentionsPageSize)},
		"tweet.fields": {v2TweetFields},
		"expansions":   {"author_id,attachments.media_keys"},
		"user.fields":  {v2UserFields},
		"media.fields": {v2MediaFields},
	}
	if sinceID > 0 {
		q.Set("since_id", strconv.FormatInt(sinceID, 10))
	}
	if maxID > 0 {
		q.Set("until_id", strconv.FormatInt(maxID+1, 10))
	}
	body, err := v.c.get(ctx, v2Endpoints.mentions, v.base+"users/"+url.PathEscape(selfID)+"/mentions?"+q.Encode())
	if err != nil {
		return nil, err
	}
	page, err := decodeV2Tweets(body)
	if err != nil {
		return nil, fmt.Errorf("twitter %s: %w", v2Endpoints.mentions, err)
	}
	v.charge(ctx, v2Endpoints.mentions, len(page.Data), v.c.prices.PostRead)
	items := make([]tweetItem, len(page.Data))
	for i := range page.Data {
		t := &page.Data[i]
		id, _ := strconv.ParseInt(t.ID, 10, 64)
		in, skip := v2Mention(t, &page.Includes, selfID)
		items[i] = tweetItem{id: id, in: in, skip: skip}
	}
	return items, nil
}

// dms reads GET /2/dm_events, newest first. It has no since_id: the
// connector pages down to its watermark. X serves the last 30 days only.
func (v v2) dms(ctx context.Context, selfID, cursor string) ([]dmItem, string, error) {
	q := url.Values{
		"event_types":     {"MessageCreate"},
		"max_results":     {strconv.Itoa(v2DMPageSize)},
		"dm_event.fields": {v2DMFields},
		"expansions":      {"sender_id,attachments.media_keys"},
		"user.fields":     {v2UserFields},
		"media.fields":    {v2MediaFields},
	}
	if cursor != "" {
		q.Set("pagination_token", cursor)
	}
	body, err := v.c.get(ctx, v2Endpoints.dms, v.base+"dm_events?"+q.Encode())
	if err != nil {
		return nil, "", err
	}
	page, err := decodeV2DMs(body)
	if err != nil {
		return nil, "", fmt.Errorf("twitter %s: %w", v2Endpoints.dms, err)
	}
	v.charge(ctx, v2Endpoints.dms, len(page.Data), v.c.prices.DMEventRead)
	items := make([]dmItem, len(page.Data))
	for i := range page.Data {
		ev := &page.Data[i]
		in, skip := v2DM(ev, &page.Includes, selfID)
		items[i] = dmItem{mark: v2MarkOf(ev), in: in, skip: skip}
	}
	return items, page.Meta.NextToken, nil
}

// reply posts with POST /2/tweets. v2 threads the reply under the target
// and shows whom it answers without @mentions in the text. Self-serve
// accounts may only reply to posts that mention or quote them; X refuses
// the others with 403, which fails the action with X's reason.
func (v v2) reply(ctx context.Context, a inbox.Action) (string, error) {
	req := map[string]any{
		"text":  a.Text,
		"reply": map[string]string{"in_reply_to_tweet_id": a.Target},
	}
	body, err := v.c.postJSON(ctx, v2Endpoints.reply, v.base+"tweets", req)
	if err != nil {
		return "", err
	}
	price := v.c.prices.PostCreate
	if twittertext.HasLink(a.Text) {
		price = v.c.prices.PostCreateURL
	}
	v.charge(ctx, v2Endpoints.reply, 1, price)
	var r struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Data.ID == "" {
		// Posted, but we cannot say which post: the outcome is not known.
		return "", fmt.Errorf("twitter POST %s: response has no post id", v2Endpoints.reply)
	}
	return r.Data.ID, nil
}

// sendDM sends with POST /2/dm_conversations/with/:participant_id/messages,
// which finds or creates the 1:1 conversation.
func (v v2) sendDM(ctx context.Context, a inbox.Action) (string, error) {
	u := v.base + "dm_conversations/with/" + url.PathEscape(a.Recipient) + "/messages"
	body, err := v.c.postJSON(ctx, v2Endpoints.dm, u, map[string]string{"text": a.Text})
	if err != nil {
		return "", err
	}
	v.charge(ctx, v2Endpoints.dm, 1, v.c.prices.DMCreate)
	var r struct {
		Data struct {
			EventID string `json:"dm_event_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Data.EventID == "" {
		return "", fmt.Errorf("twitter POST %s: response has no dm_event_id", v2Endpoints.dm)
	}
	return r.Data.EventID, nil
}

// errNoFollow is the refusal of a follow in v2 mode.
var errNoFollow = errors.New("following through the API was removed from self-serve X API access (April 2026); customers can DM the account when it accepts message requests from everyone")

func (v v2) follow(context.Context, inbox.Action) error {
	return fmt.Errorf("%w: %w", connectors.ErrRefused, errNoFollow)
}
