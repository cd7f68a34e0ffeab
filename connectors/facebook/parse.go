package facebook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// graphTimeLayout is Graph API's own time format,
// "2026-11-30T18:20:00+0000", which Go's time.RFC3339 rejects (no colon
// in the offset). The connector parses it itself rather than asking for
// RFC 3339 with date_format, a legacy feature that apps created since
// Graph v27.0 may not use.
const graphTimeLayout = "2006-01-02T15:04:05-0700"

// parseTime parses a Graph API timestamp. RFC 3339 is accepted too, so
// that a proxy or a paging link that still carries an old date_format
// cannot break a poll.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(graphTimeLayout, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		// The value is left out: it comes from the payload.
		return time.Time{}, fmt.Errorf("unparseable time (%d bytes)", len(s))
	}
	t = t.UTC()
	if y := t.Year(); y < 2004 || y > 9999 {
		// Facebook did not exist: a zero or bogus time would break the
		// watermarks and the messaging windows.
		return time.Time{}, fmt.Errorf("implausible time %d", y)
	}
	return t, nil
}

// skipError says why one item of a list was skipped. Its reason is a
// metrics label and its text never holds customer data.
type skipError struct{ reason, detail string }

func (e *skipError) Error() string { return e.reason + ": " + e.detail }

func skip(reason, format string, a ...any) error {
	return &skipError{reason: reason, detail: fmt.Sprintf(format, a...)}
}

// skipReason returns the metrics label for err.
func skipReason(err error) string {
	var se *skipError
	if errors.As(err, &se) {
		return se.reason
	}
	return "bad_shape"
}

// listPage is one page of a Graph API edge: the raw items, so that one
// broken item can be skipped without losing the others, and the link to
// the next page ("" on the last page).
type listPage struct {
	Items []json.RawMessage
	Next  string
}

