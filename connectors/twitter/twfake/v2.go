package twfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
)

// mentionsCap is how many of the newest mentions v2 can reach: older ones
// are gone for a client that fell behind, as on X.
const mentionsCap = 800

// dmHorizon is how far back v2 dm_events reaches.
const dmHorizon = 30 * 24 * time.Hour

// maxDMLength is the longest DM text X accepts, in characters.
const maxDMLength = 10000

// v2Time is the timestamp format of v2 objects.
const v2Time = "2006-01-02T15:04:05.000Z"

// userCreatedAt is when every fake account was created, in the v1.1
// created_at of wireUser.
var userCreatedAt = time.Date(2012, time.January, 2, 15, 4, 5, 0, time.UTC)

// problem builds a v2 error body (RFC 7807, as X sends it).
func problem(status int, detail string) response {
	return response{status: status, body: map[string]any{
		"title":  http.StatusText(status),
		"detail": detail,
		"type":   "about:blank",
		"status": status,
	}}
}

// invalidRequest builds X's 400 for a request it cannot parse: the generic
// problem plus an errors list naming the offending parameter.
func invalidRequest(param, value, msg string) response {
	e := map[string]any{"message": msg}
	if param != "" {
		e["parameters"] = map[string][]string{param: {value}}
	}
	return response{status: http.StatusBadRequest, body: map[string]any{
		"errors": []any{e},
		"title":  "Invalid Request",
		"detail": "One or more parameters to your request was invalid.",
		"type":   "https://api.twitter.com/2/problems/invalid-request",
		"status": http.StatusBadRequest,
	}}
}

// param is a query parameter a v2 endpoint accepts, with the values its
// comma-separated list may hold (nil: any value).
type param struct {
	name   string
	values []string
}

// The names X defines for the list parameters. The fake renders only some
// of them, but refuses the rest only when X would.
var (
	tweetFields = []string{
		"article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
		"conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids",
		"entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics",
		"note_tweet", "organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics",
		"referenced_tweets", "reply_settings", "scopes", "source", "withheld",
	}
	tweetExpansions = []string{
		"article.cover_media", "article.media_entities", "attachments.media_keys",
		"attachments.media_source_tweet", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
		"entities.mentions.username", "entities.note.mentions.username", "geo.place_id",
		"in_reply_to_user_id", "referenced_tweets.id", "referenced_tweets.id.attachments.media_keys",
		"referenced_tweets.id.author_id",
	}
	userFields = []string{
		"affiliation", "confirmed_email", "connection_status", "created_at", "description", "entities",
		"id", "is_identity_verified", "location", "most_recent_tweet_id", "name", "parody",
		"pinned_tweet_id", "profile_banner_url", "profile_image_url", "protected", "public_metrics",
		"receives_your_dm", "subscription", "subscription_type", "url", "username", "verified",
		"verified_followers_count", "verified_type", "withheld",
	}
	userExpansions = []string{"affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"}
	dmEventFields  = []string{
		"attachments", "created_at", "dm_conversation_id", "entities", "event_type", "id",
		"participant_ids", "referenced_tweets", "sender_id", "text",
	}
	dmExpansions = []string{"attachments.media_keys", "participant_ids", "referenced_tweets.id", "sender_id"}
	dmEventTypes = []string{"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"}
)

// The query parameters of each v2 GET endpoint. The POST endpoints take
// none.
var (
	usersMeParams = []param{
		{"expansions", userExpansions}, {"tweet.fields", tweetFields}, {"user.fields", userFields},
	}
	usersLookupParams = []param{
		{"ids", nil}, {"expansions", userExpansions}, {"tweet.fields", tweetFields}, {"user.fields", userFields},
	}
	mentionsParams = []param{
		{"since_id", nil}, {"until_id", nil}, {"max_results", nil}, {"pagination_token", nil},
		{"start_time", nil}, {"end_time", nil}, {"expansions", tweetExpansions},
		{"tweet.fields", tweetFields}, {"user.fields", userFields},
		{"media.fields", nil}, {"place.fields", nil}, {"poll.fields", nil},
	}
	dmEventsParams = []param{
		{"event_types", dmEventTypes}, {"max_results", nil}, {"pagination_token", nil},
		{"dm_event.fields", dmEventFields}, {"expansions", dmExpansions},
		{"media.fields", nil}, {"tweet.fields", tweetFields}, {"user.fields", userFields},
	}
)

