package facebook

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseTime(t *testing.T) {
	want := time.Date(2021, 2, 13, 10, 4, 31, 0, time.UTC)
	for _, s := range []string{"2021-02-13T10:04:31+0000", "2021-02-13T10:04:31+00:00", "2021-02-13T10:04:31Z", "2021-02-13T12:04:31+0200", "2021-02-13T11:04:31+01:00"} {
		got, err := parseTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2021-02-13", "1613210671", "2021-02-13T10:04:31"} {
		if _, err := parseTime(s); err == nil {
			t.Errorf("parseTime(%q) must fail", s)
		}
	}
}

// TestRecordedPayloads decodes the recorded Graph API payloads in
// testdata through the parsing code the connector uses.
func TestRecordedPayloads(t *testing.T) {
	const page = "<FACEBOOK_PAGE_1_ID>"

	t.Run("conversation", func(t *testing.T) {
		for _, f := range []string{"conversation_node_full_fields.pyfacebook.json", "conversation_node_default_fields.pyfacebook.json"} {
			c, err := parseConversation(readTestdata(t, f))
			if err != nil || c.ID != "t_587956915396498" || c.Updated.IsZero() {
				t.Errorf("%s: %+v %v", f, c, err)
			}
		}
	})

	t.Run("message", func(t *testing.T) {
		m, err := parseMessage(readTestdata(t, "message_node_fields.pyfacebook.json"), "t_587956915396498", "2121008874780932")
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		if m.Kind != inbox.Message || m.Thread != "t_587956915396498" || m.Author.ID != "2711636948859886" || m.Author.Name != "Kun Liu" ||
			m.Recipient != "2121008874780932" || !strings.HasPrefix(m.ExternalID, "m_") || m.Text != "Love is peace!😏" ||
			!m.CreatedAt.Equal(time.Date(2021, 7, 23, 9, 50, 48, 0, time.UTC)) {
			t.Errorf("message = %+v", m)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Type != inbox.AttachImage || !strings.HasPrefix(m.Attachments[0].URL, "https://scontent") {
			t.Errorf("attachments = %v", m.Attachments)
		}
	})

	t.Run("feed with comments", func(t *testing.T) {
		list, err := parseList(readTestdata(t, "page_feed_with_comments.zammad.json"))
		if err != nil || len(list.Items) != 2 || list.Next != "" {
			t.Fatalf("list = %+v, %v", list, err)
		}
		visitor, err := parsePost(list.Items[0])
		if err != nil {
			t.Fatal(err)
		}
		in := postInbound(visitor, page)
		if err := in.Validate(); err != nil || in.Kind != inbox.Post || in.Thread != visitor.ID || in.Author.ID != "<FACEBOOK_CUSTOMER_ID>" || in.Text != "asd" {
			t.Errorf("visitor post = %+v, %v", in, err)
		}
		withComments, err := parsePost(list.Items[1])
		if err != nil || len(withComments.Comments.Items) != 2 || !withComments.Updated.Equal(withComments.Created) {
			t.Fatalf("post = %+v, %v", withComments, err)
		}
		own, err := parseComment(withComments.Comments.Items[0], withComments, page)
		if err != nil || own.Author.ID != page {
			t.Errorf("page comment = %+v, %v", own, err)
		}
		cm, err := parseComment(withComments.Comments.Items[1], withComments, page)
		if err != nil || cm.Validate() != nil || cm.Kind != inbox.Comment || cm.Thread != withComments.ID || cm.ParentID != withComments.ID || cm.Text != "dddd" {
			t.Errorf("comment under a visitor post = %+v, %v", cm, err)
		}
	})

	t.Run("comment lists", func(t *testing.T) {
		post := feedPost{ID: "<FACEBOOK_PAGE_1_ID>_<FACEBOOK_PAGE_1_POST_ID>", From: wireUser{ID: page}}
		list, err := parseList(readTestdata(t, "comment_replies_list.zammad.json"))
		if err != nil || len(list.Items) != 5 || list.Next != "" {
			t.Fatalf("replies = %+v, %v", list, err)
		}
		for _, raw := range list.Items {
			c, err := parseComment(raw, post, page)
			if err != nil || c.Author.ID != page || c.Thread != post.ID+"/"+page {
				t.Errorf("reply = %+v, %v", c, err)
			}
		}
		c, err := parseComment(readTestdata(t, "comment_get.zammad.json"), post, page)
		if err != nil || c.ExternalID != "<FACEBOOK_PAGE_1_POST_ID>_107306074721645" {
			t.Errorf("comment = %+v, %v", c, err)
		}
		empty, err := parseList(readTestdata(t, "comments_empty.zammad.json"))
		if err != nil || len(empty.Items) != 0 || empty.Next != "" {
			t.Errorf("empty = %+v, %v", empty, err)
		}
		// python-facebook's samples had their ids removed: every item is
		// skipped as missing_id, and paging still works.
		p1, err := parseList(readTestdata(t, "post_comments_page1_filter_stream.pyfacebook.json"))
		if err != nil || len(p1.Items) != 10 || !strings.Contains(p1.Next, "filter=stream") {
			t.Fatalf("page 1 = %+v, %v", p1, err)
		}
		for _, raw := range p1.Items {
			if _, err := parseComment(raw, post, page); skipReason(err) != "missing_id" {
				t.Errorf("want missing_id, got %v", err)
			}
		}
		p2, err := parseList(readTestdata(t, "post_comments_page2_last.pyfacebook.json"))
		if err != nil || p2.Next != "" || len(p2.Items) == 0 {
			t.Errorf("page 2 = %+v, %v", p2, err)
		}
	})

	t.Run("posts with time paging", func(t *testing.T) {
		p1, err := parseList(readTestdata(t, "posts_page1_time_paging.pyfacebook.json"))
		if err != nil || len(p1.Items) != 5 || !strings.Contains(p1.Next, "until=") {
			t.Fatalf("page 1 = %+v, %v", p1, err)
		}
		for _, raw := range p1.Items {
			p, err := parsePost(raw)
			if err != nil || p.From.ID != "" || p.Created.IsZero() {
				t.Errorf("post = %+v, %v", p, err)
			}
		}
		p2, err := parseList(readTestdata(t, "posts_page2_last_time_paging.pyfacebook.json"))
		if err != nil || p2.Next != "" {
			t.Errorf("page 2 = %+v, %v", p2, err)
		}
	})

	t.Run("send and reply answers", func(t *testing.T) {
		for f, key := range map[string]string{"send_api.response.jgorset.json": "message_id", "comment_reply_post.zammad.response.json": "id", "comment_hide.pyfacebook_stub.response.json": "success"} {
			res, err := fb.MakeResult(readTestdata(t, f))
			if err != nil || res.Get(key) == nil {
				t.Errorf("%s: %v %v", f, res, err)
			}
		}
		var req struct {
			MessagingType string            `json:"messaging_type"`
			Recipient     map[string]string `json:"recipient"`
			Message       map[string]string `json:"message"`
		}
		if err := json.Unmarshal(readTestdata(t, "send_api.request.jgorset.json"), &req); err != nil || req.MessagingType != TypeResponse || req.Recipient["id"] == "" || req.Message["text"] == "" {
			t.Errorf("request = %+v, %v", req, err)
		}
	})

	t.Run("errors", func(t *testing.T) {
		c := newTestConnector(t)
		classify := func(body []byte) error {
			_, err := fb.MakeResult(body)
			var fe *fb.Error
			if !errors.As(err, &fe) {
				t.Fatalf("not a Graph API error: %s", body)
			}
			return c.apiErr("node", "test", fe)
		}
		if err := classify(readTestdata(t, "error_190_463_expired_token.issue.json")); !errors.Is(err, connectors.ErrUnauthorized) || strings.Contains(err.Error(), "Session has expired") {
			t.Errorf("190: %v", err)
		}
		if err := classify(readTestdata(t, "error_4_app_request_limit.issue.json")); !errors.Is(err, connectors.ErrRateLimited) {
			t.Errorf("4: %v", err)
		}
		if err := sendErr(classify(readTestdata(t, "error_10_outside_window_2018065.issue.json"))); !errors.Is(err, connectors.ErrRefused) || !strings.Contains(err.Error(), "2018065") {
			t.Errorf("10: %v", err)
		}
		if err := classify(readTestdata(t, "error_100_nonexisting_field.zammad.json")); errors.Is(err, connectors.ErrRateLimited) || errors.Is(err, connectors.ErrUnauthorized) {
			t.Errorf("100: %v", err)
		}
		var list []json.RawMessage
		if err := json.Unmarshal(readTestdata(t, "send_api.errors.jgorset_spec_list.json"), &list); err != nil {
			t.Fatal(err)
		}
		want := map[int]string{1200: "unknown", 613: "rate", 100: "refused", 190: "unauthorized", 10: "refused", 200: "refused", 230: "refused"}
		for _, raw := range list {
			var code struct{ Error struct{ Code int } }
			_ = json.Unmarshal(raw, &code)
			err := sendErr(classify(raw))
			got := "unknown"
			switch {
			case errors.Is(err, connectors.ErrRateLimited):
				got = "rate"
			case errors.Is(err, connectors.ErrUnauthorized):
				got = "unauthorized"
			case errors.Is(err, connectors.ErrRefused):
				got = "refused"
			}
			if got != want[code.Error.Code] {
				t.Errorf("code %d: %s (%v), want %s", code.Error.Code, got, err, want[code.Error.Code])
			}
		}
	})

	t.Run("usage header", func(t *testing.T) {
		var rec struct {
			Response struct {
				Headers map[string]string `json:"headers"`
			} `json:"response"`
		}
		if err := json.Unmarshal(readTestdata(t, "page_feed_with_comments.zammad.http.json"), &rec); err != nil {
			t.Fatal(err)
		}
		var u fb.UsageInfo
		if err := json.Unmarshal([]byte(rec.Response.Headers["X-Business-Use-Case-Usage"]), &u.BusinessUseCase); err != nil {
			t.Fatal(err)
		}
		c := newTestConnector(t)
		c.observeUsage(&u)
		if c.usage != 1 || c.checkBudget() != nil {
			t.Errorf("usage = %d", c.usage)
		}
	})
}

// FuzzParse feeds arbitrary bytes to the list and item parsers: they must
// never panic, and whatever they accept must be a valid Inbound.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"data":[{"id":"m_1","from":{"id":"1"},"created_time":"2021-02-13T10:04:31+0000"}]}`))
	f.Add([]byte(`{"data":[1,"x",null,{"comments":{"data":[{}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(in inbox.Inbound, err error) {
			if err == nil {
				if verr := in.Validate(); verr != nil {
					t.Fatalf("accepted an invalid item: %v", verr)
				}
			} else if skipReason(err) == "" {
				t.Fatal("error without a reason")
			}
		}
		items := []json.RawMessage{data}
		if list, err := parseList(data); err == nil {
			items = append(items, list.Items...)
		}
		for _, raw := range items {
			_, _ = parseConversation(raw)
			check(parseMessage(raw, "t_1", "1000"))
			p, err := parsePost(raw)
			if err != nil {
				continue
			}
			if p.From.ID != "" {
				check(postInbound(p, "1000"), nil)
			}
			for _, c := range p.Comments.Items {
				check(parseComment(c, p, "1000"))
			}
		}
	})
}

// TestAttachmentKinds: each shape Facebook gives an attachment in maps to
// a reference of the right kind, whether polled (a message's data, a
// post's or comment's type) or delivered by webhook (the payload's type),
// and a sticker is a sticker in every shape Meta has sent one.
func TestAttachmentKinds(t *testing.T) {
	const img, u = "https://scontent.xx.fbcdn.net/i.jpg", "https://cdn.example/f"
	type ref = inbox.Attachment
	msg := func(fields string) []byte {
		return []byte(`{"id":"m_1","created_time":"2026-11-30T18:20:00+0000","from":{"id":"20001"},` + fields + `}`)
	}
	hook := func(atts string) []byte {
		return []byte(`{"object":"page","entry":[{"id":"1000","time":1764526800000,"messaging":[{"sender":{"id":"20001"},` +
			`"recipient":{"id":"1000"},"timestamp":1764526800000,"message":{"mid":"m_1","attachments":[` + atts + `]}}]}]}`)
	}
	for _, tt := range []struct {
		name  string
		parse func() (inbox.Inbound, error)
		want  []ref
	}{
		{"message image", func() (inbox.Inbound, error) {
			return parseMessage(msg(`"attachments":{"data":[{"mime_type":"image/jpeg","image_data":{"url":"`+img+`"}}]}`), "t_1", "1000")
		}, []ref{{Type: inbox.AttachImage, URL: img}}},
		{"message image shown as a sticker", func() (inbox.Inbound, error) {
			return parseMessage(msg(`"attachments":{"data":[{"image_data":{"url":"`+img+`","render_as_sticker":true}}]}`), "t_1", "1000")
		}, []ref{{Type: inbox.AttachSticker, URL: img}}},
		{"message video, audio and file", func() (inbox.Inbound, error) {
			return parseMessage(msg(`"attachments":{"data":[{"video_data":{"url":"`+u+`1"}},`+
				`{"mime_type":"audio/mpeg","file_url":"`+u+`2"},{"mime_type":"application/pdf","file_url":"`+u+`3"}]}`), "t_1", "1000")
		}, []ref{{Type: inbox.AttachVideo, URL: u + "1"}, {Type: inbox.AttachAudio, URL: u + "2"}, {Type: inbox.AttachFile, URL: u + "3"}}},
		{"message sticker field", func() (inbox.Inbound, error) {
			return parseMessage(msg(`"sticker":"`+img+`"`), "t_1", "1000")
		}, []ref{{Type: inbox.AttachSticker, URL: img}}},
		{"message sticker field and its image", func() (inbox.Inbound, error) {
			return parseMessage(msg(`"sticker":"`+img+`","attachments":{"data":[{"image_data":{"url":"`+img+`"}}]}`), "t_1", "1000")
		}, []ref{{Type: inbox.AttachSticker, URL: img}}},
		{"comment photo", func() (inbox.Inbound, error) {
			return parseComment([]byte(`{"id":"1_2","created_time":"2026-11-30T18:20:00+0000","from":{"id":"20001"},`+
				`"attachment":{"type":"photo","url":"https://www.facebook.com/photo/1","media":{"image":{"src":"`+img+`"}}}}`), feedPost{ID: "1"}, "1000")
		}, []ref{{Type: inbox.AttachImage, URL: img}}},
		{"comment sticker", func() (inbox.Inbound, error) {
			return parseComment([]byte(`{"id":"1_2","created_time":"2026-11-30T18:20:00+0000","from":{"id":"20001"},`+
				`"attachment":{"type":"sticker","url":"https://www.facebook.com/s/1","media":{"image":{"src":"`+img+`"}}}}`), feedPost{ID: "1"}, "1000")
		}, []ref{{Type: inbox.AttachSticker, URL: img}}},
		{"comment shared link", func() (inbox.Inbound, error) {
			return parseComment([]byte(`{"id":"1_2","created_time":"2026-11-30T18:20:00+0000","from":{"id":"20001"},`+
				`"attachment":{"type":"share","url":"https://example.com/a","media":{"image":{"src":"`+img+`"}}}}`), feedPost{ID: "1"}, "1000")
		}, []ref{{Type: inbox.AttachLink, URL: "https://example.com/a"}}},
		{"webhook sticker before the transition", func() (inbox.Inbound, error) {
			return hookMessage(t, hook(`{"type":"image","payload":{"url":"`+img+`","sticker_id":369239263222822}}`))
		}, []ref{{Type: inbox.AttachSticker, URL: img}}},
		{"webhook audio, file and fallback", func() (inbox.Inbound, error) {
			return hookMessage(t, hook(`{"type":"audio","payload":{"url":"`+u+`1"}},{"type":"file","payload":{"url":"`+u+`2"}},`+
				`{"type":"fallback","payload":{"url":"https://example.com/a"}},{"type":"fallback"}`))
		}, []ref{{Type: inbox.AttachAudio, URL: u + "1"}, {Type: inbox.AttachFile, URL: u + "2"}, {Type: inbox.AttachLink, URL: "https://example.com/a"}}},
	} {
		in, err := tt.parse()
		if err != nil || !slices.Equal(in.Attachments, tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, in.Attachments, err, tt.want)
		}
	}
}

// hookMessage parses a webhook delivery of one Messenger message.
func hookMessage(t *testing.T, body []byte) (inbox.Inbound, error) {
	t.Helper()
	d, err := parseWebhook(body, testPage)
	if err != nil {
		return inbox.Inbound{}, err
	}
	if len(d.items) != 1 {
		t.Fatalf("%d items", len(d.items))
	}
	return d.items[0].in, nil
}
