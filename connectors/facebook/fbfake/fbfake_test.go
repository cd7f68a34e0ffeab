package fbfake_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
)

const page = "1000"

func newSession(srv *fbfake.Server, token, secret string) *fb.Session {
	s := fb.New("app", secret).Session(token)
	if secret != "" {
		_ = s.EnableAppsecretProof(true)
	}
	s.BaseURL = srv.URL()
	s.Version = "v19.0"
	return s
}

// TestPagingWithHuandu checks that huandu/facebook can page through the
// fake as through Facebook: absolute next links with the token, cursor
// paging, the limit cap, Graph's own time format, and RFC 3339 for an app
// old enough to ask for it with date_format.
func TestPagingWithHuandu(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		srv := fbfake.New(fbfake.Options{PageID: page, MaxPageSize: 50, LegacyApp: legacy, ConversationsPerSecond: -1})
		defer srv.Close()
		base := time.Now().Add(-3 * time.Hour).UTC()
		guest := fbfake.User{ID: "2001", Name: "Ada"}
		for i := 0; i < 120; i++ {
			srv.AddMessage("t_1", guest, "hello", base.Add(time.Duration(i)*time.Second))
		}
		s := newSession(srv, srv.Token(), "")
		s.RFC3339Timestamps = legacy
		res, err := s.Get("t_1/messages", fb.Params{"fields": "id,created_time,message", "limit": 100})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := res.Paging(s)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		pages := 0
		for {
			pages++
			for _, item := range pr.Data() {
				id := item.Get("id").(string)
				if seen[id] {
					t.Fatalf("duplicate %s", id)
				}
				seen[id] = true
				ts := item.Get("created_time").(string)
				if legacy != strings.HasSuffix(ts, "+00:00") || legacy == strings.HasSuffix(ts, "+0000") {
					t.Fatalf("legacy=%v: time %q", legacy, ts)
				}
			}
			noMore, err := pr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if noMore {
				break
			}
		}
		if len(seen) != 120 || pages != 3 {
			t.Fatalf("legacy=%v: %d items in %d pages, want 120 in 3", legacy, len(seen), pages)
		}
	}
}

func TestErrorsTokenAndUsage(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: page, Token: "tok1"})
	defer srv.Close()
	s := newSession(srv, "tok1", "")

	srv.SetUsageDetail(fbfake.Usage{App: 10, Page: 20, BusinessUseCase: 80, EstimatedTimeToRegainAccess: 3})
	res, err := s.Get(page, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := res.UsageInfo()
	if u.App.CallCount != 10 || u.Page.TotalTime != 20 || u.BusinessUseCase[page][0].CallCount != 80 || u.BusinessUseCase[page][0].EstimatedTimeToRegainAccess != 3 {
		t.Fatalf("usage = %+v", u)
	}

	srv.InjectError(613, 0, 2, "/conversations")
	for i := 0; i < 3; i++ {
		_, err := s.Get(page+"/conversations", nil)
		var fe *fb.Error
		if i < 2 && (!errors.As(err, &fe) || fe.Code != 613) {
			t.Fatalf("call %d: err = %v, want 613", i, err)
		}
		if i == 2 && err != nil {
			t.Fatalf("fault must be used up: %v", err)
		}
	}

	srv.ExpireToken()
	_, err = s.Get(page, nil)
	var fe *fb.Error
	if !errors.As(err, &fe) || fe.Code != 190 || fe.ErrorSubcode != 463 {
		t.Fatalf("expired token: %v", err)
	}
	srv.SetToken("tok2")
	if _, err = s.Get(page, nil); !errors.As(err, &fe) || fe.Code != 190 {
		t.Fatalf("old token after SetToken: %v", err)
	}
	if _, err := newSession(srv, "tok2", "").Get(page, nil); err != nil {
		t.Fatalf("new token: %v", err)
	}
	if calls := srv.Calls(); calls[len(calls)-2].Status != 400 || calls[len(calls)-1].Path != "/"+page || calls[len(calls)-1].Version != "v19.0" {
		t.Fatalf("calls = %+v", calls[len(calls)-2:])
	}
}