// query reads a v2 request's parameters. It keeps the first invalid one
// in err, so a handler reads everything and checks once.
type query struct {
	q   url.Values
	err *response
}

// newQuery checks that q holds only the parameters listed, with list
// values X defines, as X refuses anything else with 400.
func newQuery(q url.Values, params []param) *query {
	p := &query{q: q}
	for name, vs := range q {
		i := slices.IndexFunc(params, func(p param) bool { return p.name == name })
		if i < 0 {
			names := make([]string, len(params))
			for j, p := range params {
				names[j] = p.name
			}
			p.fail(invalidRequest(name, vs[0], fmt.Sprintf("The query parameter [%s] is not one of [%s]", name, strings.Join(names, ","))))
			continue
		}
		if params[i].values == nil {
			continue
		}
		for _, v := range strings.Split(vs[0], ",") {
			if !slices.Contains(params[i].values, v) {
				p.fail(invalidRequest(name, v, fmt.Sprintf("The `%s` query parameter value [%s] is not one of [%s]", name, v, strings.Join(params[i].values, ","))))
			}
		}
	}
	return p
}

// fail keeps res if it is the first error.
func (p *query) fail(res response) {
	if p.err == nil {
		p.err = &res
	}
}

// id reads an id parameter, 0 when absent.
func (p *query) id(name string) int64 {
	v := p.q.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		p.fail(invalidRequest(name, v, fmt.Sprintf("The `%s` query parameter value [%s] is not valid", name, v)))
	}
	return n
}

// count reads a page size, def when absent, refusing values out of
// [least, most] as X does (it does not clamp).
func (p *query) count(name string, def, least, most int) int {
	v := p.q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least || n > most {
		p.fail(invalidRequest(name, v, fmt.Sprintf("The `%s` query parameter value [%s] is not between %d and %d", name, v, least, most)))
	}
	return n
}

// token reads pagination_token: the id the previous page stopped above
// (0 when absent).
func (p *query) token() int64 {
	v := p.q.Get("pagination_token")
	if v == "" {
		return 0
	}
	before, ok := parseCursor(v)
	if !ok {
		p.fail(invalidRequest("pagination_token", v, fmt.Sprintf("The `pagination_token` query parameter value [%s] is not valid", v)))
	}
	return before
}

// time reads an RFC 3339 time parameter, zero when absent.
func (p *query) time(name string) time.Time {
	v := p.q.Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.fail(invalidRequest(name, v, fmt.Sprintf("The `%s` query parameter value [%s] is not a valid RFC 3339 date-time", name, v)))
	}
	return t
}

// set reads a comma-separated list parameter as a set.
func (p *query) set(name string) map[string]bool {
	out := make(map[string]bool)
	if v := p.q.Get(name); v != "" {
		for _, f := range strings.Split(v, ",") {
			out[f] = true
		}
	}
	return out
}

// includes gathers the objects a page's expansions pull in, each once, in
// the order first met. s.mu must be held while it is used.
type includes struct {
	s               *Server
	ufields, fields map[string]bool // user.fields and tweet.fields
	users, tweets   []any
	seenUser        map[int64]bool
	seenTweet       map[int64]bool
}

// newIncludes starts the includes of a page, rendering users with
// ufields and tweets with fields.
func (s *Server) newIncludes(ufields, fields map[string]bool) *includes {
	return &includes{s: s, ufields: ufields, fields: fields, seenUser: make(map[int64]bool), seenTweet: make(map[int64]bool)}
}

// user includes the user with id.
func (in *includes) user(id int64) {
	if !in.seenUser[id] {
		in.seenUser[id] = true
		in.users = append(in.users, v2User(in.s.user(id), in.ufields))
	}
}

// tweet includes t.
func (in *includes) tweet(t *Tweet) {
	if !in.seenTweet[t.ID] {
		in.seenTweet[t.ID] = true
		in.tweets = append(in.tweets, in.s.v2Tweet(t, in.fields))
	}
}

