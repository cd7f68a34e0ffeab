package twitter

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// Send performs one action and returns, as Sent.PlatformID, the id Twitter
// gave what it created: the reply tweet's id, the DM event's id, or "" for
// a follow. Sent.Recipient is always "": every action names its user.
//
// Errors follow connectors.Sender: a 4xx such as 187 (duplicate) wraps
// connectors.ErrRefused and is final; a 429 is a *connectors.RateLimitError
// (not sent, safe to retry after Until); 401 and codes 32/89 wrap
// connectors.ErrUnauthorized; a 5xx, a network failure or an unreadable
// success is a plain error, because Twitter may have acted: the Runner
// marks the action unknown and never sends it again.
func (c *Connector) Send(ctx context.Context, a inbox.Action) (connectors.Sent, error) {
	var (
		id  string
		err error
	)
	switch a.Kind {
	case inbox.Reply:
		id, err = c.reply(ctx, a)
	case inbox.SendDM:
		id, err = c.sendDM(ctx, a)
	case inbox.Follow:
		err = c.follow(ctx, a)
	default:
		return connectors.Sent{}, connectors.Refusal("twitter cannot perform %q actions", a.Kind)
	}
	err = refusal(err)
	if err != nil {
		c.log.Warn("twitter send failed", "kind", a.Kind, "action_id", a.ID, "err", err)
		return connectors.Sent{}, err
	}
	c.log.Info("twitter action sent", "kind", a.Kind, "action_id", a.ID, "platform_id", id)
	return connectors.Sent{PlatformID: id}, nil
}

// reply posts a.Text as a public reply to tweet a.Target. Twitter ignores
// in_reply_to_status_id unless the text mentions the author, so
// auto_populate_reply_metadata asks it to add the leading @mentions.
func (c *Connector) reply(ctx context.Context, a inbox.Action) (string, error) {
	target, err := strconv.ParseInt(a.Target, 10, 64)
	if err != nil || target <= 0 {
		return "", connectors.Refusal("reply target %q is not a tweet id", a.Target)
	}
	if a.Text == "" {
		return "", connectors.Refusal("reply has no text")
	}
	var tw *gotwitter.Tweet
	err = c.call(ctx, epUpdate, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
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
func (c *Connector) sendDM(ctx context.Context, a inbox.Action) (string, error) {
	if _, err := strconv.ParseUint(a.Recipient, 10, 64); err != nil {
		return "", connectors.Refusal("DM recipient %q is not a user id", a.Recipient)
	}
	if a.Text == "" {
		return "", connectors.Refusal("DM has no text")
	}
	var ev *gotwitter.DirectMessageEvent
	err := c.call(ctx, epDMNew, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
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
func (c *Connector) follow(ctx context.Context, a inbox.Action) error {
	uid, err := strconv.ParseInt(a.Recipient, 10, 64)
	if err != nil || uid <= 0 {
		return connectors.Refusal("follow recipient %q is not a user id", a.Recipient)
	}
	return c.call(ctx, epFollow, func(api *gotwitter.Client, _ *http.Client) (resp *http.Response, err error) {
		_, resp, err = api.Friendships.Create(&gotwitter.FriendshipCreateParams{UserID: uid})
		return resp, err
	})
}
