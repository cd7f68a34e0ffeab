package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/store"
)

// Customer profiles: Meta's User Profile API gives the Page, for the PSID
// of someone who wrote to it, GET /{psid}?fields=name,profile_pic (Meta
// documents id, name, first_name, last_name and profile_pic as the fields
// every approved app may read; testdata/README.md cites the page). The
// Graph API takes one PSID per call (several ids in one call is a legacy
// feature), so each look-up waits its turn in the Page's request budget.
// Polling already names Messenger customers; the look-up adds the
// picture, and names customers a webhook delivery left unnamed.

var _ connectors.ProfileSource = (*Connector)(nil)

// Graph's answers for a PSID with no profile to give.
const (
	codeNoProfile     = 2018218 // "No profile available for this user." (phone-number accounts)
	subcodeNoObject   = 33      // with code 100: the object does not exist
	codeInvalidParams = 100
)

// LookupProfiles implements connectors.ProfileSource, one Graph call per
// PSID in turn. A PSID Graph has no profile for is Gone. The first other
// failure ends the look-up: the profiles found so far are returned with it.
func (c *Connector) LookupProfiles(ctx context.Context, ids []string) ([]store.Profile, error) {
	var out []store.Profile
	for _, id := range ids {
		p, err := c.profile(ctx, id)
		var ae *apiError
		switch {
		case err == nil:
			out = append(out, p)
		case errors.As(err, &ae) && (ae.Code == codeNoProfile || ae.Subcode == codeNoProfile ||
			ae.Code == codeInvalidParams && ae.Subcode == subcodeNoObject):
			out = append(out, store.Profile{ExternalID: id, Gone: true})
		default:
			return out, err
		}
	}
	return out, nil
}

// profile reads one PSID's name and picture.
func (c *Connector) profile(ctx context.Context, psid string) (store.Profile, error) {
	res, err := c.call(ctx, "looking up a customer's profile", fb.GET, psid, fb.Params{"fields": "name,profile_pic"})
	if err != nil {
		return store.Profile{}, err
	}
	var w struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		ProfilePic string `json:"profile_pic"`
	}
	b, err := json.Marshal(res)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	if err != nil {
		return store.Profile{}, fmt.Errorf("looking up the profile of %s: %w", psid, errMalformed)
	}
	return store.Profile{ExternalID: psid, Name: w.Name, AvatarURL: w.ProfilePic}, nil
}