func TestAppsecretProofRequired(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: page, AppSecret: "shh"})
	defer srv.Close()
	if _, err := newSession(srv, srv.Token(), "").Get(page, nil); err == nil {
		t.Fatal("a call without appsecret_proof must fail")
	}
	if _, err := newSession(srv, srv.Token(), "wrong").Get(page, nil); err == nil {
		t.Fatal("a call with a wrong proof must fail")
	}
	if _, err := newSession(srv, srv.Token(), "shh").Get(page, nil); err != nil {
		t.Fatal(err)
	}
	got := srv.Calls()[2].Params.Get("appsecret_proof")
	if got != fbfake.Proof("shh", srv.Token()) || got == "" {
		t.Fatalf("proof %q", got)
	}
}

// TestFeedNestedComments checks field expansion of comments with
// filter=stream and reverse order, and the nested edge's next link.
func TestFeedNestedComments(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: page})
	defer srv.Close()
	base := time.Now().Add(-time.Hour)
	post := srv.AddPagePost("Summer offers", base)
	guest := fbfake.User{ID: "2001", Name: "Ada"}
	top := srv.AddComment(post, "", guest, "price?", base.Add(time.Minute))
	srv.AddComment(post, top, fbfake.User{ID: "2002", Name: "Bo"}, "same question", base.Add(2*time.Minute))
	srv.AddComment(post, "", guest, "and parking?", base.Add(3*time.Minute))

	s := newSession(srv, srv.Token(), "")
	res, err := s.Get(page+"/feed", fb.Params{"fields": "id,from,updated_time,comments.filter(stream).order(reverse_chronological).limit(2){id,from,message,created_time,parent{id}}"})
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Data []struct {
			ID          string
			UpdatedTime string `facebook:"updated_time"`
			Comments    struct {
				Data []struct {
					ID     string
					Parent *struct{ ID string }
				}
				Paging struct{ Next string }
			}
		}
	}
	if err := res.Decode(&feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Data) != 1 || feed.Data[0].ID != post {
		t.Fatalf("feed = %+v", feed)
	}
	cs := feed.Data[0].Comments
	if len(cs.Data) != 2 || cs.Data[1].Parent == nil || cs.Data[1].Parent.ID != top || cs.Paging.Next == "" {
		t.Fatalf("comments = %+v", cs)
	}
	if !strings.Contains(cs.Paging.Next, "/"+post+"/comments?") || !strings.Contains(cs.Paging.Next, "access_token=") {
		t.Fatalf("next = %s", cs.Paging.Next)
	}
	if want := base.Add(3 * time.Minute).UTC().Truncate(time.Second).Format("2006-01-02T15:04:05-0700"); feed.Data[0].UpdatedTime != want {
		t.Fatalf("updated_time = %s, want %s", feed.Data[0].UpdatedTime, want)
	}
}

