package twfake_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
)

// v2Tweet is a v2 tweet object, with every field the fake can render.
type v2Tweet struct {
	ID                  string   `json:"id"`
	Text                string   `json:"text"`
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	AuthorID            string   `json:"author_id"`
	CreatedAt           string   `json:"created_at"`
	ConversationID      string   `json:"conversation_id"`
	Lang                string   `json:"lang"`
	InReplyToUserID     string   `json:"in_reply_to_user_id"`
	ReferencedTweets    []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	NoteTweet *struct {
		Text string `json:"text"`
	} `json:"note_tweet"`
}

type v2User struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Username  string `json:"username"`
	CreatedAt string `json:"created_at"`
}

// v2Page is a page of mentions (Data) or DM events (Events).
type v2Page struct {
	Data     []v2Tweet `json:"data"`
	Includes struct {
		Users  []v2User  `json:"users"`
		Tweets []v2Tweet `json:"tweets"`
	} `json:"includes"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

func (p v2Page) ids() []string {
	var out []string
	for _, t := range p.Data {
		out = append(out, t.ID)
	}
	return out
}

// problem is a v2 error body.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
	Errors []struct {
		Message    string              `json:"message"`
		Parameters map[string][]string `json:"parameters"`
	} `json:"errors"`
}

// clock is a scenario clock a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func idStrs(ids ...int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = idStr(id)
	}
	return out
}

// mentionsURL is the v2 mentions URL of the account with query q.
func mentionsURL(fk *twfake.Server, q url.Values) string {
	return fk.URLv2() + "users/" + fk.Self().IDStr() + "/mentions?" + q.Encode()
}

var guest = twfake.User{ID: 42, ScreenName: "guest", Name: "Guest"}

func TestV2UsersMeAndAuth(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	u := fk.URLv2() + "users/me"
	var p problem
	resp := do(t, http.DefaultClient, "GET", u, "", "", &p)
	if resp.StatusCode != 401 || p.Title != "Unauthorized" || p.Detail != "Unauthorized" || p.Type != "about:blank" || p.Status != 401 {
		t.Errorf("no Authorization: %d %+v", resp.StatusCode, p)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("problem Content-Type %q", ct)
	}
	var me struct{ Data v2User }
	hc := client(fk)
	if resp := do(t, hc, "GET", u+"?user.fields=created_at", "", "", &me); resp.StatusCode != 200 || resp.Header.Get("x-rate-limit-limit") != "75" {
		t.Fatalf("users/me: %d, limit %q", resp.StatusCode, resp.Header.Get("x-rate-limit-limit"))
	}
	if want := (v2User{ID: "1000001", Name: "Hotel Help", Username: "HotelHelp", CreatedAt: "2012-01-02T15:04:05.000Z"}); me.Data != want {
		t.Errorf("users/me %+v", me.Data)
	}
	fk.ExpireToken()
	p = problem{}
	if resp := do(t, hc, "GET", u, "", "", &p); resp.StatusCode != 401 || p.Detail != "Unauthorized" {
		t.Errorf("expired token: %d %+v", resp.StatusCode, p)
	}
	// A user read per successful call; the two 401s are free.
	if fk.Bill() != 10_000 || fk.Requests(twfake.UsersMe) != 3 {
		t.Errorf("bill %d µ$ after %d calls", fk.Bill(), fk.Requests(twfake.UsersMe))
	}
}

func TestV2MentionsPaging(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	var ids []int64
	for i := range 12 {
		ids = append(ids, fk.AddMention(guest, "@HotelHelp "+strconv.Itoa(i), "en", 0))
	}
	tests := []struct {
		name  string
		query url.Values
		want  []int64
		more  bool
	}{
		{"default page of 10", url.Values{}, []int64{ids[11], ids[10], ids[9], ids[8], ids[7], ids[6], ids[5], ids[4], ids[3], ids[2]}, true},
		{"since_id is exclusive", url.Values{"since_id": {idStr(ids[8])}}, []int64{ids[11], ids[10], ids[9]}, false},
		{"until_id is exclusive", url.Values{"until_id": {idStr(ids[3])}, "max_results": {"5"}}, []int64{ids[2], ids[1], ids[0]}, false},
		{"both bounds", url.Values{"since_id": {idStr(ids[2])}, "until_id": {idStr(ids[9])}, "max_results": {"5"}}, []int64{ids[8], ids[7], ids[6], ids[5], ids[4]}, true},
		{"nothing new", url.Values{"since_id": {idStr(ids[11])}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p v2Page
			if resp := do(t, hc, "GET", mentionsURL(fk, tt.query), "", "", &p); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if !slices.Equal(p.ids(), idStrs(tt.want...)) || p.Meta.ResultCount != len(tt.want) || (p.Meta.NextToken != "") != tt.more {
				t.Errorf("got %v (meta %+v), want %v more %v", p.ids(), p.Meta, idStrs(tt.want...), tt.more)
			}
			if len(tt.want) > 0 && (p.Meta.NewestID != idStr(tt.want[0]) || p.Meta.OldestID != idStr(tt.want[len(tt.want)-1])) {
				t.Errorf("meta %+v", p.Meta)
			}
		})
	}

	// An empty page is only meta, with no data key.
	var raw map[string]json.RawMessage
	do(t, hc, "GET", mentionsURL(fk, url.Values{"since_id": {idStr(ids[11])}}), "", "", &raw)
	if len(raw) != 1 || string(raw["meta"]) != `{"result_count":0}` {
		t.Errorf("empty page %s", raw)
	}

	// pagination_token continues below the last page, with since_id kept.
	var got []string
	q := url.Values{"max_results": {"5"}, "since_id": {idStr(ids[0])}}
	for pages := 0; ; pages++ {
		var p v2Page
		do(t, hc, "GET", mentionsURL(fk, q), "", "", &p)
		got = append(got, p.ids()...)
		if p.Meta.NextToken == "" {
			if pages != 2 {
				t.Errorf("%d pages", pages+1)
			}
			break
		}
		q.Set("pagination_token", p.Meta.NextToken)
	}
	if want := idStrs(ids[11], ids[10], ids[9], ids[8], ids[7], ids[6], ids[5], ids[4], ids[3], ids[2], ids[1]); !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v", got, want)
	}
}

func TestV2MentionsCap(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	var ids []int64
	for i := range 805 {
		ids = append(ids, fk.AddMention(guest, "@HotelHelp "+strconv.Itoa(i), "en", 0))
	}
	// Even asked for everything since the first, only the 800 newest come.
	q := url.Values{"max_results": {"100"}, "since_id": {idStr(ids[0])}}
	var got []string
	for {
		var p v2Page
		do(t, hc, "GET", mentionsURL(fk, q), "", "", &p)
		got = append(got, p.ids()...)
		if p.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", p.Meta.NextToken)
	}
	if len(got) != 800 || got[0] != idStr(ids[804]) || got[799] != idStr(ids[5]) {
		t.Errorf("%d mentions, from %s to %s", len(got), got[0], got[len(got)-1])
	}
	var p v2Page
	do(t, hc, "GET", mentionsURL(fk, url.Values{"until_id": {idStr(ids[5])}}), "", "", &p)
	if p.Meta.ResultCount != 0 {
		t.Errorf("below the cap: %v", p.ids())
	}
	// Each post returned is billed.
	if want := int64(800) * twfake.DefaultPrices()[twfake.PricePostRead]; fk.Bill() != want {
		t.Errorf("bill %d, want %d", fk.Bill(), want)
	}
}

func TestV2MentionsFields(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	own := fk.AddOwnTweet("We are open all night", 0)
	reply := fk.AddMention(guest, "@HotelHelp even the bar?", "en", own)
	long := fk.AddMention(guest, "@HotelHelp "+strings.Repeat("very long complaint ", 20), "en", 0)
	rt := fk.AddRetweet(twfake.User{ID: 77, ScreenName: "fan", Name: "Fan"}, reply)

	// Without tweet.fields: id, text and edit_history_tweet_ids only.
	var raw struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	do(t, hc, "GET", mentionsURL(fk, nil), "", "", &raw)
	if len(raw.Data) != 3 || !slices.Equal(slices.Sorted(maps.Keys(raw.Data[0])), []string{"edit_history_tweet_ids", "id", "text"}) {
		t.Fatalf("default fields %v", raw.Data)
	}

	q := url.Values{
		"tweet.fields": {"author_id,created_at,conversation_id,lang,in_reply_to_user_id,referenced_tweets,note_tweet"},
		"expansions":   {"author_id,referenced_tweets.id"},
		"user.fields":  {"created_at"},
	}
	var p v2Page
	do(t, hc, "GET", mentionsURL(fk, q), "", "", &p)
	if len(p.Data) != 3 {
		t.Fatalf("%d tweets", len(p.Data))
	}
	byID := make(map[string]v2Tweet)
	for _, tw := range p.Data {
		byID[tw.ID] = tw
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", tw.CreatedAt); err != nil || !slices.Equal(tw.EditHistoryTweetIDs, []string{tw.ID}) {
			t.Errorf("tweet %+v", tw)
		}
	}
	r := byID[idStr(reply)]
	if r.AuthorID != "42" || r.InReplyToUserID != fk.Self().IDStr() || r.ConversationID != idStr(own) || r.Lang != "en" ||
		len(r.ReferencedTweets) != 1 || r.ReferencedTweets[0].Type != "replied_to" || r.ReferencedTweets[0].ID != idStr(own) {
		t.Errorf("reply %+v", r)
	}
	l := byID[idStr(long)]
	if l.NoteTweet == nil || !strings.HasPrefix(l.NoteTweet.Text, "@HotelHelp very long") || twittertext.Length(l.Text) > 280 ||
		!strings.HasSuffix(l.Text, "…") || !strings.HasPrefix(l.NoteTweet.Text, strings.TrimSuffix(l.Text, "…")) {
		t.Errorf("long tweet: text %q, note %+v", l.Text, l.NoteTweet)
	}
	if byID[idStr(reply)].NoteTweet != nil {
		t.Error("short tweet has a note_tweet")
	}
	retweet := byID[idStr(rt)]
	if retweet.Text != "RT @guest: @HotelHelp even the bar?" || len(retweet.ReferencedTweets) != 1 || retweet.ReferencedTweets[0].Type != "retweeted" {
		t.Errorf("retweet %+v", retweet)
	}
	var users []string
	for _, u := range p.Includes.Users {
		users = append(users, u.Username)
		if u.CreatedAt == "" {
			t.Errorf("user.fields ignored: %+v", u)
		}
	}
	slices.Sort(users)
	if !slices.Equal(users, []string{"fan", "guest"}) {
		t.Errorf("includes.users %v", users)
	}
	// The reply's parent (ours) and the retweet's original.
	var refs []string
	for _, tw := range p.Includes.Tweets {
		refs = append(refs, tw.ID)
	}
	slices.Sort(refs)
	if !slices.Equal(refs, idStrs(own, reply)) {
		t.Errorf("includes.tweets %v", refs)
	}
}

func TestV2InvalidRequests(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	tests := []struct {
		name, url string
		status    int
		param     string
	}{
		{"max_results too small", mentionsURL(fk, url.Values{"max_results": {"4"}}), 400, "max_results"},
		{"max_results too large", mentionsURL(fk, url.Values{"max_results": {"101"}}), 400, "max_results"},
		{"v1.1 parameter", mentionsURL(fk, url.Values{"count": {"20"}}), 400, "count"},
		{"unknown field", mentionsURL(fk, url.Values{"tweet.fields": {"created_at,full_text"}}), 400, "tweet.fields"},
		{"bad since_id", mentionsURL(fk, url.Values{"since_id": {"abc"}}), 400, "since_id"},
		{"bad token", mentionsURL(fk, url.Values{"pagination_token": {"!!"}}), 400, "pagination_token"},
		{"someone else's mentions", fk.URLv2() + "users/42/mentions", 404, ""},
		{"dm_events max_results", fk.URLv2() + "dm_events?max_results=0", 400, "max_results"},
		{"dm_events event type", fk.URLv2() + "dm_events?event_types=Bogus", 400, "event_types"},
		{"unknown endpoint", fk.URLv2() + "users/me/bookmarks", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problem
			resp := do(t, hc, "GET", tt.url, "", "", &p)
			if resp.StatusCode != tt.status || p.Status != tt.status || p.Title == "" || p.Type == "" {
				t.Fatalf("%d %+v", resp.StatusCode, p)
			}
			if tt.param != "" && (len(p.Errors) != 1 || p.Errors[0].Parameters[tt.param] == nil) {
				t.Errorf("errors %+v", p.Errors)
			}
		})
	}
	if fk.Bill() != 0 {
		t.Errorf("errors billed %d µ$", fk.Bill())
	}
}

// dmPage is a page of v2 DM events.
type dmPage struct {
	Data []struct {
		ID               string `json:"id"`
		EventType        string `json:"event_type"`
		Text             string `json:"text"`
		SenderID         string `json:"sender_id"`
		DMConversationID string `json:"dm_conversation_id"`
		CreatedAt        string `json:"created_at"`
	} `json:"data"`
	Includes struct {
		Users []v2User `json:"users"`
	} `json:"includes"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

func TestV2DMEvents(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	fk := twfake.New(twfake.Options{Now: c.Now})
	defer fk.Close()
	hc := client(fk)
	fk.AddDM(guest, "from last month")
	c.Advance(31 * 24 * time.Hour)
	var ids []int64
	for i := range 3 {
		ids = append(ids, fk.AddDM(guest, "hello "+strconv.Itoa(i)))
		c.Advance(time.Minute)
	}
	ids = append(ids, fk.AddOwnDM(guest, "our answer"))

	q := url.Values{
		"max_results":     {"2"},
		"dm_event.fields": {"id,text,event_type,created_at,sender_id,dm_conversation_id"},
		"expansions":      {"sender_id"},
		"user.fields":     {"username"},
	}
	var p1, p2 dmPage
	do(t, hc, "GET", fk.URLv2()+"dm_events?"+q.Encode(), "", "", &p1)
	if len(p1.Data) != 2 || p1.Meta.NextToken == "" || p1.Data[0].ID != idStr(ids[3]) || p1.Data[0].SenderID != fk.Self().IDStr() {
		t.Fatalf("first page %+v", p1)
	}
	d := p1.Data[1]
	if d.EventType != "MessageCreate" || d.Text != "hello 2" || d.SenderID != "42" || d.DMConversationID != "42-1000001" || d.CreatedAt != "2026-12-02T09:02:00.000Z" {
		t.Errorf("event %+v", d)
	}
	if len(p1.Includes.Users) != 2 {
		t.Errorf("includes %+v", p1.Includes)
	}
	// The month-old DM is past the 30-day horizon.
	q.Set("pagination_token", p1.Meta.NextToken)
	do(t, hc, "GET", fk.URLv2()+"dm_events?"+q.Encode(), "", "", &p2)
	if len(p2.Data) != 2 || p2.Meta.NextToken != "" || p2.Data[1].ID != idStr(ids[0]) {
		t.Fatalf("last page %+v", p2)
	}

	// An injected empty page still carries a token, which continues.
	fk.InjectEmptyDMPage()
	var empty, all dmPage
	do(t, hc, "GET", fk.URLv2()+"dm_events", "", "", &empty)
	if len(empty.Data) != 0 || empty.Meta.NextToken == "" {
		t.Fatalf("injected page %+v", empty)
	}
	do(t, hc, "GET", fk.URLv2()+"dm_events?pagination_token="+empty.Meta.NextToken, "", "", &all)
	if len(all.Data) != 4 || all.Data[0].SenderID != "" {
		t.Errorf("default page: %+v", all)
	}
	var joins dmPage
	do(t, hc, "GET", fk.URLv2()+"dm_events?event_types=ParticipantsJoin", "", "", &joins)
	if joins.Meta.ResultCount != 0 {
		t.Errorf("ParticipantsJoin: %+v", joins)
	}
	// 2 + 2 + 4 events read.
	if want := 8 * twfake.DefaultPrices()[twfake.PriceDMEventRead]; fk.Bill() != want || fk.BillByEndpoint()[twfake.DMEvents] != want {
		t.Errorf("bill %d, want %d", fk.Bill(), want)
	}
}

// created is the answer to a v2 POST.
type created struct {
	Data struct {
		ID                  string   `json:"id"`
		Text                string   `json:"text"`
		EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
		DMConversationID    string   `json:"dm_conversation_id"`
		DMEventID           string   `json:"dm_event_id"`
	} `json:"data"`
}

func TestV2CreateTweet(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	own := fk.AddOwnTweet("Our pool reopens today", 0)
	mention := fk.AddMention(guest, "@HotelHelp is the spa open?", "en", 0)
	stranger := twfake.User{ID: 99, ScreenName: "stranger", Name: "Stranger"}
	unrelated := fk.AddTweet(stranger, "hotels are all the same", "en", 0)
	quote := fk.AddQuote(stranger, "finally!", "en", own)
	quoteOther := fk.AddQuote(stranger, "so true", "en", unrelated)
	prices := twfake.DefaultPrices()
	reply := func(text string, to int64) string {
		b, _ := json.Marshal(map[string]any{"text": text, "reply": map[string]string{"in_reply_to_tweet_id": idStr(to)}})
		return string(b)
	}

	steps := []struct {
		name      string
		selfServe bool
		body      string
		status    int
		detail    string // for errors: part of the problem's detail
		cost      int64
	}{
		{"plain tweet", false, `{"text":"Breakfast is served until 11"}`, 201, "", prices[twfake.PricePostCreate]},
		{"duplicate", false, `{"text":"Breakfast is served until 11"}`, 403, "You are not allowed to create a Tweet with duplicate content.", 0},
		{"with a URL", false, `{"text":"Menu: https://example.com/menu"}`, 201, "", prices[twfake.PricePostCreateURL]},
		{"reply", false, reply("Yes, until 8pm.", mention), 201, "", prices[twfake.PricePostCreate]},
		{"reply to an unknown tweet", false, reply("Hi", 1), 403, "deleted or not visible", 0},
		{"reply to a non-id", false, `{"text":"Hi","reply":{"in_reply_to_tweet_id":"abc"}}`, 400, "", 0},
		{"too long", false, `{"text":"` + strings.Repeat("a", 281) + `"}`, 400, "", 0},
		{"unknown member", false, `{"text":"Hi","status":"Hi"}`, 400, "", 0},
		{"empty", false, `{"text":""}`, 400, "", 0},
		{"legacy may reply to anyone", false, reply("We are different!", unrelated), 201, "", prices[twfake.PricePostCreate]},
		{"self-serve: unrelated post", true, reply("We are not!", unrelated), 403, "mention or quote you", 0},
		{"self-serve: quote of another's post", true, reply("Thanks?", quoteOther), 403, "mention or quote you", 0},
		{"self-serve: mention", true, reply("Until 9pm, sorry.", mention), 201, "", prices[twfake.PricePostCreate]},
		{"self-serve: quote of ours", true, reply("Thank you!", quote), 201, "", prices[twfake.PricePostCreate]},
		{"self-serve: thread on our own", true, reply("And the sauna too.", own), 201, "", prices[twfake.PricePostCreate]},
	}
	var total int64
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			fk.SetSelfServe(st.selfServe)
			var c created
			var p problem
			var v any = &c
			if st.status >= 400 {
				v = &p
			}
			resp := do(t, hc, "POST", fk.URLv2()+"tweets", "application/json", st.body, v)
			if resp.StatusCode != st.status || resp.Header.Get("x-rate-limit-limit") != "100" {
				t.Fatalf("%d %+v %+v (limit %q)", resp.StatusCode, c, p, resp.Header.Get("x-rate-limit-limit"))
			}
			if st.status >= 400 && (p.Status != st.status || !strings.Contains(p.Detail+p.Title, st.detail)) {
				t.Errorf("problem %+v", p)
			}
			if st.status == 201 && (c.Data.ID == "" || !slices.Equal(c.Data.EditHistoryTweetIDs, []string{c.Data.ID})) {
				t.Errorf("created %+v", c)
			}
			calls := fk.Calls()
			if last := calls[len(calls)-1]; last.Endpoint != twfake.CreateTweet || last.Cost != st.cost {
				t.Errorf("call %+v, want cost %d", last, st.cost)
			}
			total += st.cost
		})
	}
	if fk.Bill() != total || fk.BillByEndpoint()[twfake.CreateTweet] != total {
		t.Errorf("bill %d, want %d", fk.Bill(), total)
	}
	// The exact duplicate answer, as X words it.
	var raw map[string]any
	do(t, hc, "POST", fk.URLv2()+"tweets", "application/json", `{"text":"Breakfast is served until 11"}`, &raw)
	if want := map[string]any{"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank", "title": "Forbidden", "status": 403.0}; !maps.Equal(raw, want) {
		t.Errorf("duplicate: %v", raw)
	}
	// v2 stores the text as given: no @mention is added to replies.
	replies := fk.Replies()
	if len(replies) != 7 || replies[2].Text != "Yes, until 8pm." || replies[2].InReplyTo != mention || replies[2].AutoPopulateReplyMetadata {
		t.Errorf("replies %+v", replies)
	}
}

