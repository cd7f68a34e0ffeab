package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/spend"
	"github.com/inboxbot/inboxbot/store"
)

// Customer profiles: GET /2/users?ids=…&user.fields=name,username,
// profile_image_url names up to 100 users in one request. X bills each
// user returned as a User read (twitter.prices.user_read, $0.010), so a
// look-up asks only for as many users as the day's budget still affords,
// and none once it is spent. Users X no longer has (deleted, suspended)
// come back as partial errors naming their id, and are recorded as gone.
// testdata/v2/README.md cites the documented shapes.

// epUsers is the users lookup endpoint, for budgets, metrics and spend.
const epUsers endpoint = "users"

// MaxProfileBatch is the most ids X's users lookup takes.
const MaxProfileBatch = 100

// v2Profile is a user object with the fields a profile look-up asks for.
type v2Profile struct {
	v2User
	ProfileImageURL string `json:"profile_image_url"`
}

// v2LookupError is a partial error of a users lookup: a user that could
// not be returned.
type v2LookupError struct {
	ResourceID   string `json:"resource_id"`
	ResourceType string `json:"resource_type"`
	Value        string `json:"value"`
	Title        string `json:"title"`
	Detail       string `json:"detail"`
}

// errProfilesV11 says why profile look-ups need API v2.
var errProfilesV11 = errors.New("twitter: customer profile look-ups use X API v2 (twitter.api: v2)")

var _ connectors.ProfileSource = (*Connector)(nil)

// LookupProfiles implements connectors.ProfileSource: it asks X about at
// most MaxProfileBatch of ids, and only as many as the daily budget
// affords (an error wrapping connectors.ErrOverBudget when it affords
// none). Rate limits and rejected tokens come back as from every call.
func (c *Connector) LookupProfiles(ctx context.Context, ids []string) ([]store.Profile, error) {
	if c.cfg.API == APIv11 {
		return nil, errProfilesV11
	}
	n := c.affordable(ctx, min(len(ids), MaxProfileBatch))
	if n == 0 {
		return nil, fmt.Errorf("twitter %s: %w (%s spent today)", epUsers, connectors.ErrOverBudget, c.meter.Today(ctx))
	}
	ids = ids[:n]
	q := url.Values{"ids": {strings.Join(ids, ",")}, "user.fields": {"name,username,profile_image_url"}}
	body, err := c.get(ctx, epUsers, c.cfg.APIURL+"users?"+q.Encode())
	if err != nil {
		return nil, err
	}
	out, returned, err := decodeV2Profiles(body, ids)
	if err != nil {
		return nil, fmt.Errorf("twitter %s: %w", epUsers, err)
	}
	c.charge(ctx, epUsers, spend.Micros(returned)*spend.USD(c.prices.UserRead))
	return out, nil
}

// decodeV2Profiles reads a users lookup's answer about ids: a profile
// for each user returned, Gone for each user a partial error names; ids
// the answer does not mention are left out. It also returns how many
// user objects X billed.
func decodeV2Profiles(body []byte, ids []string) ([]store.Profile, int, error) {
	var r struct {
		Data   []v2Profile     `json:"data"`
		Errors []v2LookupError `json:"errors"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, 0, fmt.Errorf("decoding response: %w", err)
	}
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	var out []store.Profile
	for _, u := range r.Data {
		if asked[u.ID] {
			out = append(out, store.Profile{ExternalID: u.ID, Handle: u.Username, Name: u.Name, AvatarURL: u.ProfileImageURL})
			delete(asked, u.ID)
		}
	}
	for _, e := range r.Errors {
		id := e.ResourceID
		if id == "" {
			id = e.Value
		}
		if asked[id] && (e.ResourceType == "" || e.ResourceType == "user") {
			out = append(out, store.Profile{ExternalID: id, Gone: true})
			delete(asked, id)
		}
	}
	return out, len(r.Data), nil
}

// affordable returns how many of n users the rest of today's budget pays
// for: n without a budget.
func (c *Connector) affordable(ctx context.Context, n int) int {
	budget := c.meter.Budget()
	if budget <= 0 {
		return n
	}
	left := budget - c.meter.Today(ctx)
	each := spend.USD(c.prices.UserRead)
	if left <= 0 {
		return 0
	}
	if each <= 0 {
		return n
	}
	return min(n, int(left/each))
}
