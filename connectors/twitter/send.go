package twitter

import (
	"context"
	"fmt"
	"strconv"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// Send performs one action and returns, as Sent.PlatformID, the id X
// gave what it created: the reply post's id, the DM event's id, or "" for
// a follow. Sent.Recipient is always "": every action names its user.
//
// Errors follow connectors.Sender: a 4xx such as a duplicate wraps
// connectors.ErrRefused and is final; a 429 is a *connectors.RateLimitError
// (not sent, safe to retry after Until); 401 wraps
// connectors.ErrUnauthorized; an endpoint the access level lacks is a
// *connectors.ForbiddenError; a 5xx, a network failure or an unreadable
// success is a plain error, because X may have acted: the Runner marks
// the action unknown and never sends it again. Once the daily budget is
// reached, the router's automatic actions are held back (ErrOverBudget:
// they wait for the next UTC day); agents' actions still go.
func (c *Connector) Send(ctx context.Context, a inbox.Action) (connectors.Sent, error) {
	id, err := c.send(ctx, a)
	err = refusal(err)
	if err != nil {
		c.log.Warn("twitter send failed", "kind", a.Kind, "action_id", a.ID, "err", err)
		return connectors.Sent{}, err
	}
	c.log.Info("twitter action sent", "kind", a.Kind, "action_id", a.ID, "platform_id", id)
	return connectors.Sent{PlatformID: id}, nil
}

// send checks a and hands it to the API version.
func (c *Connector) send(ctx context.Context, a inbox.Action) (string, error) {
	if !a.ByAgent() && c.meter.OverBudget(ctx) {
		return "", fmt.Errorf("twitter: %w: %s of %s spent today; automatic posts wait for tomorrow (UTC), agents' replies still go",
			connectors.ErrOverBudget, c.meter.Today(ctx), c.meter.Budget())
	}
	switch a.Kind {
	case inbox.Reply:
		if target, err := strconv.ParseInt(a.Target, 10, 64); err != nil || target <= 0 {
			return "", connectors.Refusal("reply target %q is not a tweet id", a.Target)
		}
		if a.Text == "" {
			return "", connectors.Refusal("reply has no text")
		}
		return c.api.reply(ctx, a)
	case inbox.SendDM:
		if _, err := strconv.ParseUint(a.Recipient, 10, 64); err != nil {
			return "", connectors.Refusal("DM recipient %q is not a user id", a.Recipient)
		}
		if a.Text == "" {
			return "", connectors.Refusal("DM has no text")
		}
		return c.api.sendDM(ctx, a)
	case inbox.Follow:
		return "", c.api.follow(ctx, a)
	}
	return "", connectors.Refusal("twitter cannot perform %q actions", a.Kind)
}