// parseList decodes {"data":[…],"paging":{"next":…}}. An empty list may
// have no paging at all.
func parseList(raw []byte) (listPage, error) {
	var w struct {
		Data   *[]json.RawMessage `json:"data"`
		Paging *struct {
			Next string `json:"next"`
		} `json:"paging"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return listPage{}, skip("invalid_json", "list: %s", jsonErrText(err))
	}
	if w.Data == nil {
		return listPage{}, skip("bad_shape", "list without data")
	}
	p := listPage{Items: *w.Data}
	if w.Paging != nil {
		p.Next = w.Paging.Next
	}
	return p, nil
}

// jsonErrText describes a decoding error without quoting the payload:
// json.Unmarshal errors name types and offsets, never values, but a
// *json.SyntaxError is reduced to its offset to be sure.
func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q is a JSON %s, want %s", te.Field, te.Value, te.Type)
	}
	return "malformed JSON"
}

// wireUser is a Graph API user or page reference.
type wireUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// wireAttachment covers the three attachment shapes: Messenger message
// attachments (image_data, video_data, file_url), post attachments
// (type, url, media.image.src) and a comment's single attachment.
type wireAttachment struct {
	Type      string `json:"type"`
	MimeType  string `json:"mime_type"`
	URL       string `json:"url"`
	FileURL   string `json:"file_url"`
	ImageData *struct {
		URL string `json:"url"`
		// RenderAsSticker marks an image that Messenger shows as a
		// sticker.
		RenderAsSticker bool `json:"render_as_sticker"`
	} `json:"image_data"`
	VideoData *struct {
		URL string `json:"url"`
	} `json:"video_data"`
	Media *struct {
		Image *struct {
			Src string `json:"src"`
		} `json:"image"`
	} `json:"media"`
}

// attachment returns the reference an attachment gives, or false when it
// gives neither a URL nor a type. A Messenger message's attachment says
// what it is by the data it carries (a file by its MIME type); a post's
// or comment's by its type, whose image (media) is what agents want to
// see, except for a shared link.
func (a wireAttachment) attachment() (inbox.Attachment, bool) {
	switch {
	case a.ImageData != nil && a.ImageData.URL != "":
		if a.ImageData.RenderAsSticker {
			return inbox.Attachment{Type: inbox.AttachSticker, URL: a.ImageData.URL}, true
		}
		return inbox.Attachment{Type: inbox.AttachImage, URL: a.ImageData.URL}, true
	case a.VideoData != nil && a.VideoData.URL != "":
		return inbox.Attachment{Type: inbox.AttachVideo, URL: a.VideoData.URL}, true
	case a.FileURL != "":
		return inbox.Attachment{Type: mimeKind(a.MimeType), URL: a.FileURL}, true
	}
	out := inbox.Attachment{Type: graphKind(a.Type), URL: a.URL}
	if out.Type == "" && a.MimeType != "" {
		out.Type = mimeKind(a.MimeType)
	}
	if m := a.Media; m != nil && m.Image != nil && m.Image.Src != "" && (out.Type != inbox.AttachLink || out.URL == "") {
		out.URL = m.Image.Src
	}
	return out, out.Type != "" || out.URL != ""
}

// graphKind maps the type of a post's or comment's attachment (Graph
// API StoryAttachment types) to an inbox.Attachment kind; other types
// are kept as Facebook names them.
func graphKind(t string) string {
	switch {
	case t == "photo" || t == "album" || t == "cover_photo" || t == "profile_media" || t == "animated_image_share":
		return inbox.AttachImage
	case strings.HasPrefix(t, "video") || t == "animated_image_video":
		return inbox.AttachVideo
	case t == "share" || t == "fallback":
		return inbox.AttachLink
	}
	return t
}

// mimeKind is the kind of a Messenger file by its MIME type.
func mimeKind(mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return inbox.AttachImage
	case strings.HasPrefix(mime, "video/"):
		return inbox.AttachVideo
	case strings.HasPrefix(mime, "audio/"):
		return inbox.AttachAudio
	}
	return inbox.AttachFile
}

func attachmentList(atts []wireAttachment) []inbox.Attachment {
	var out []inbox.Attachment
	for _, a := range atts {
		if ref, ok := a.attachment(); ok {
			out = append(out, ref)
		}
	}
	return out
}

// withSticker adds the sticker a Messenger message was (its sticker
// field, a URL) to its attachments: as its own reference, or as the type
// of the attachment that shows the same image.
func withSticker(atts []inbox.Attachment, sticker string) []inbox.Attachment {
	if sticker == "" {
		return atts
	}
	for i := range atts {
		if atts[i].URL == sticker {
			atts[i].Type = inbox.AttachSticker
			return atts
		}
	}
	return append(atts, inbox.Attachment{Type: inbox.AttachSticker, URL: sticker})
}

// conversation is one entry of /{page-id}/conversations, with its
// participants and, by field expansion, the first page of its messages,
// so that most polls need one call for every conversation.
type conversation struct {
	ID           string
	Updated      time.Time
	Participants []wireUser
	// Messages is the first page of messages, newest first; nil when
	// the response did not embed them.
	Messages *listPage
}

func parseConversation(raw []byte) (conversation, error) {
	var w struct {
		ID           string `json:"id"`
		UpdatedTime  string `json:"updated_time"`
		Participants struct {
			Data []wireUser `json:"data"`
		} `json:"participants"`
		Messages json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return conversation{}, skip("bad_shape", "conversation: %s", jsonErrText(err))
	}
	if w.ID == "" {
		return conversation{}, skip("missing_id", "conversation without id")
	}
	t, err := parseTime(w.UpdatedTime)
	if err != nil {
		return conversation{}, skip("bad_time", "conversation %s: %v", w.ID, err)
	}
	conv := conversation{ID: w.ID, Updated: t, Participants: w.Participants.Data}
	if len(w.Messages) > 0 && string(w.Messages) != "null" {
		p, err := parseList(w.Messages)
		if err != nil {
			return conversation{}, skip(skipReason(err), "messages of conversation %s: %v", w.ID, err)
		}
		conv.Messages = &p
	}
	return conv, nil
}

// parseMessage maps a Messenger message of conversation convID to an
// Inbound: Thread is the conversation id, Recipient the Page.
func parseMessage(raw []byte, convID, pageID string) (inbox.Inbound, error) {
	var w struct {
		ID          string   `json:"id"`
		Message     string   `json:"message"`
		CreatedTime string   `json:"created_time"`
		From        wireUser `json:"from"`
		Attachments struct {
			Data []wireAttachment `json:"data"`
		} `json:"attachments"`
		// Sticker is the URL of a sticker sent as the message.
		Sticker string `json:"sticker"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return inbox.Inbound{}, skip("bad_shape", "message in %s: %s", convID, jsonErrText(err))
	}
	if w.ID == "" {
		return inbox.Inbound{}, skip("missing_id", "message without id in %s", convID)
	}
	t, err := parseTime(w.CreatedTime)
	if err != nil {
		return inbox.Inbound{}, skip("bad_time", "message %s: %v", w.ID, err)
	}
	if w.From.ID == "" {
		return inbox.Inbound{}, skip("missing_author", "message %s has no from.id", w.ID)
	}
	atts := withSticker(attachmentList(w.Attachments.Data), w.Sticker)
	return messageInbound(w.ID, convID, inbox.Author{ID: w.From.ID, Name: w.From.Name}, pageID, w.Message, atts, t), nil
}

// messageInbound is the one mapping of a customer's Messenger message,
// for polling and webhooks alike, so that both give the same item.
// Attachments are references (type and URL), never downloaded.
func messageInbound(id, convID string, author inbox.Author, pageID, text string, atts []inbox.Attachment, at time.Time) inbox.Inbound {
	return inbox.Inbound{
		V:           inbox.SchemaVersion,
		Platform:    inbox.Facebook,
		Kind:        inbox.Message,
		ExternalID:  id,
		Thread:      convID,
		Author:      author,
		Recipient:   pageID,
		Text:        text,
		Attachments: atts,
		CreatedAt:   at,
	}
}

