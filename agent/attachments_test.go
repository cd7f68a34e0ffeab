package agent

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// TestAttachmentsShown: a Messenger message that is an image and a sticker
// and no text (#13) is shown with both, inline from the platform's image
// host and loaded only by the agent's browser (lazily, without a
// referrer), not as an empty bubble; a file is a link with its kind; a
// URL that is not http(s) is text, never a link; the queue's preview
// names the attachments; and the API gives them as they are stored.
func TestAttachmentsShown(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	api := e.bearer(t, "alice")
	atts := []inbox.Attachment{
		{Type: inbox.AttachImage, URL: "https://scontent.xx.fbcdn.net/v/photo.jpg?oh=1&oe=2"},
		{Type: inbox.AttachSticker, URL: "https://scontent.xx.fbcdn.net/v/sticker.png"},
		{Type: inbox.AttachFile, URL: "https://cdn.example/booking.pdf"},
		{Type: inbox.AttachImage, URL: "https://cdn.example/elsewhere.jpg"}, // not a platform host: a link only
		{Type: inbox.AttachFile, URL: "javascript:alert(1)"},
	}
	res, err := e.st.Ingest(t.Context(), []store.Item{{Message: inbox.Inbound{V: inbox.SchemaVersion,
		Platform: inbox.Facebook, Kind: inbox.Message, ExternalID: "m_att", Thread: "t_att",
		Author: inbox.Author{ID: "u1", Name: "Ann"}, Attachments: atts, CreatedAt: time.Now().Add(-time.Minute)}}})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(res[0].ConversationID, 10)

	body := c.do(t, "GET", "/conversations/"+id, "", "").Body.String()
	li := regexp.MustCompile(`(?s)<li class="msg in private" data-message-id="` + strconv.FormatInt(res[0].MessageID, 10) + `">.*?</ul>\s*</li>`).FindString(body)
	if li == "" {
		t.Fatalf("no message with attachments on the page:\n%s", body)
	}
	for _, want := range []string{
		`<li class="attachment" data-type="image"><a href="https://scontent.xx.fbcdn.net/v/photo.jpg?oh=1&amp;oe=2" target="_blank" rel="noopener noreferrer" referrerpolicy="no-referrer">` +
			`<img src="https://scontent.xx.fbcdn.net/v/photo.jpg?oh=1&amp;oe=2" alt="" loading="lazy" referrerpolicy="no-referrer"><span class="kind">image</span></a></li>`,
		`<li class="attachment" data-type="sticker"><a href="https://scontent.xx.fbcdn.net/v/sticker.png" target="_blank" rel="noopener noreferrer" referrerpolicy="no-referrer">` +
			`<img src="https://scontent.xx.fbcdn.net/v/sticker.png" alt="" loading="lazy" referrerpolicy="no-referrer"><span class="kind">sticker</span></a></li>`,
		`<li class="attachment" data-type="file"><a href="https://cdn.example/booking.pdf" target="_blank" rel="noopener noreferrer" referrerpolicy="no-referrer"><span class="kind">file</span></a></li>`,
		`<li class="attachment" data-type="image"><a href="https://cdn.example/elsewhere.jpg" target="_blank" rel="noopener noreferrer" referrerpolicy="no-referrer"><span class="kind">image</span></a></li>`,
		`<li class="attachment" data-type="file"><span class="kind">file</span> <span class="ref">javascript:alert(1)</span></li>`,
	} {
		if !strings.Contains(li, want) {
			t.Errorf("message lacks %s\n%s", want, li)
		}
	}
	if strings.Contains(li, `class="text"`) || strings.Count(li, "<img") != 2 || strings.Contains(body, `href="javascript`) {
		t.Errorf("an empty text, an image off the platform's hosts, or a javascript: link shown:\n%s", li)
	}

	queue := c.do(t, "GET", "/", "", "").Body.String()
	if !strings.Contains(queue, "[image] [sticker] [file] [image] [file]") {
		t.Errorf("queue preview does not name the attachments:\n%s", queue)
	}

	rec := api.json(t, "GET", "/api/conversations/"+id, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/conversations/%s: %d %s", id, rec.Code, rec.Body)
	}
	var d struct {
		Messages []struct {
			Text        string           `json:"text"`
			Attachments []AttachmentView `json:"attachments"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	want := make([]AttachmentView, len(atts))
	for i, a := range atts {
		want[i] = AttachmentView{Type: a.Type, URL: a.URL}
	}
	if len(d.Messages) != 1 || d.Messages[0].Text != "" || !reflect.DeepEqual(d.Messages[0].Attachments, want) {
		t.Errorf("API messages %+v, want one without text with %+v", d.Messages, want)
	}
	// A message without attachments has an empty array, not null.
	other := e.conv(t, inbox.Facebook, inbox.Message, "ben", "hello")
	body = api.json(t, "GET", "/api/conversations/"+strconv.FormatInt(other, 10), "").Body.String()
	if !regexp.MustCompile(`"attachments":\s*\[\]`).MatchString(body) {
		t.Errorf("message without attachments: %s", body)
	}
}

// TestAttachmentLinks: only absolute http(s) URLs are linked, and only
// images and stickers on a platform's image host are shown inline.
func TestAttachmentLinks(t *testing.T) {
	for _, tt := range []struct {
		a            AttachmentView
		link, inline bool
	}{
		{AttachmentView{Type: "image", URL: "https://scontent.xx.fbcdn.net/a.jpg"}, true, true},
		{AttachmentView{Type: "sticker", URL: "https://pbs.twimg.com/s.png"}, true, true},
		{AttachmentView{Type: "image", URL: "http://scontent.xx.fbcdn.net/a.jpg"}, true, false}, // not https
		{AttachmentView{Type: "video", URL: "https://scontent.xx.fbcdn.net/v.mp4"}, true, false},
		{AttachmentView{Type: "file", URL: "HTTPS://cdn.example/f.pdf"}, true, false},
		{AttachmentView{Type: "image", URL: "https://evil.example/x.fbcdn.net.jpg"}, true, false},
		{AttachmentView{Type: "image", URL: "https://user@scontent.xx.fbcdn.net/a.jpg"}, false, false},
		{AttachmentView{Type: "image", URL: "javascript:alert(1)"}, false, false},
		{AttachmentView{Type: "image", URL: "data:image/png;base64,AAAA"}, false, false},
		{AttachmentView{Type: "image", URL: "//scontent.xx.fbcdn.net/a.jpg"}, false, false},
		{AttachmentView{Type: "image", URL: "/static/x.png"}, false, false},
		{AttachmentView{Type: "template"}, false, false},
	} {
		if got := tt.a.Link() != ""; got != tt.link {
			t.Errorf("%+v: linked %v, want %v", tt.a, got, tt.link)
		}
		if got := tt.a.Inline() != ""; got != tt.inline {
			t.Errorf("%+v: inline %v, want %v", tt.a, got, tt.inline)
		}
	}
	if l := (AttachmentView{}).Label(); l != "attachment" {
		t.Errorf("label of an unknown kind %q", l)
	}
}
