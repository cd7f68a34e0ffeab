package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

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
func (s *sqlStore) SetProfiles(ctx context.Context, p inbox.Platform, at time.Time, profiles []store.Profile) error {
	for _, pr := range profiles {
		if pr.ExternalID == "" || !storable(pr.ExternalID) || !storable(pr.Handle) || !storable(pr.Name) || !storable(pr.AvatarURL) {
			return fmt.Errorf("setting %s profiles: %w: profile of %q", p, store.ErrInvalid, pr.ExternalID)
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
