package store

import (
	"context"
	"fmt"
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

// ProfilesDue implements Profiles. The partial index customers_profile_due
// holds only the customers who wrote since their last look-up.
func (s *sqlStore) ProfilesDue(ctx context.Context, p inbox.Platform, staleBefore time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var ids []string
	err := s.r.SelectContext(ctx, &ids, s.rb(`SELECT external_id FROM customers
		WHERE platform = ? AND profile_due IS NOT NULL AND (profile_at IS NULL OR profile_at < ?)
		ORDER BY COALESCE(profile_at, 0), id LIMIT ?`), string(p), staleBefore.UnixNano(), min(limit, maxLimit))
	if err != nil {
		return nil, fmt.Errorf("listing %s profiles due: %w", p, err)
	}
	return ids, nil
}

// SetProfiles implements Profiles, in one transaction.
func (s *sqlStore) SetProfiles(ctx context.Context, p inbox.Platform, at time.Time, profiles []Profile) error {
	for _, pr := range profiles {
		if pr.ExternalID == "" || !storable(pr.ExternalID) || !storable(pr.Handle) || !storable(pr.Name) || !storable(pr.AvatarURL) {
			return fmt.Errorf("setting %s profiles: %w: profile of %q", p, ErrInvalid, pr.ExternalID)
		}
	}
	err := s.inTx(ctx, func(q *txq) error {
		for _, pr := range profiles {
			if pr.Gone {
				pr.Handle, pr.Name, pr.AvatarURL = "", "", ""
			}
			if _, err := q.exec(ctx, `UPDATE customers SET
					handle = CASE WHEN ? <> '' THEN ? ELSE handle END,
					name = CASE WHEN ? <> '' THEN ? ELSE name END,
					avatar_url = CASE WHEN ? <> '' THEN ? ELSE avatar_url END,
					profile_at = ?, profile_due = NULL
				WHERE platform = ? AND external_id = ?`,
				pr.Handle, pr.Handle, pr.Name, pr.Name, pr.AvatarURL, pr.AvatarURL,
				at.UnixNano(), string(p), pr.ExternalID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("setting %s profiles: %w", p, err)
	}
	return nil
}
