package store

import (
	"context"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// Customers' profiles are looked up on the platform by the connectors:
// X does not name a DM's sender in every delivery, and Messenger gives
// no avatar. A trigger (migration 0005) marks a customer due
// (customers.profile_due) on their first private message after a
// look-up; ProfilesDue lists the customers due whose profile was never
// read or is stale, and SetProfiles records what the platform said.

// Profile is what a platform says about one of its users.
type Profile struct {
	// ExternalID is the platform user id (X user id, Messenger PSID).
	ExternalID string
	// Handle, Name and AvatarURL replace the customer's when not empty.
	Handle    string
	Name      string
	AvatarURL string
	// Gone means the platform has no such user any more (deleted,
	// suspended, blocked us): the look-up is recorded, nothing changes.
	Gone bool
}

// Profiles keeps the profiles the connectors look up. Store includes it.
type Profiles interface {
	// ProfilesDue returns the platform user ids of up to limit customers
	// of p who wrote privately since their last look-up and whose profile
	// was never read or was read before staleBefore: those never read
	// first, then the stalest.
	ProfilesDue(ctx context.Context, p inbox.Platform, staleBefore time.Time, limit int) ([]string, error)
	// SetProfiles records look-ups made at at: each customer's non-empty
	// fields are replaced, and they are no longer due. Profiles of
	// unknown users are ignored. ErrInvalid for an empty id or text that
	// cannot be stored.
	SetProfiles(ctx context.Context, p inbox.Platform, at time.Time, profiles []Profile) error
}