func TestV2DMSend(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	fk.AddDM(guest, "is late checkout possible?")
	send := func(to, body string, v any) *http.Response {
		return do(t, hc, "POST", fk.URLv2()+"dm_conversations/with/"+to+"/messages", "application/json", body, v)
	}
	var c created
	if resp := send("42", `{"text":"Yes, until 2pm."}`, &c); resp.StatusCode != 201 || c.Data.DMConversationID != "42-1000001" || c.Data.DMEventID == "" {
		t.Fatalf("send: %d %+v", resp.StatusCode, c)
	}
	if dms := fk.DMs(); len(dms) != 1 || dms[0].To != 42 || dms[0].Text != "Yes, until 2pm." || idStr(dms[0].ID) != c.Data.DMEventID {
		t.Errorf("DMs %+v", dms)
	}
	// The DM sent is the newest event of the list.
	var p dmPage
	do(t, hc, "GET", fk.URLv2()+"dm_events?dm_event.fields=sender_id", "", "", &p)
	if len(p.Data) != 2 || p.Data[0].ID != c.Data.DMEventID || p.Data[0].SenderID != fk.Self().IDStr() {
		t.Errorf("dm_events %+v", p)
	}
	for _, tt := range []struct{ to, body string }{
		{fk.Self().IDStr(), `{"text":"hi me"}`},
		{"abc", `{"text":"hi"}`},
		{"42", `{"text":""}`},
		{"42", `{"message":"hi"}`},
	} {
		var e problem
		if resp := send(tt.to, tt.body, &e); resp.StatusCode/100 != 4 || e.Status != resp.StatusCode {
			t.Errorf("to %s %s: %d %+v", tt.to, tt.body, resp.StatusCode, e)
		}
	}
	prices := twfake.DefaultPrices()
	if want := prices[twfake.PriceDMCreate] + 2*prices[twfake.PriceDMEventRead]; fk.Bill() != want {
		t.Errorf("bill %d, want %d", fk.Bill(), want)
	}
}

