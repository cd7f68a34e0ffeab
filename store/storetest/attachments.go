package storetest

import (
	"slices"
	"testing"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// testAttachments: the references a message's attachments are (#13) are
// stored with it, by a lone item and by a batch (PostgreSQL's set-based
// path), and read back wherever a message is read: the thread, one
// message, and the queue's preview.
func testAttachments(t *testing.T, s store.Store) {
	image := inbox.Attachment{Type: inbox.AttachImage, URL: "https://scontent.xx.fbcdn.net/v/photo.jpg?oh=1&oe=2"}
	sticker := inbox.Attachment{Type: inbox.AttachSticker, URL: "https://scontent.xx.fbcdn.net/v/sticker.png"}
	file := inbox.Attachment{Type: inbox.AttachFile, URL: "https://cdn.example/booking.pdf"}
	unknown := inbox.Attachment{Type: "template"} // no URL: kept as what it is

	alone := fbMessage("at1", "att", "atu", at(0))
	alone.Message.Attachments = []inbox.Attachment{image, sticker}
	single := ingest(t, s, alone)[0]

	stickerOnly := fbMessage("at2", "att", "atu", at(1))
	stickerOnly.Message.Text, stickerOnly.Message.Attachments = "", []inbox.Attachment{sticker}
	comment := fbComment("at3", "atpost", "atu2", at(2))
	comment.Message.Attachments = []inbox.Attachment{image, file, unknown}
	plain := fbMessage("at4", "att2", "atu3", at(3))
	batch := ingest(t, s, stickerOnly, comment, plain)

	want := map[string][]inbox.Attachment{
		"at1": {image, sticker}, "at2": {sticker}, "at3": {image, file, unknown}, "at4": nil,
	}
	for _, conv := range []int64{single.ConversationID, batch[1].ConversationID, batch[2].ConversationID} {
		for _, m := range messages(t, s, conv) {
			if !slices.Equal(m.Attachments, want[m.ExternalID]) {
				t.Errorf("message %s: attachments %+v, want %+v", m.ExternalID, m.Attachments, want[m.ExternalID])
			}
			if m.ExternalID == "at2" && m.Text != "" {
				t.Errorf("sticker-only message has text %q", m.Text)
			}
		}
	}
	m, err := s.Message(t.Context(), single.MessageID)
	if err != nil || !slices.Equal(m.Attachments, want["at1"]) {
		t.Errorf("Message(%d) = %+v, %v; want attachments %+v", single.MessageID, m, err, want["at1"])
	}
	g, err := s.Glances(t.Context(), "ann", []int64{single.ConversationID}, nil)
	if err != nil {
		t.Fatalf("Glances: %v", err)
	}
	if p := g[single.ConversationID].Preview; p.ExternalID != "at2" || !slices.Equal(p.Attachments, want["at2"]) {
		t.Errorf("preview %+v, want at2 with its sticker", p)
	}
}