// add puts the includes into body, if there are any: X omits the key
// rather than sending an empty object.
func (in *includes) add(body map[string]any) {
	inc := make(map[string]any)
	if len(in.users) > 0 {
		inc["users"] = in.users
	}
	if len(in.tweets) > 0 {
		inc["tweets"] = in.tweets
	}
	if len(inc) > 0 {
		body["includes"] = inc
	}
}

// usersMe serves GET /2/users/me. s.mu must be held.
func (s *Server) usersMe(q url.Values) response {
	p := newQuery(q, usersMeParams)
	fields := p.set("user.fields")
	if p.err != nil {
		return *p.err
	}
	return response{
		status: http.StatusOK, body: map[string]any{"data": v2User(s.self, fields)},
		price: PriceUserRead, units: 1,
	}
}

// userMentions serves GET /2/users/:id/mentions. s.mu must be held.
func (s *Server) userMentions(id string, q url.Values) response {
	p := newQuery(q, mentionsParams)
	since, until := p.id("since_id"), p.id("until_id")
	most := p.count("max_results", 10, 5, 100)
	before := p.token()
	start, end := p.time("start_time"), p.time("end_time")
	fields, exp, ufields := p.set("tweet.fields"), p.set("expansions"), p.set("user.fields")
	if p.err != nil {
		return *p.err
	}
	if id != s.self.IDStr() {
		// The fake knows no one else's mentions.
		return response{status: http.StatusNotFound, body: map[string]any{
			"title":  "Not Found Error",
			"detail": fmt.Sprintf("Could not find user with id: [%s].", id),
			"type":   "https://api.twitter.com/2/problems/resource-not-found",
			"status": http.StatusNotFound,
		}}
	}
	ids := s.mentions
	if len(ids) > mentionsCap {
		ids = ids[len(ids)-mentionsCap:]
	}
	var page []*Tweet
	more := false
scan:
	for i := len(ids) - 1; i >= 0; i-- {
		t := s.tweets[ids[i]]
		switch {
		case t.ID <= since:
			break scan // ids descend: nothing further down is newer
		case until > 0 && t.ID >= until, before > 0 && t.ID >= before,
			!start.IsZero() && t.CreatedAt.Before(start), !end.IsZero() && !t.CreatedAt.Before(end):
			continue
		}
		if len(page) == most {
			more = true
			break
		}
		page = append(page, t)
	}
	meta := map[string]any{"result_count": len(page)}
	body := map[string]any{"meta": meta}
	res := response{status: http.StatusOK, body: body, items: len(page), price: PricePostRead, units: len(page)}
	if len(page) == 0 {
		return res
	}
	inc := s.newIncludes(ufields, fields)
	data := make([]any, len(page))
	for i, t := range page {
		data[i] = s.v2Tweet(t, fields)
		if exp["author_id"] {
			inc.user(t.User.ID)
		}
		if parent, ok := s.tweets[t.InReplyTo]; ok && exp["in_reply_to_user_id"] {
			inc.user(parent.User.ID)
		}
		for _, ref := range []int64{t.InReplyTo, t.RetweetOf, t.QuoteOf} {
			r, ok := s.tweets[ref]
			if !ok {
				continue
			}
			if exp["referenced_tweets.id"] {
				inc.tweet(r)
			}
			if exp["referenced_tweets.id.author_id"] {
				inc.user(r.User.ID)
			}
		}
	}
	body["data"] = data
	inc.add(body)
	meta["newest_id"] = strconv.FormatInt(page[0].ID, 10)
	meta["oldest_id"] = strconv.FormatInt(page[len(page)-1].ID, 10)
	if more {
		meta["next_token"] = s.cursor(page[len(page)-1].ID)
	}
	return res
}

