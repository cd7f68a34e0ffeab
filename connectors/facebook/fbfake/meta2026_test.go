package fbfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
)

// graphError is the error body of a Graph API answer.
type graphError struct {
	Error struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
		Subcode int    `json:"error_subcode"`
	} `json:"error"`
}

// get makes a raw request to the fake and decodes an error body, if any.
func raw(t *testing.T, method, u string, form url.Values) (int, graphError, http.Header) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(u, form)
	} else {
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var ge graphError
	_ = json.Unmarshal(body, &ge)
	return resp.StatusCode, ge, resp.Header
}

// TestLegacyFeaturesRefused: a new app (the default) gets error 100 for
// every legacy feature Graph API v27.0 closed to new apps; an old app is
// still served.
func TestLegacyFeaturesRefused(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		params url.Values
	}{
		{"date_format", "GET", "v27.0/t_1/messages", url.Values{"date_format": {`Y-m-d\TH:i:sP`}}},
		{"multi-ID", "GET", "v27.0/", url.Values{"ids": {"t_1,1000"}}},
		{"field alias", "GET", "v27.0/1000", url.Values{"fields": {"name.as(title)"}}},
		{"method override", "POST", "v27.0/1000", url.Values{"method": {"delete"}}},
		{"JSONP", "GET", "v27.0/1000", url.Values{"callback": {"cb"}}},
		{"batch", "POST", "v27.0/", url.Values{"batch": {`[{"method":"GET","relative_url":"me"}]`}}},
		{"batch without the parameter", "POST", "v27.0/", url.Values{}},
	}
	for _, legacy := range []bool{false, true} {
		srv := fbfake.New(fbfake.Options{PageID: page, LegacyApp: legacy})
		srv.AddMessage("t_1", fbfake.User{ID: "2001", Name: "Ada"}, "hi", time.Time{})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := url.Values{"access_token": {srv.Token()}}
				for k, v := range tt.params {
					p[k] = v
				}
				u := srv.URL() + tt.path
				if tt.method == "GET" {
					u += "?" + p.Encode()
				}
				status, ge, _ := raw(t, tt.method, u, p)
				refused := ge.Error.Code == 100 && strings.Contains(ge.Error.Message, "not available for apps created after November 4, 2026")
				if !legacy && (status != http.StatusBadRequest || !refused) {
					t.Errorf("new app: %d %+v", status, ge)
				}
				if legacy && refused {
					t.Errorf("old app refused: %+v", ge)
				}
			})
		}
		srv.Close()
	}
}

// TestConversationsPerSecond: the Page's Conversations API allows 2 calls
// a second (a bucket of 2) on the fake's clock; past it, error 32 with
// the Page's business-use-case usage at 100%. Other reads are not
// limited.
func TestConversationsPerSecond(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	srv := fbfake.New(fbfake.Options{PageID: page, Now: clock})
	defer srv.Close()
	srv.AddMessage("t_1", fbfake.User{ID: "2001", Name: "Ada"}, "hi", time.Time{})
	post := srv.AddPagePost("deals", time.Time{})
	q := "?access_token=" + srv.Token()
	conv := func() int {
		st, ge, h := raw(t, "GET", srv.URL()+"v27.0/"+page+"/conversations"+q, nil)
		if st != 200 && (ge.Error.Code != 32 || !strings.Contains(h.Get("X-Business-Use-Case-Usage"), `"call_count":100`)) {
			t.Fatalf("refusal %d %+v %v", st, ge, h)
		}
		return st
	}
	for i, want := range []int{200, 200, 400} {
		if got := conv(); got != want {
			t.Fatalf("call %d: %d, want %d", i, got, want)
		}
	}
	if st, _, _ := raw(t, "GET", srv.URL()+"v27.0/"+post+q, nil); st != 200 {
		t.Errorf("a post read is not a Conversations API call: %d", st)
	}
	if st, _, _ := raw(t, "GET", srv.URL()+"v27.0/t_1/messages"+q, nil); st != 400 {
		t.Errorf("messages are: %d", st)
	}
	advance(500 * time.Millisecond)
	if conv() != 200 || conv() != 400 {
		t.Error("half a second gives one call back")
	}
	advance(10 * time.Second)
	if conv() != 200 || conv() != 200 || conv() != 400 {
		t.Error("the bucket holds two")
	}
	codes := map[int]int{}
	for _, c := range srv.Calls() {
		codes[c.Code]++
	}
	if codes[32] != 4 {
		t.Errorf("codes %v", codes)
	}
	unlimited := fbfake.New(fbfake.Options{PageID: page, Now: clock, ConversationsPerSecond: -1})
	defer unlimited.Close()
	for range 10 {
		if st, _, _ := raw(t, "GET", unlimited.URL()+page+"/conversations?access_token="+unlimited.Token(), nil); st != 200 {
			t.Fatal("no limit")
		}
	}
}

// TestStickersTagsAndRestriction: a sticker is the message's sticker
// field; retired message tags are refused; an injected 10/1893063 says
// the Page is restricted from sending.
func TestStickersTagsAndRestriction(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: page})
	defer srv.Close()
	g := fbfake.User{ID: "2001", Name: "Ada"}
	id := srv.AddMessage("t_1", g, "", time.Now().Add(-30*time.Hour), fbfake.Attachment{Type: "sticker", URL: "https://cdn.example/s.png"})
	var msg struct {
		Sticker     string          `json:"sticker"`
		Attachments json.RawMessage `json:"attachments"`
	}
	resp, err := http.Get(srv.URL() + id + "?fields=sticker,attachments&access_token=" + srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&msg)
	resp.Body.Close()
	if msg.Sticker != "https://cdn.example/s.png" || msg.Attachments != nil {
		t.Errorf("sticker message %+v", msg)
	}
	send := func(tag string) graphError {
		_, ge, _ := raw(t, "POST", srv.URL()+page+"/messages", url.Values{"access_token": {srv.Token()},
			"recipient": {`{"id":"2001"}`}, "message": {`{"text":"hi"}`}, "messaging_type": {"MESSAGE_TAG"}, "tag": {tag}})
		return ge
	}
	for _, tag := range []string{"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"} {
		if ge := send(tag); ge.Error.Code != 100 || !strings.Contains(ge.Error.Message, "deprecated") {
			t.Errorf("%s: %+v", tag, ge)
		}
	}
	if ge := send("HUMAN_AGENT"); ge.Error.Code != 0 {
		t.Errorf("HUMAN_AGENT: %+v", ge)
	}
	srv.Inject(fbfake.Fault{Code: 10, Subcode: fbfake.SubcodeSendRestricted, Method: "POST", Path: "/messages"})
	if ge := send("HUMAN_AGENT"); ge.Error.Code != 10 || ge.Error.Subcode != 1893063 || !strings.Contains(ge.Error.Message, "temporarily restricted") {
		t.Errorf("restricted: %+v", ge)
	}
	if srv.CustomerMessages() != 1 {
		t.Errorf("customer messages %d", srv.CustomerMessages())
	}
}
