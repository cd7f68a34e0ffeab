package inbox_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/inboxbot/inboxbot/inbox"
)

// TestAttachmentJSON: attachments travel as objects, and the bare strings
// that earlier builds put on INBOUND (a URL, else a type) still decode.
func TestAttachmentJSON(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []inbox.Attachment
	}{
		{"objects", `[{"type":"sticker","url":"https://cdn.example/s.png"},{"type":"file"}]`,
			[]inbox.Attachment{{Type: inbox.AttachSticker, URL: "https://cdn.example/s.png"}, {Type: inbox.AttachFile}}},
		{"earlier URL", `["https://cdn.example/a.jpg"]`, []inbox.Attachment{{URL: "https://cdn.example/a.jpg"}}},
		{"earlier type", `["animated_gif"]`, []inbox.Attachment{{Type: "animated_gif"}}},
	} {
		var got []inbox.Attachment
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	b, err := json.Marshal(inbox.Inbound{Attachments: []inbox.Attachment{{Type: inbox.AttachImage, URL: "https://x/y.jpg"}}})
	if err != nil {
		t.Fatal(err)
	}
	var back inbox.Inbound
	if err := json.Unmarshal(b, &back); err != nil || len(back.Attachments) != 1 ||
		back.Attachments[0] != (inbox.Attachment{Type: inbox.AttachImage, URL: "https://x/y.jpg"}) {
		t.Errorf("round trip of %s: %+v, %v", b, back.Attachments, err)
	}
	if err := json.Unmarshal([]byte(`[7]`), &[]inbox.Attachment{}); err == nil {
		t.Error("a number is not an attachment")
	}
}
