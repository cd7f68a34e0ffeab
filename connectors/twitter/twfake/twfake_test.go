package twfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// client signs requests with the fake's current credentials.
func client(fk *twfake.Server) *http.Client {
	ck, cs, at, as := fk.Credentials()
	return oauth1.NewConfig(ck, cs).Client(oauth1.NoContext, oauth1.NewToken(at, as))
}

// do sends a request and decodes the JSON answer into v (when not nil).
func do(t *testing.T, hc *http.Client, method, u, contentType, body string, v any) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, u, err, b)
		}
	}
	return resp
}

type apiErrors struct {
	Errors []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (e apiErrors) code() int {
	if len(e.Errors) == 0 {
		return 0
	}
	return e.Errors[0].Code
}

func TestRateLimitAccounting(t *testing.T) {
	fk := twfake.New(twfake.Options{Window: time.Hour, Limits: map[string]int{twfake.MentionsTimeline: 2}})
	defer fk.Close()
	hc := client(fk)
	u := fk.URL() + "statuses/mentions_timeline.json"
	for i, want := range []string{"1", "0"} {
		resp := do(t, hc, "GET", u, "", "", nil)
		if resp.StatusCode != 200 || resp.Header.Get("x-rate-limit-remaining") != want || resp.Header.Get("x-rate-limit-limit") != "2" {
			t.Fatalf("request %d: %d remaining %q", i, resp.StatusCode, resp.Header.Get("x-rate-limit-remaining"))
		}
	}
	var e apiErrors
	resp := do(t, hc, "GET", u, "", "", &e)
	reset, _ := strconv.ParseInt(resp.Header.Get("x-rate-limit-reset"), 10, 64)
	if resp.StatusCode != 429 || e.code() != 88 || e.Errors[0].Message != "Rate limit exceeded" || reset < time.Now().Unix() {
		t.Fatalf("past the budget: %d %+v reset %d", resp.StatusCode, e, reset)
	}
	if fk.RateLimited() != 1 {
		t.Errorf("RateLimited() = %d", fk.RateLimited())
	}
	// Other endpoints have their own budget; unlimited ones send no headers.
	if resp := do(t, hc, "GET", fk.URL()+"account/verify_credentials.json", "", "", nil); resp.StatusCode != 200 || resp.Header.Get("x-rate-limit-limit") != "75" {
		t.Errorf("verify_credentials: %d, limit %q", resp.StatusCode, resp.Header.Get("x-rate-limit-limit"))
	}
	form := "application/x-www-form-urlencoded"
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json", form, "status=hi", nil); resp.Header.Get("x-rate-limit-limit") != "" {
		t.Error("statuses/update sent rate-limit headers")
	}
	calls := fk.Calls()
	if len(calls) != 5 || calls[0].Window != calls[2].Window || calls[2].Status != 429 {
		t.Errorf("calls %+v", calls)
	}
}

func TestWindowsReset(t *testing.T) {
	fk := twfake.New(twfake.Options{Window: 200 * time.Millisecond, Limits: map[string]int{twfake.DMEventsList: 1}})
	defer fk.Close()
	hc := client(fk)
	u := fk.URL() + "direct_messages/events/list.json"
	first := do(t, hc, "GET", u, "", "", nil)
	reset, _ := strconv.ParseInt(first.Header.Get("x-rate-limit-reset"), 10, 64)
	time.Sleep(time.Until(time.Unix(reset, 0)))
	if resp := do(t, hc, "GET", u, "", "", nil); resp.StatusCode != 200 {
		t.Fatalf("after the advertised reset: %d", resp.StatusCode)
	}
}

func TestAuth(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	u := fk.URL() + "account/verify_credentials.json"
	var e apiErrors
	if resp := do(t, http.DefaultClient, "GET", u, "", "", &e); resp.StatusCode != 401 || e.code() != 32 {
		t.Errorf("no Authorization: %d %+v", resp.StatusCode, e)
	}
	hc := client(fk)
	fk.ExpireToken()
	e = apiErrors{}
	if resp := do(t, hc, "GET", u, "", "", &e); resp.StatusCode != 401 || e.code() != 89 || e.Errors[0].Message != "Invalid or expired token." {
		t.Errorf("expired token: %d %+v", resp.StatusCode, e)
	}
	fk.SetToken("new-token")
	if resp := do(t, client(fk), "GET", u, "", "", nil); resp.StatusCode != 200 {
		t.Errorf("new token: %d", resp.StatusCode)
	}
	for _, c := range fk.Calls() {
		if c.Endpoint != twfake.VerifyCredentials {
			t.Errorf("call recorded as %q", c.Endpoint)
		}
	}
}

