package router

import (
	"context"
	"log/slog"

	"github.com/inboxbot/inboxbot/inbox"
)

// ownItems marks items written by our own account (the support account's
// tweets, the Page's posts and comments). Connectors skip them already;
// this is the second guard, so that the router never answers itself, even
// when a connector's filter misses one. An own item is still stored,
// redacted like any public text, but gets no action.
type ownItems struct {
	accounts Accounts
	log      *slog.Logger
}

// Apply sets d.own when the author is our account.
func (o ownItems) Apply(ctx context.Context, d *Decision) error {
	var id string
	var err error
	switch d.Message.Platform {
	case inbox.Twitter:
		id, err = o.accounts.TwitterID(ctx)
	case inbox.Facebook:
		id, err = o.accounts.FacebookID(ctx)
	}
	if err != nil {
		// Not knowing our id must not stop routing: the connectors skip
		// our own items, and the invitation rule asks again (and waits)
		// when it needs the id.
		o.log.DebugContext(ctx, "own account unknown", "platform", d.Message.Platform, "err", err)
		return nil
	}
	d.own = id != "" && d.Message.Author.ID == id
	return nil
}
