package twitter

import (
	"context"

	"github.com/inboxbot/inboxbot/inbox"
)

// api is one version of the X API: the calls the connector makes, each
// returning items already mapped to inbox types. The connector keeps the
// cursors, budgets and spend; an api only speaks its wire format. v11
// (github.com/dghubble/go-twitter, Enterprise) and v2 (net/http, every
// access level) implement it.
type api interface {
	// endpoints names the resources this version calls, for budgets,
	// metrics and spend.
	endpoints() endpoints
	// verify returns the id and handle of the account the tokens belong to.
	verify(ctx context.Context) (id, handle string, err error)
	// mentions returns one page of the account's mentions with ids above
	// sinceID and at most maxID (0: no bound), newest first.
	mentions(ctx context.Context, selfID string, sinceID, maxID int64) ([]tweetItem, error)
	// dms returns one page of DM events from cursor ("" for the newest),
	// newest first, and the cursor of the next page ("" on the last).
	dms(ctx context.Context, selfID, cursor string) ([]dmItem, string, error)
	// reply posts a.Text as a public reply to tweet a.Target and returns
	// the new tweet's id.
	reply(ctx context.Context, a inbox.Action) (string, error)
	// sendDM sends a.Text to user a.Recipient and returns the event id.
	sendDM(ctx context.Context, a inbox.Action) (string, error)
	// follow follows user a.Recipient.
	follow(ctx context.Context, a inbox.Action) error
}

// endpoints are the names of one API version's resources.
type endpoints struct {
	verify, mentions, dms, reply, dm, follow endpoint
}

// tweetItem is one tweet of a mentions page: its numeric id (for paging)
// and either the item to publish or why it is skipped.
type tweetItem struct {
	id   int64
	in   inbox.Inbound
	skip string
}

// dmItem is one event of a DM page: its position (for the watermark) and
// either the item to publish or why it is skipped.
type dmItem struct {
	mark mark
	in   inbox.Inbound
	skip string
}