// feedPost is one entry of /{page-id}/feed with its first page of
// comments (field expansion), so that most polls need one call per page
// of posts.
type feedPost struct {
	ID          string
	From        wireUser
	Text        string
	Created     time.Time
	Updated     time.Time
	Attachments []inbox.Attachment
	// Comments is the first page of comments, newest first as asked.
	Comments listPage
}

func parsePost(raw []byte) (feedPost, error) {
	var w struct {
		ID          string   `json:"id"`
		From        wireUser `json:"from"`
		Message     string   `json:"message"`
		CreatedTime string   `json:"created_time"`
		UpdatedTime string   `json:"updated_time"`
		Attachments struct {
			Data []wireAttachment `json:"data"`
		} `json:"attachments"`
		Comments json.RawMessage `json:"comments"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return feedPost{}, skip("bad_shape", "post: %s", jsonErrText(err))
	}
	if w.ID == "" {
		return feedPost{}, skip("missing_id", "post without id")
	}
	created, err := parseTime(w.CreatedTime)
	if err != nil {
		return feedPost{}, skip("bad_time", "post %s: %v", w.ID, err)
	}
	updated := created
	if w.UpdatedTime != "" {
		if updated, err = parseTime(w.UpdatedTime); err != nil {
			return feedPost{}, skip("bad_time", "post %s: %v", w.ID, err)
		}
	}
	p := feedPost{ID: w.ID, From: w.From, Text: w.Message, Created: created, Updated: updated, Attachments: attachmentList(w.Attachments.Data)}
	if len(w.Comments) > 0 && string(w.Comments) != "null" {
		if p.Comments, err = parseList(w.Comments); err != nil {
			return feedPost{}, skip(skipReason(err), "comments of post %s: %v", w.ID, err)
		}
	}
	return p, nil
}

// postInbound maps a visitor post: its own thread, addressed to the Page.
func postInbound(p feedPost, pageID string) inbox.Inbound {
	return inbox.Inbound{
		V:           inbox.SchemaVersion,
		Platform:    inbox.Facebook,
		Kind:        inbox.Post,
		ExternalID:  p.ID,
		Thread:      p.ID,
		Author:      inbox.Author{ID: p.From.ID, Name: p.From.Name},
		Recipient:   pageID,
		Text:        p.Text,
		Attachments: p.Attachments,
		CreatedAt:   p.Created,
	}
}

// CommentThread returns the Thread of a comment by author under post
// postID. Under the Page's own posts every customer gets one public
// conversation per post (postID + "/" + authorID), so that one agent
// answers one person; under a visitor post the comments join the visitor
// post's conversation (postID). The router uses it to find the public
// conversation of a comment.
func CommentThread(postID, authorID string, pagePost bool) string {
	if pagePost {
		return postID + "/" + authorID
	}
	return postID
}

// parseComment maps a comment under post p (fetched with filter=stream,
// so replies come with their parent). ParentID is the parent comment, or
// the post for a top-level comment.
func parseComment(raw []byte, p feedPost, pageID string) (inbox.Inbound, error) {
	var w struct {
		ID          string   `json:"id"`
		From        wireUser `json:"from"`
		Message     string   `json:"message"`
		CreatedTime string   `json:"created_time"`
		Parent      *struct {
			ID string `json:"id"`
		} `json:"parent"`
		Attachment *wireAttachment `json:"attachment"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return inbox.Inbound{}, skip("bad_shape", "comment on %s: %s", p.ID, jsonErrText(err))
	}
	if w.ID == "" {
		return inbox.Inbound{}, skip("missing_id", "comment without id on %s", p.ID)
	}
	t, err := parseTime(w.CreatedTime)
	if err != nil {
		return inbox.Inbound{}, skip("bad_time", "comment %s: %v", w.ID, err)
	}
	if w.From.ID == "" {
		// Facebook leaves "from" out when the app may not see the
		// author; such a comment cannot be answered or threaded.
		return inbox.Inbound{}, skip("missing_author", "comment %s has no from.id", w.ID)
	}
	parent := ""
	if w.Parent != nil {
		parent = w.Parent.ID
	}
	var atts []inbox.Attachment
	if w.Attachment != nil {
		atts = attachmentList([]wireAttachment{*w.Attachment})
	}
	return commentInbound(w.ID, p.ID, parent, inbox.Author{ID: w.From.ID, Name: w.From.Name}, p.From.ID == pageID, pageID, w.Message, atts, t), nil
}

// commentInbound is the one mapping of a comment under post postID, for
// polling and webhooks alike. ParentID is the parent comment, or the post
// for a top-level comment (parentID "" or the post's id).
func commentInbound(id, postID, parentID string, author inbox.Author, pagePost bool, pageID, text string, atts []inbox.Attachment, at time.Time) inbox.Inbound {
	if parentID == "" {
		parentID = postID
	}
	return inbox.Inbound{
		V:           inbox.SchemaVersion,
		Platform:    inbox.Facebook,
		Kind:        inbox.Comment,
		ExternalID:  id,
		Thread:      CommentThread(postID, author.ID, pagePost),
		ParentID:    parentID,
		Author:      author,
		Recipient:   pageID,
		Text:        text,
		Attachments: atts,
		CreatedAt:   at,
	}
}