func TestStatusesUpdate(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	guest := twfake.User{ID: 42, ScreenName: "guest", Name: "Guest"}
	m := fk.AddMention(guest, "@HotelHelp hi", "en", 0)
	form := "application/x-www-form-urlencoded"
	var tw struct {
		IDStr             string `json:"id_str"`
		InReplyToStatusID int64  `json:"in_reply_to_status_id"`
		Text              string `json:"text"`
	}
	// go-twitter sends a form body.
	body := url.Values{"status": {"Hello!"}, "in_reply_to_status_id": {strconv.FormatInt(m, 10)}, "auto_populate_reply_metadata": {"true"}}
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json", form, body.Encode(), &tw); resp.StatusCode != 200 || tw.InReplyToStatusID != m {
		t.Fatalf("form reply: %d %+v", resp.StatusCode, tw)
	}
	// Tweepy 3 sent the status in the query string.
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json?status=testing+1000", "", "", &tw); resp.StatusCode != 200 || tw.Text != "testing 1000" {
		t.Fatalf("query status: %d %+v", resp.StatusCode, tw)
	}
	var e apiErrors
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json", form, body.Encode(), &e); resp.StatusCode != 403 || e.code() != 187 {
		t.Errorf("duplicate reply: %d %+v", resp.StatusCode, e)
	}
	e = apiErrors{}
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json", form, "status=testing+1000", &e); resp.StatusCode != 403 || e.code() != 187 {
		t.Errorf("duplicate tweet: %d %+v", resp.StatusCode, e)
	}
	// The reply was published as "@author Hello!", so a plain "Hello!" is new.
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json", form, "status=Hello%21", &tw); resp.StatusCode != 200 {
		t.Errorf("plain tweet with a reply's text: %d", resp.StatusCode)
	}
	e = apiErrors{}
	if resp := do(t, hc, "POST", fk.URL()+"statuses/update.json", form, "status=x&in_reply_to_status_id=1", &e); resp.StatusCode != 403 || e.code() != 385 {
		t.Errorf("reply to unknown tweet: %d %+v", resp.StatusCode, e)
	}
	// A tweet mentioning the account joins its mentions.
	do(t, hc, "POST", fk.URL()+"statuses/update.json", form, "status=note+to+%40hotelhelp", nil)
	var mentions []struct {
		Text     string `json:"text"`
		FullText string `json:"full_text"`
		User     struct {
			IDStr string `json:"id_str"`
		} `json:"user"`
	}
	do(t, hc, "GET", fk.URL()+"statuses/mentions_timeline.json?tweet_mode=extended", "", "", &mentions)
	if len(mentions) != 2 || mentions[0].FullText != "note to @hotelhelp" || mentions[0].Text != "" || mentions[0].User.IDStr != fk.Self().IDStr() {
		t.Errorf("mentions %+v", mentions)
	}
	replies := fk.Replies()
	if len(replies) != 4 || replies[0].InReplyTo != m || !replies[0].AutoPopulateReplyMetadata {
		t.Errorf("replies %+v", replies)
	}
}

func TestMentionsPagingAndCompatMode(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	guest := twfake.User{ID: 42, ScreenName: "guest", Name: "Guest"}
	var ids []int64
	for i := range 5 {
		ids = append(ids, fk.AddMention(guest, "@HotelHelp "+strings.Repeat("long text ", 20)+strconv.Itoa(i), "en", 0))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatal("ids do not increase")
		}
	}
	var page []struct {
		ID        int64  `json:"id"`
		Text      string `json:"text"`
		Truncated bool   `json:"truncated"`
	}
	q := url.Values{"count": {"2"}, "since_id": {strconv.FormatInt(ids[0], 10)}, "max_id": {strconv.FormatInt(ids[3], 10)}}
	do(t, hc, "GET", fk.URL()+"statuses/mentions_timeline.json?"+q.Encode(), "", "", &page)
	if len(page) != 2 || page[0].ID != ids[3] || page[1].ID != ids[2] {
		t.Fatalf("page %+v", page)
	}
	if !page[0].Truncated || len([]rune(page[0].Text)) != 140 {
		t.Errorf("compat mode text (%d characters, truncated %v)", len([]rune(page[0].Text)), page[0].Truncated)
	}
}

