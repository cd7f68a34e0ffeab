package sqlstore

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

type messageRow struct {
	ID             int64  `db:"id"`
	ConversationID int64  `db:"conversation_id"`
	Platform       string `db:"platform"`
	Kind           string `db:"kind"`
	ExternalID     string `db:"external_id"`
	Direction      string `db:"direction"`
	Author         string `db:"author"`
	Text           string `db:"text"`
	Visibility     string `db:"visibility"`
	Findings       string `db:"findings"`
	Attachments    string `db:"attachments"`
	ParentID       string `db:"parent_id"`
	CreatedAt      int64  `db:"created_at"`
}

// messageSelect reads messageRow columns.
const messageSelect = `SELECT id, conversation_id, platform, kind, external_id,
	direction, author, text, visibility, findings, attachments, parent_id, created_at FROM messages`

// message converts a stored row, decoding its findings and attachments.
func (r *messageRow) message() (store.Message, error) {
	findings := []inbox.Finding{}
	if err := decodeList(r.Findings, &findings); err != nil {
		return store.Message{}, fmt.Errorf("decoding findings of message %d: %w", r.ID, err)
	}
	var atts []inbox.Attachment
	if err := decodeList(r.Attachments, &atts); err != nil {
		return store.Message{}, fmt.Errorf("decoding attachments of message %d: %w", r.ID, err)
	}
	return store.Message{
		ID:             r.ID,
		ConversationID: r.ConversationID,
		Platform:       inbox.Platform(r.Platform),
		Kind:           inbox.Kind(r.Kind),
		ExternalID:     r.ExternalID,
		Direction:      inbox.Direction(r.Direction),
		Author:         r.Author,
		Text:           r.Text,
		Visibility:     inbox.Channel(r.Visibility),
		Findings:       findings,
		Attachments:    atts,
		ParentID:       r.ParentID,
		CreatedAt:      fromNS(r.CreatedAt),
	}, nil
}

// Messages returns a conversation's messages, oldest first, or ErrNotFound
// for an unknown conversation.
func (s *sqlStore) Messages(ctx context.Context, conversationID int64) ([]store.Message, error) {
	var rows []messageRow
	err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(messageSelect+` WHERE conversation_id = ? ORDER BY created_at, id`), conversationID)
	if err == nil && len(rows) == 0 {
		err = s.requireConversation(ctx, conversationID)
	}
	if err != nil {
		return nil, fmt.Errorf("listing messages of conversation %d: %w", conversationID, err)
	}
	out := make([]store.Message, len(rows))
	for i := range rows {
		if out[i], err = rows[i].message(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