func TestSendRules(t *testing.T) {
	now := time.Now()
	srv := fbfake.New(fbfake.Options{PageID: page, Now: func() time.Time { return now }})
	defer srv.Close()
	s := newSession(srv, srv.Token(), "")
	guest := fbfake.User{ID: "2001", Name: "Ada"}
	srv.AddMessage("t_1", guest, "hi", now.Add(-30*time.Hour))
	post := srv.AddPagePost("offer", now.Add(-10*24*time.Hour))
	fresh := srv.AddComment(post, "", guest, "price?", now.Add(-time.Hour))
	stale := srv.AddComment(post, "", guest, "old", now.Add(-8*24*time.Hour))

	send := func(params fb.Params) error {
		params["message"] = map[string]string{"text": "hello"}
		_, err := s.Post(page+"/messages", params)
		return err
	}
	code := func(err error) int {
		var fe *fb.Error
		if errors.As(err, &fe) {
			return fe.Code
		}
		return 0
	}
	if err := send(fb.Params{"recipient": map[string]string{"id": "2001"}, "messaging_type": "RESPONSE"}); code(err) != 10 {
		t.Fatalf("RESPONSE after 30h: %v", err)
	}
	if err := send(fb.Params{"recipient": map[string]string{"id": "2001"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}); err != nil {
		t.Fatalf("HUMAN_AGENT after 30h: %v", err)
	}
	if err := send(fb.Params{"recipient": map[string]string{"comment_id": fresh}}); err != nil {
		t.Fatalf("private reply: %v", err)
	}
	if err := send(fb.Params{"recipient": map[string]string{"comment_id": fresh}}); code(err) != 10900 {
		t.Fatalf("second private reply: %v", err)
	}
	if err := send(fb.Params{"recipient": map[string]string{"comment_id": stale}}); code(err) != 10903 {
		t.Fatalf("private reply after 8 days: %v", err)
	}
	sent := srv.SentMessages()
	if len(sent) != 2 || sent[0].Tag != "HUMAN_AGENT" || sent[1].CommentID != fresh || sent[1].RecipientID != "2001" || sent[1].ConversationID != "t_1" {
		t.Fatalf("sent = %+v", sent)
	}

	res, err := s.Post(fresh+"/comments", fb.Params{"message": "see DM"})
	if err != nil || res.Get("id") == nil {
		t.Fatalf("reply: %v %v", res, err)
	}
	if r := srv.Replies(); len(r) != 1 || r[0].Target != fresh || r[0].ID != res.Get("id") {
		t.Fatalf("replies = %+v", r)
	}
	// is_hidden reads back as Graph documents it for the Comment node:
	// GET /{comment-id}?fields=is_hidden answers the id and the flag.
	isHidden := func(id string) any {
		t.Helper()
		res, err := s.Get(id, fb.Params{"fields": "is_hidden"})
		if _, ok := res["is_hidden"].(bool); err != nil || res.Get("id") != id || !ok {
			t.Fatalf("GET %s?fields=is_hidden: %v %v", id, res, err)
		}
		return res.Get("is_hidden")
	}
	if v := isHidden(fresh); v != false {
		t.Fatalf("is_hidden before the hide: %v", v)
	}
	if _, err := s.Post(fresh, fb.Params{"is_hidden": true}); err != nil || !srv.Hidden(fresh) || srv.Hidden(stale) {
		t.Fatalf("hide: %v", err)
	}
	if isHidden(fresh) != true || isHidden(stale) != false {
		t.Fatalf("is_hidden after the hide: %v %v", isHidden(fresh), isHidden(stale))
	}
}

// TestDistinctPSIDs: with DistinctPSIDs a commenter writes in Messenger
// under their PSID, and a Private Reply answers it as recipient_id and
// lands in their Messenger conversation.
func TestDistinctPSIDs(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: page, DistinctPSIDs: true})
	defer srv.Close()
	s := newSession(srv, srv.Token(), "")
	guest := fbfake.User{ID: "2001", Name: "Ada"}
	psid := srv.PSID(guest.ID)
	if psid == guest.ID || srv.PSID(psid) != psid || srv.PSID(page) != page {
		t.Fatalf("PSID(%s) = %s, PSID(PSID) = %s, PSID(page) = %s", guest.ID, psid, srv.PSID(psid), srv.PSID(page))
	}
	post := srv.AddPagePost("offer", time.Now().Add(-time.Hour))
	cm := srv.AddComment(post, "", guest, "price?", time.Now().Add(-time.Minute))
	res, err := s.Post(page+"/messages", fb.Params{"recipient": map[string]string{"comment_id": cm}, "message": map[string]string{"text": "see DM"}})
	if err != nil || res.Get("recipient_id") != psid {
		t.Fatalf("private reply: %v %v; want recipient_id %s", res, err, psid)
	}
	thread := srv.SentMessages()[0].ConversationID
	answer := srv.AddMessage(thread, guest, "thanks", time.Time{})
	got, err := s.Get(answer, fb.Params{"fields": "from"})
	if err != nil || got.Get("from.id") != psid {
		t.Fatalf("answer: %v %v; want from.id %s", got, err, psid)
	}
	same := fbfake.New(fbfake.Options{PageID: page})
	defer same.Close()
	if same.PSID(guest.ID) != guest.ID {
		t.Error("without DistinctPSIDs a user has one id")
	}
}

func TestFaultBodies(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: page})
	defer srv.Close()
	s := newSession(srv, srv.Token(), "")
	srv.Inject(fbfake.Fault{Status: 502, Body: "<html>Bad Gateway</html>"})
	srv.Inject(fbfake.Fault{Body: "{broken", Path: "/feed"})
	var ue *fb.UnmarshalError
	if _, err := s.Get(page, nil); !errors.As(err, &ue) {
		t.Fatalf("502: %v", err)
	}
	if _, err := s.Get(page+"/feed", nil); !errors.As(err, &ue) {
		t.Fatalf("broken: %v", err)
	}
	if c := srv.Calls(); c[0].Status != 502 || c[1].Status != 200 {
		t.Fatalf("statuses %d %d", c[0].Status, c[1].Status)
	}
}