// dmEvents serves GET /2/dm_events. s.mu must be held.
func (s *Server) dmEvents(q url.Values, now time.Time) response {
	p := newQuery(q, dmEventsParams)
	types := p.set("event_types")
	most := p.count("max_results", 100, 1, 100)
	before := p.token()
	fields, exp, ufields := p.set("dm_event.fields"), p.set("expansions"), p.set("user.fields")
	if p.err != nil {
		return *p.err
	}
	meta := map[string]any{"result_count": 0}
	body := map[string]any{"meta": meta}
	if s.emptyDMPages > 0 {
		s.emptyDMPages--
		meta["next_token"] = s.cursor(before)
		return response{status: http.StatusOK, body: body}
	}
	var page []*DM
	more := false
	horizon := now.Add(-dmHorizon)
	for i := len(s.dms) - 1; i >= 0 && (len(types) == 0 || types["MessageCreate"]); i-- {
		d := s.dms[i]
		if d.CreatedAt.Before(horizon) || before > 0 && d.ID >= before {
			continue
		}
		if len(page) == most {
			more = true
			break
		}
		page = append(page, d)
	}
	meta["result_count"] = len(page)
	res := response{status: http.StatusOK, body: body, items: len(page), price: PriceDMEventRead, units: len(page)}
	if len(page) == 0 {
		return res
	}
	inc := s.newIncludes(ufields, nil)
	data := make([]any, len(page))
	for i, d := range page {
		data[i] = v2DM(d, fields)
		if exp["sender_id"] {
			inc.user(d.From)
		}
		if exp["participant_ids"] {
			inc.user(d.From)
			inc.user(d.To)
		}
	}
	body["data"] = data
	inc.add(body)
	if more {
		meta["next_token"] = s.cursor(page[len(page)-1].ID)
	}
	return res
}

// decodeStrict decodes a v2 JSON body into v, refusing members v does not
// declare, as X's schema validation does.
func decodeStrict(body []byte, v any) (response, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidRequest("", "", "Invalid JSON body: "+err.Error()), true
	}
	return response{}, false
}

// createTweet serves POST /2/tweets. s.mu must be held.
func (s *Server) createTweet(body []byte, now time.Time) response {
	var in struct {
		Text  *string `json:"text"`
		Reply *struct {
			InReplyToTweetID          string   `json:"in_reply_to_tweet_id"`
			ExcludeReplyUserIDs       []string `json:"exclude_reply_user_ids"`
			AutoPopulateReplyMetadata bool     `json:"auto_populate_reply_metadata"`
		} `json:"reply"`
		QuoteTweetID string `json:"quote_tweet_id"`
		// Accepted and ignored: the fake has no media, polls or settings.
		Media                 json.RawMessage `json:"media"`
		Poll                  json.RawMessage `json:"poll"`
		Geo                   json.RawMessage `json:"geo"`
		ReplySettings         string          `json:"reply_settings"`
		ForSuperFollowersOnly bool            `json:"for_super_followers_only"`
		DirectMessageDeepLink string          `json:"direct_message_deep_link"`
		Nullcast              bool            `json:"nullcast"`
		CardURI               string          `json:"card_uri"`
		CommunityID           string          `json:"community_id"`
		ShareWithFollowers    bool            `json:"share_with_followers"`
		EditOptions           json.RawMessage `json:"edit_options"`
		MadeWithAI            bool            `json:"made_with_ai"`
		PaidPartnership       bool            `json:"paid_partnership"`
	}
	if res, bad := decodeStrict(body, &in); bad {
		return res
	}
	var text string
	if in.Text != nil {
		text = *in.Text
	}
	switch {
	case strings.TrimSpace(text) == "" && in.Media == nil:
		return invalidRequest("text", text, "Post text is empty: text or media is required.")
	case twittertext.Length(text) > twittertext.MaxLength:
		// X weighs the text (links count 23), as the router does.
		return invalidRequest("text", text, "Your Tweet text is too long.")
	}
	t := &Tweet{User: s.self, Text: text, Lang: "en", CreatedAt: now}
	if in.Reply != nil {
		reply, err := strconv.ParseInt(in.Reply.InReplyToTweetID, 10, 64)
		if err != nil || reply <= 0 {
			return invalidRequest("reply.in_reply_to_tweet_id", in.Reply.InReplyToTweetID, "reply.in_reply_to_tweet_id must be a post id.")
		}
		to, ok := s.tweets[reply]
		switch {
		case !ok:
			return problem(http.StatusForbidden, "You attempted to reply to a Tweet that is deleted or not visible to you.")
		case s.selfServe && !s.mayReplyTo(to):
			return problem(http.StatusForbidden, "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to. Replies are only allowed to posts that mention or quote you.")
		}
		t.InReplyTo, t.AutoPopulateReplyMetadata = reply, in.Reply.AutoPopulateReplyMetadata
	}
	if in.QuoteTweetID != "" {
		quote, err := strconv.ParseInt(in.QuoteTweetID, 10, 64)
		if err != nil || quote <= 0 {
			return invalidRequest("quote_tweet_id", in.QuoteTweetID, "quote_tweet_id must be a post id.")
		}
		if _, ok := s.tweets[quote]; !ok {
			return problem(http.StatusForbidden, "You attempted to quote a Tweet that is deleted or not visible to you.")
		}
		t.QuoteOf = quote
	}
	for _, id := range s.ours {
		if s.published(s.tweets[id]) == s.published(t) {
			return problem(http.StatusForbidden, "You are not allowed to create a Tweet with duplicate content.")
		}
	}
	t.ID = s.nextID(now)
	s.addTweet(t, s.mentionsSelf(text))
	s.posted = append(s.posted, t.ID)
	id := strconv.FormatInt(t.ID, 10)
	return response{
		status: http.StatusCreated,
		body:   map[string]any{"data": map[string]any{"id": id, "text": text, "edit_history_tweet_ids": []string{id}}},
		price:  postPrice(text), units: 1,
	}
}

