package agent

import (
	"net/url"
	"strings"

	"github.com/inboxbot/inboxbot/inbox"
)

// AttachmentView is a reference to what a customer attached to a message
// (#13): its kind and the platform's URL. inboxbot never downloads it; the
// desk links to it, and shows an image or sticker from a platform's image
// host inline, which the agent's browser loads when the conversation is
// opened.
type AttachmentView struct {
	// Type is image, sticker, video, audio, file, link, or a platform's
	// own name for another kind; "" when unknown.
	Type string `json:"type"`
	// URL is as the platform gave it, or "": not necessarily http(s),
	// so clients link it only when it is (see Link).
	URL string `json:"url,omitempty"`
}

// attachmentViews converts a message's attachments; never nil, so that
// the JSON is always an array.
func attachmentViews(as []inbox.Attachment) []AttachmentView {
	out := make([]AttachmentView, len(as))
	for i, a := range as {
		out[i] = AttachmentView{Type: a.Type, URL: a.URL}
	}
	return out
}

// Label is how the desk names the attachment: its kind, or "attachment".
func (a AttachmentView) Label() string {
	if a.Type == "" {
		return "attachment"
	}
	return a.Type
}

// Link returns the URL when it is an absolute http or https URL, and ""
// otherwise: anything else (javascript:, data:, a relative path) is shown
// as text, never linked.
func (a AttachmentView) Link() string {
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return a.URL
}

// Inline returns the URL of an image or sticker that the page may show
// inline: https on a platform's image host (the only images the
// Content-Security-Policy lets the browser load); "" otherwise, and the
// desk shows the link alone.
func (a AttachmentView) Inline() string {
	if a.Type != inbox.AttachImage && a.Type != inbox.AttachSticker {
		return ""
	}
	return platformImage(a.Link())
}

// attachmentsSummary is how one-line previews mention attachments:
// "[sticker]", "[image] [file]".
func attachmentsSummary(as []inbox.Attachment) string {
	labels := make([]string, len(as))
	for i, a := range as {
		labels[i] = "[" + AttachmentView{Type: a.Type}.Label() + "]"
	}
	return strings.Join(labels, " ")
}
