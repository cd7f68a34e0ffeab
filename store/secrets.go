package store

import (
	"time"
)

// What the desk and the retention job need to keep customers' private
// secrets out of sight: one message (an agent reveals it), the
// conversations closed for some time, and rewriting a conversation's texts
// in place (retention redacts them).

// ConversationRef is a conversation's id and the time of its last change,
// the position of a walk over conversations in that order.
type ConversationRef struct {
	ID        int64
	UpdatedAt time.Time
}
