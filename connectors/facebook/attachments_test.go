package facebook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/inbox"
)

// TestAttachmentsStored: Messenger attachments reach the store as
// references, end to end (fake Graph API, connector, bus, store): a
// sticker-only message as kind "sticker", an image and a file with their
// kinds and URLs. The URLs are on the fake's own host, which counts every
// request: none is fetched.
func TestAttachmentsStored(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	media := r.srv.URL() + "media/"
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	sticker := r.srv.AddMessage("", guest(1), "", at, fbfake.Attachment{Type: "sticker", URL: media + "thumbs.png"})
	files := r.srv.AddMessage(r.srv.ConversationOf(sticker), guest(1), "my booking", at.Add(time.Second),
		fbfake.Attachment{Type: "image", URL: media + "booking.jpg"}, fbfake.Attachment{Type: "file", URL: media + "booking.pdf"})
	r.start()
	r.waitStored(map[string]bool{sticker: true, files: true}, 10*time.Second)

	got := r.externalIDs()
	for id, want := range map[string][]inbox.Attachment{
		sticker: {{Type: inbox.AttachSticker, URL: media + "thumbs.png"}},
		files:   {{Type: inbox.AttachImage, URL: media + "booking.jpg"}, {Type: inbox.AttachFile, URL: media + "booking.pdf"}},
	} {
		if m := got[id]; !slices.Equal(m.Attachments, want) {
			t.Errorf("message %s stored with %+v, want %+v", id, m.Attachments, want)
		}
	}
	if m := got[sticker]; m.Text != "" {
		t.Errorf("sticker stored with text %q", m.Text)
	}
	for _, c := range r.srv.Calls() {
		if strings.HasPrefix(c.Path, "/media/") {
			t.Errorf("attachment downloaded: %s %s", c.Method, c.Path)
		}
	}
	// The URLs are not logged either.
	if strings.Contains(r.logs.String(), "/media/") {
		t.Errorf("attachment URL logged:\n%s", r.logs)
	}
}