func TestDMs(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	guest := twfake.User{ID: 42, ScreenName: "guest", Name: "Guest"}
	for range 55 {
		fk.AddDM(guest, "hello")
	}
	fk.AddOwnDM(guest, "our answer")
	type page struct {
		Events []struct {
			ID            string `json:"id"`
			MessageCreate struct {
				SenderID string `json:"sender_id"`
			} `json:"message_create"`
		} `json:"events"`
		NextCursor *string `json:"next_cursor"`
	}
	var p1, p2, empty page
	do(t, hc, "GET", fk.URL()+"direct_messages/events/list.json?count=50", "", "", &p1)
	if len(p1.Events) != 50 || p1.NextCursor == nil || p1.Events[0].MessageCreate.SenderID != fk.Self().IDStr() {
		t.Fatalf("first page: %d events, cursor %v", len(p1.Events), p1.NextCursor)
	}
	fk.InjectEmptyDMPage()
	do(t, hc, "GET", fk.URL()+"direct_messages/events/list.json?count=50&cursor="+*p1.NextCursor, "", "", &empty)
	if len(empty.Events) != 0 || empty.NextCursor == nil || *empty.NextCursor == *p1.NextCursor {
		t.Fatalf("injected page: %+v", empty)
	}
	do(t, hc, "GET", fk.URL()+"direct_messages/events/list.json?count=50&cursor="+*empty.NextCursor, "", "", &p2)
	if len(p2.Events) != 6 || p2.NextCursor != nil {
		t.Fatalf("last page: %d events, cursor %v", len(p2.Events), p2.NextCursor)
	}

	// Tweepy sent recipient_id as a number, go-twitter as a string.
	var sent struct {
		Event struct {
			ID string `json:"id"`
		} `json:"event"`
	}
	for i, rid := range []string{`42`, `"42"`} {
		body := `{"event":{"type":"message_create","message_create":{"target":{"recipient_id":` + rid + `},"message_data":{"text":"hi ` + strconv.Itoa(i) + `"}}}}`
		if resp := do(t, hc, "POST", fk.URL()+"direct_messages/events/new.json", "application/json", body, &sent); resp.StatusCode != 200 || sent.Event.ID == "" {
			t.Errorf("recipient %s: %d", rid, resp.StatusCode)
		}
	}
	if dms := fk.DMs(); len(dms) != 2 || dms[0].To != 42 || dms[0].From != fk.Self().ID {
		t.Errorf("DMs %+v", dms)
	}
}

func TestFollowAndFailures(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	hc := client(fk)
	// go-twitter puts the parameters in the query, with an empty body.
	var u struct {
		IDStr     string `json:"id_str"`
		Following bool   `json:"following"`
	}
	if resp := do(t, hc, "POST", fk.URL()+"friendships/create.json?user_id=7505382", "", "", &u); resp.StatusCode != 200 || u.IDStr != "7505382" || !u.Following {
		t.Fatalf("follow: %d %+v", resp.StatusCode, u)
	}
	fk.FailNext(twfake.FriendshipsCreate, 503)
	var e apiErrors
	if resp := do(t, hc, "POST", fk.URL()+"friendships/create.json?user_id=1", "", "", &e); resp.StatusCode != 503 || e.code() != 131 {
		t.Errorf("injected failure: %d %+v", resp.StatusCode, e)
	}
	if f := fk.Follows(); len(f) != 1 || f[0] != 7505382 {
		t.Errorf("follows %v", f)
	}
	e = apiErrors{}
	if resp := do(t, hc, "GET", fk.URL()+"statuses/home_timeline.json", "", "", &e); resp.StatusCode != 404 || e.code() != 34 {
		t.Errorf("unknown endpoint: %d %+v", resp.StatusCode, e)
	}
}