// mayReplyTo reports whether a self-serve account may reply to t: since
// February 2026 X allows programmatic replies only to posts whose author
// mentioned the account or quoted one of its posts. The fake also allows
// replies to the account's own posts, to thread. s.mu must be held.
func (s *Server) mayReplyTo(t *Tweet) bool {
	if t.User.ID == s.self.ID || s.mentionsSelf(t.Text) {
		return true
	}
	if _, found := slices.BinarySearch(s.mentions, t.ID); found {
		return true
	}
	q, ok := s.tweets[t.QuoteOf]
	return ok && q.User.ID == s.self.ID
}

// dmSend serves POST /2/dm_conversations/with/:participant_id/messages.
// s.mu must be held.
func (s *Server) dmSend(participant string, body []byte, now time.Time) response {
	var in struct {
		Text        string          `json:"text"`
		Attachments json.RawMessage `json:"attachments"`
	}
	if res, bad := decodeStrict(body, &in); bad {
		return res
	}
	to, err := strconv.ParseInt(participant, 10, 64)
	switch {
	case err != nil || to <= 0:
		return invalidRequest("participant_id", participant, fmt.Sprintf("The `participant_id` path parameter value [%s] is not valid", participant))
	case to == s.self.ID:
		return problem(http.StatusForbidden, "You cannot send a Direct Message to yourself.")
	case strings.TrimSpace(in.Text) == "" && in.Attachments == nil:
		return invalidRequest("text", in.Text, "text or attachments is required.")
	case utf8.RuneCountInString(in.Text) > maxDMLength:
		return invalidRequest("text", in.Text, fmt.Sprintf("text is longer than %d characters.", maxDMLength))
	}
	d := &DM{ID: s.nextID(now), From: s.self.ID, To: to, Text: in.Text, CreatedAt: now}
	s.addDM(d)
	s.sent = append(s.sent, d)
	return response{
		status: http.StatusCreated,
		body: map[string]any{"data": map[string]any{
			"dm_conversation_id": conversationID(d.From, d.To),
			"dm_event_id":        strconv.FormatInt(d.ID, 10),
		}},
		price: PriceDMCreate, units: 1,
	}
}

// conversationID is the id of the one-to-one DM conversation of a and b:
// both user ids, smaller first, joined by a dash, as X names them.
func conversationID(a, b int64) string {
	a, b = min(a, b), max(a, b)
	return strconv.FormatInt(a, 10) + "-" + strconv.FormatInt(b, 10)
}

