package inbox

import (
	"encoding/json"
	"strings"
)

// Attachment is a reference to media a customer attached to an item: what
// kind it is and where the platform serves it. inboxbot never downloads
// one; the desk shows the reference, and an agent's browser loads it only
// when the agent opens the conversation.
type Attachment struct {
	// Type is one of the Attach* kinds below, to which connectors map
	// their platform's names, or the platform's own name for a kind
	// without one (a Facebook "event", say); "" when unknown.
	Type string `json:"type"`
	// URL is where the platform serves the attachment, or "" when it
	// gave none (a Messenger fallback, a DM attachment without media).
	URL string `json:"url,omitempty"`
}

// The kinds of attachment that connectors map their platforms' names to.
const (
	AttachImage   = "image"
	AttachSticker = "sticker" // a Messenger sticker: an image sent as the message
	AttachVideo   = "video"
	AttachAudio   = "audio"
	AttachFile    = "file"
	AttachLink    = "link" // a shared link and its preview
)

// UnmarshalJSON reads an attachment object, or the bare string that
// builds before typed attachments wrote (a URL, else a type), so that
// items already on INBOUND when the router is upgraded are still stored.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.Contains(s, "://") {
			*a = Attachment{URL: s}
		} else {
			*a = Attachment{Type: s}
		}
		return nil
	}
	type plain Attachment // without this method
	return json.Unmarshal(b, (*plain)(a))
}
