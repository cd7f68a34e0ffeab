package twitter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// v11 speaks X API v1.1 through github.com/dghubble/go-twitter. X keeps
// these endpoints for Enterprise contracts only; a self-serve account gets
// 403 code 453 (see classify).
type v11 struct{ c *Connector }

// The v1.1 endpoints, named as in rate_limit_status.
var v11Endpoints = endpoints{
	verify:   "account/verify_credentials",
	mentions: "statuses/mentions_timeline",
	dms:      "direct_messages/events/list",
	reply:    "statuses/update",
	dm:       "direct_messages/events/new",
	follow:   "friendships/create",
}

// mentionsPageSize is the largest page mentions_timeline serves.
const mentionsPageSize = 200

// dmPageSize is the largest page direct_messages/events/list serves.
const dmPageSize = 50

// maxListBody caps a list response read by hand; a full page is far
// below it.
const maxListBody = 16 << 20

func (v v11) endpoints() endpoints { return v11Endpoints }

// call runs fn with a go-twitter client bound to ctx (see Connector.call).
func (v v11) call(ctx context.Context, ep endpoint, fn func(api *gotwitter.Client, hc *http.Client) (*http.Response, error)) error {
	return v.c.call(ctx, ep, func(hc *http.Client) (*http.Response, error) { return fn(gotwitter.NewClient(hc), hc) })
}

func (v v11) verify(ctx context.Context) (string, string, error) {
	var u *gotwitter.User
	err := v.call(ctx, v11Endpoints.verify, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
		u, resp, err = api.Accounts.VerifyCredentials(&gotwitter.AccountVerifyParams{
			SkipStatus: gotwitter.Bool(true), IncludeEntities: gotwitter.Bool(false),
		})
		return resp, err
	})
	if err != nil {
		return "", "", err
	}
	id := u.IDStr
	if id == "" && u.ID > 0 {
		id = strconv.FormatInt(u.ID, 10)
	}
	return id, u.ScreenName, nil
}

func (v v11) mentions(ctx context.Context, selfID string, sinceID, maxID int64) ([]tweetItem, error) {
	params := &gotwitter.MentionTimelineParams{Count: mentionsPageSize, TweetMode: "extended", SinceID: sinceID, MaxID: maxID}
	var tweets []gotwitter.Tweet
	err := v.call(ctx, v11Endpoints.mentions, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
		tweets, resp, err = api.Timelines.MentionTimeline(params)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	items := make([]tweetItem, len(tweets))
	for i := range tweets {
		in, skip := mention(&tweets[i], selfID)
		items[i] = tweetItem{id: numericID(&tweets[i]), in: in, skip: skip}
	}
	return items, nil
}

// dms fetches one page of direct_messages/events/list. It decodes the
// body itself (see decodeDMList) because go-twitter fails on an integer
// next_cursor, but goes through the same signed, rewritten transport.
func (v v11) dms(ctx context.Context, selfID, cursor string) ([]dmItem, string, error) {
	q := url.Values{"count": {strconv.Itoa(dmPageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	body, err := v.c.get(ctx, v11Endpoints.dms, twitterAPI+"direct_messages/events/list.json?"+q.Encode())
	if err != nil {
		return nil, "", err
	}
	events, next, err := decodeDMList(body)
	if err != nil {
		return nil, "", fmt.Errorf("twitter %s: %w", v11Endpoints.dms, err)
	}
	items := make([]dmItem, len(events))
	for i := range events {
		in, skip := directMessage(&events[i], selfID)
		items[i] = dmItem{mark: markOf(&events[i]), in: in, skip: skip}
	}
	return items, next, nil
}

// reply posts a.Text as a public reply to tweet a.Target. Twitter ignores
// in_reply_to_status_id unless the text mentions the author, so
// auto_populate_reply_metadata asks it to add the leading @mentions.
func (v v11) reply(ctx context.Context, a inbox.Action) (string, error) {
	target, _ := strconv.ParseInt(a.Target, 10, 64)
	var tw *gotwitter.Tweet
	err := v.call(ctx, v11Endpoints.reply, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
		tw, resp, err = api.Statuses.Update(a.Text, &gotwitter.StatusUpdateParams{
			InReplyToStatusID:         target,
			AutoPopulateReplyMetadata: gotwitter.Bool(true),
		})
		return resp, err
	})
	if err != nil {
		return "", err
	}
	if id := tweetID(tw); id != "" {
		return id, nil
	}
	// Posted, but we cannot say which tweet: the outcome is not known.
	return "", errors.New("twitter statuses/update: response has no tweet id")
}

// sendDM sends a.Text as a direct message to user a.Recipient.
func (v v11) sendDM(ctx context.Context, a inbox.Action) (string, error) {
	var ev *gotwitter.DirectMessageEvent
	err := v.call(ctx, v11Endpoints.dm, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
		ev, resp, err = api.DirectMessages.EventsNew(&gotwitter.DirectMessageEventsNewParams{
			Event: &gotwitter.DirectMessageEvent{
				Type: "message_create",
				Message: &gotwitter.DirectMessageEventMessage{
					Target: &gotwitter.DirectMessageTarget{RecipientID: a.Recipient},
					Data:   &gotwitter.DirectMessageData{Text: a.Text},
				},
			},
		})
		return resp, err
	})
	if err != nil {
		return "", err
	}
	if ev == nil || ev.ID == "" {
		return "", errors.New("twitter direct_messages/events/new: response has no event id")
	}
	return ev.ID, nil
}

// follow follows user a.Recipient.
func (v v11) follow(ctx context.Context, a inbox.Action) error {
	uid, err := strconv.ParseInt(a.Recipient, 10, 64)
	if err != nil || uid <= 0 {
		return connectors.Refusal("follow recipient %q is not a user id", a.Recipient)
	}
	return v.call(ctx, v11Endpoints.follow, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
		_, resp, err = api.Friendships.Create(&gotwitter.FriendshipCreateParams{UserID: uid})
		return resp, err
	})
}

// markOf returns the position of ev.
func markOf(ev *gotwitter.DirectMessageEvent) mark {
	ts, _ := strconv.ParseInt(ev.CreatedAt, 10, 64)
	return mark{id: ev.ID, ts: ts}
}

// readBody reads a response body of at most maxListBody bytes.
func readBody(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxListBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if len(b) > maxListBody {
		return nil, fmt.Errorf("body is over %d bytes", maxListBody)
	}
	return b, nil
}
