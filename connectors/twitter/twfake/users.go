package twfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxLookupIDs is the most ids GET /2/users takes.
const maxLookupIDs = 100

// ProfileImageURL is the avatar the fake gives user id, in the shape of
// X's (pbs.twimg.com/profile_images/…_normal.jpg).
func ProfileImageURL(id int64) string {
	return fmt.Sprintf("https://pbs.twimg.com/profile_images/%d/avatar_normal.jpg", id)
}

// RemoveUser makes user id one X no longer serves (deleted or
// suspended): users lookups answer not found.
func (s *Server) RemoveUser(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[id] = true
}

// lookupID parses a user id of a lookup, as X checks it: digits only.
func lookupID(raw string) (int64, bool) {
	id, err := strconv.ParseInt(raw, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == raw
}

// userNotFound is the partial error of a users lookup for an id X does
// not serve, as testdata/v2/users_lookup.partial_errors.response.json.
func userNotFound(raw string) map[string]any {
	return map[string]any{
		"value":         raw,
		"detail":        "Could not find user with ids: [" + raw + "].",
		"title":         "Not Found Error",
		"resource_type": "user",
		"parameter":     "ids",
		"resource_id":   raw,
		"type":          "https://api.twitter.com/2/problems/resource-not-found",
	}
}

// usersLookup serves GET /2/users. s.mu must be held.
func (s *Server) usersLookup(q url.Values) response {
	p := newQuery(q, usersLookupParams)
	fields := p.set("user.fields")
	if p.err != nil {
		return *p.err
	}
	raw := q.Get("ids")
	if raw == "" {
		return invalidRequest("ids", "", "The `ids` query parameter can not be empty")
	}
	ids := strings.Split(raw, ",")
	if len(ids) > maxLookupIDs {
		return invalidRequest("ids", raw, fmt.Sprintf("The number of values in the `ids` query parameter list [%d] is not between 1 and %d", len(ids), maxLookupIDs))
	}
	var data, errs []any
	for _, r := range ids {
		id, ok := lookupID(r)
		if !ok {
			return invalidRequest("ids", r, fmt.Sprintf("The `ids` query parameter value [%s] does not match ^[0-9]{1,19}$", r))
		}
		if s.gone[id] {
			errs = append(errs, userNotFound(r))
			continue
		}
		data = append(data, v2User(s.user(id), fields))
	}
	body := map[string]any{}
	if len(data) > 0 {
		body["data"] = data
	}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	return response{status: http.StatusOK, body: body, items: len(data), price: PriceUserRead, units: len(data)}
}

// userByID serves GET /2/users/:id. s.mu must be held.
func (s *Server) userByID(raw string, q url.Values) response {
	p := newQuery(q, usersMeParams)
	fields := p.set("user.fields")
	if p.err != nil {
		return *p.err
	}
	id, ok := lookupID(raw)
	if !ok {
		return invalidRequest("id", raw, fmt.Sprintf("The `id` query parameter value [%s] does not match ^[0-9]{1,19}$", raw))
	}
	if s.gone[id] {
		return response{status: http.StatusNotFound, body: map[string]any{
			"title":  "Not Found Error",
			"detail": fmt.Sprintf("Could not find user with id: [%s].", raw),
			"type":   "https://api.twitter.com/2/problems/resource-not-found",
			"status": http.StatusNotFound,
		}}
	}
	return response{status: http.StatusOK, body: map[string]any{"data": v2User(s.user(id), fields)},
		items: 1, price: PriceUserRead, units: 1}
}