func TestV2RateLimits(t *testing.T) {
	fk := twfake.New(twfake.Options{Window: time.Hour, Limits: map[string]int{twfake.UsersMe: 2, twfake.DMSend: 1}})
	defer fk.Close()
	hc := client(fk)
	u := fk.URLv2() + "users/me"
	for i, want := range []string{"1", "0"} {
		if resp := do(t, hc, "GET", u, "", "", nil); resp.StatusCode != 200 || resp.Header.Get("x-rate-limit-remaining") != want {
			t.Fatalf("request %d: %d remaining %q", i, resp.StatusCode, resp.Header.Get("x-rate-limit-remaining"))
		}
	}
	var raw map[string]any
	resp := do(t, hc, "GET", u, "", "", &raw)
	reset, _ := strconv.ParseInt(resp.Header.Get("x-rate-limit-reset"), 10, 64)
	want := map[string]any{"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429.0}
	if resp.StatusCode != 429 || !maps.Equal(raw, want) || resp.Header.Get("x-rate-limit-remaining") != "0" || resp.Header.Get("x-rate-limit-limit") != "2" || reset < time.Now().Unix() {
		t.Errorf("past the budget: %d %v, headers %v", resp.StatusCode, raw, resp.Header)
	}
	// Writes are limited too, with headers.
	dm := fk.URLv2() + "dm_conversations/with/42/messages"
	if resp := do(t, hc, "POST", dm, "application/json", `{"text":"one"}`, nil); resp.StatusCode != 201 || resp.Header.Get("x-rate-limit-remaining") != "0" {
		t.Errorf("DM send: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := do(t, hc, "POST", dm, "application/json", `{"text":"two"}`, nil); resp.StatusCode != 429 {
		t.Errorf("second DM: %d", resp.StatusCode)
	}
	// An injected failure is a problem too, and counts against the budget.
	fk.FailNext(twfake.UserMentions, 503)
	var p problem
	if resp := do(t, hc, "GET", mentionsURL(fk, nil), "", "", &p); resp.StatusCode != 503 || p.Title != "Service Unavailable" || p.Status != 503 || resp.Header.Get("x-rate-limit-remaining") != "299" {
		t.Errorf("FailNext: %d %+v", resp.StatusCode, p)
	}
	prices := twfake.DefaultPrices()
	if fk.RateLimited() != 2 || fk.Bill() != 2*prices[twfake.PriceUserRead]+prices[twfake.PriceDMCreate] {
		t.Errorf("%d rate-limited, bill %d", fk.RateLimited(), fk.Bill())
	}
}

func TestSelfServeRefusesV1(t *testing.T) {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	hc := client(fk)
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		method, path, body string
		endpoint           string
	}{
		{"GET", "statuses/mentions_timeline.json", "", twfake.MentionsTimeline},
		{"GET", "direct_messages/events/list.json", "", twfake.DMEventsList},
		{"POST", "statuses/update.json", "status=hi", twfake.StatusesUpdate},
		{"POST", "friendships/create.json?user_id=42", "", twfake.FriendshipsCreate},
	}
	for _, tt := range tests {
		var e apiErrors
		resp := do(t, hc, tt.method, fk.URL()+tt.path, form, tt.body, &e)
		if resp.StatusCode != 403 || e.code() != 453 || !strings.HasPrefix(e.Errors[0].Message, "You currently have access to a subset of X API V2 endpoints") {
			t.Errorf("%s: %d %+v", tt.path, resp.StatusCode, e)
		}
		if resp.Header.Get("x-rate-limit-limit") != "" {
			t.Errorf("%s: a refused call counted against the budget", tt.path)
		}
		calls := fk.Calls()
		if last := calls[len(calls)-1]; last.Endpoint != tt.endpoint || last.Status != 403 {
			t.Errorf("recorded %+v", last)
		}
	}
	// verify_credentials stays open (X keeps it for OAuth), and v2 works.
	if resp := do(t, hc, "GET", fk.URL()+"account/verify_credentials.json", "", "", nil); resp.StatusCode != 200 {
		t.Errorf("verify_credentials: %d", resp.StatusCode)
	}
	if resp := do(t, hc, "GET", mentionsURL(fk, nil), "", "", nil); resp.StatusCode != 200 {
		t.Errorf("v2 mentions: %d", resp.StatusCode)
	}
	if len(fk.Replies()) != 0 || len(fk.Follows()) != 0 {
		t.Error("a refused call acted")
	}
	fk.SetSelfServe(false)
	if resp := do(t, hc, "GET", fk.URL()+"statuses/mentions_timeline.json", "", "", nil); resp.StatusCode != 200 {
		t.Errorf("legacy access: %d", resp.StatusCode)
	}
}

// TestBothVersionsShareTheScenario runs v1.1 and v2 side by side over one
// scenario, as a test switching the connector's mode does.
func TestBothVersionsShareTheScenario(t *testing.T) {
	fk := twfake.New(twfake.Options{Prices: map[string]int64{twfake.PricePostRead: 7}})
	defer fk.Close()
	hc := client(fk)
	m := fk.AddMention(guest, "@HotelHelp hi", "en", 0)
	form := "application/x-www-form-urlencoded"
	do(t, hc, "POST", fk.URL()+"statuses/update.json", form, url.Values{"status": {"v1 answer"}, "in_reply_to_status_id": {idStr(m)}}.Encode(), nil)
	do(t, hc, "POST", fk.URLv2()+"tweets", "application/json", `{"text":"v2 note to @HotelHelp"}`, nil)
	do(t, hc, "POST", fk.URL()+"direct_messages/events/new.json", "application/json",
		`{"event":{"type":"message_create","message_create":{"target":{"recipient_id":"42"},"message_data":{"text":"v1 DM"}}}}`, nil)
	do(t, hc, "POST", fk.URLv2()+"dm_conversations/with/42/messages", "application/json", `{"text":"v2 DM"}`, nil)

	var v1 []struct {
		IDStr string `json:"id_str"`
	}
	do(t, hc, "GET", fk.URL()+"statuses/mentions_timeline.json", "", "", &v1)
	var v2 v2Page
	do(t, hc, "GET", mentionsURL(fk, nil), "", "", &v2)
	if len(v1) != 2 || len(v2.Data) != 2 || v1[0].IDStr != v2.Data[0].ID || v2.Data[0].Text != "v2 note to @HotelHelp" {
		t.Errorf("mentions: v1.1 %+v, v2 %+v", v1, v2.Data)
	}
	var dms dmPage
	do(t, hc, "GET", fk.URLv2()+"dm_events", "", "", &dms)
	if len(dms.Data) != 2 || dms.Data[0].Text != "v2 DM" || dms.Data[1].Text != "v1 DM" {
		t.Errorf("dm_events %+v", dms.Data)
	}
	if len(fk.Replies()) != 2 || len(fk.DMs()) != 2 {
		t.Errorf("%d replies, %d DMs", len(fk.Replies()), len(fk.DMs()))
	}
	// Only v2 is billed, at the overridden post read price.
	prices := twfake.DefaultPrices()
	want := map[string]int64{
		twfake.CreateTweet:  prices[twfake.PricePostCreate],
		twfake.DMSend:       prices[twfake.PriceDMCreate],
		twfake.UserMentions: 2 * 7,
		twfake.DMEvents:     2 * prices[twfake.PriceDMEventRead],
	}
	if got := fk.BillByEndpoint(); !maps.Equal(got, want) {
		t.Errorf("bill %v, want %v", got, want)
	}
}