// v2User renders a v2 user object: id, name and username always, plus the
// user.fields the fake knows.
func v2User(u User, fields map[string]bool) map[string]any {
	m := map[string]any{"id": u.IDStr(), "name": u.Name, "username": u.ScreenName}
	if fields["created_at"] {
		m["created_at"] = userCreatedAt.Format(v2Time)
	}
	if fields["description"] {
		m["description"] = ""
	}
	if fields["protected"] {
		m["protected"] = false
	}
	if fields["verified"] {
		m["verified"] = false
	}
	if fields["profile_image_url"] {
		m["profile_image_url"] = ProfileImageURL(u.ID)
	}
	return m
}

// v2Tweet renders a v2 tweet object: id, text and edit_history_tweet_ids
// always, plus the tweet.fields asked for. s.mu must be held.
func (s *Server) v2Tweet(t *Tweet, fields map[string]bool) map[string]any {
	id := strconv.FormatInt(t.ID, 10)
	text, cut := cutText(t.Text, twittertext.MaxLength)
	m := map[string]any{"id": id, "text": text, "edit_history_tweet_ids": []string{id}}
	if fields["author_id"] {
		m["author_id"] = t.User.IDStr()
	}
	if fields["created_at"] {
		m["created_at"] = t.CreatedAt.UTC().Format(v2Time)
	}
	if fields["conversation_id"] {
		m["conversation_id"] = strconv.FormatInt(s.conversationRoot(t), 10)
	}
	if fields["lang"] {
		m["lang"] = t.Lang
	}
	if p, ok := s.tweets[t.InReplyTo]; ok && fields["in_reply_to_user_id"] {
		m["in_reply_to_user_id"] = p.User.IDStr()
	}
	if fields["referenced_tweets"] {
		var refs []map[string]string
		for _, r := range []struct {
			kind string
			id   int64
		}{{"replied_to", t.InReplyTo}, {"retweeted", t.RetweetOf}, {"quoted", t.QuoteOf}} {
			if r.id != 0 {
				refs = append(refs, map[string]string{"type": r.kind, "id": strconv.FormatInt(r.id, 10)})
			}
		}
		if refs != nil {
			m["referenced_tweets"] = refs
		}
	}
	if cut && fields["note_tweet"] {
		m["note_tweet"] = map[string]any{"text": t.Text}
	}
	return m
}

// conversationRoot is the id of the tweet that started t's conversation:
// the top of its reply chain, or the first tweet answered that the fake
// does not know. s.mu must be held.
func (s *Server) conversationRoot(t *Tweet) int64 {
	// The bound guards against a cycle scripted with made-up reply ids.
	for range 1000 {
		if t.InReplyTo == 0 {
			break
		}
		p, ok := s.tweets[t.InReplyTo]
		if !ok {
			return t.InReplyTo
		}
		t = p
	}
	return t.ID
}

// v2DM renders a v2 DM event: id, event_type and text always, plus the
// dm_event.fields asked for.
func v2DM(d *DM, fields map[string]bool) map[string]any {
	m := map[string]any{"id": strconv.FormatInt(d.ID, 10), "event_type": "MessageCreate", "text": d.Text}
	if fields["created_at"] {
		m["created_at"] = d.CreatedAt.UTC().Format(v2Time)
	}
	if fields["sender_id"] {
		m["sender_id"] = strconv.FormatInt(d.From, 10)
	}
	if fields["dm_conversation_id"] {
		m["dm_conversation_id"] = conversationID(d.From, d.To)
	}
	return m
}

// cutText cuts s to at most most weighted characters, ending it with an
// ellipsis, and reports whether it had to: the text v2 shows of a long
// post (a note tweet), whose whole text is in note_tweet.
func cutText(s string, most int) (string, bool) {
	if twittertext.Length(s) <= most {
		return s, false
	}
	r := []rune(s)
	cut := func(n int) string { return strings.TrimRightFunc(string(r[:n]), unicode.IsSpace) + "…" }
	// Binary search for the longest prefix that fits: cut(lo) fits, and
	// cut(hi) does not, or is the whole text.
	lo, hi := 0, len(r)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if twittertext.Length(cut(mid)) <= most {
			lo = mid
		} else {
			hi = mid
		}
	}
	return cut(lo), true
}
