package agent

import (
	"sort"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// ThreadKind says what a ThreadItem is.
type ThreadKind string

// The kinds of thread item.
const (
	// ThreadMessage is a customer's message, or one of ours that no
	// action of this conversation sent (the Page's own post, say).
	ThreadMessage ThreadKind = "message"
	// ThreadReply is one of our texts to the customer: a reply, DM or
	// Private Reply, by an agent or the automatic policy, with its
	// delivery state; its message once it went out.
	ThreadReply ThreadKind = "reply"
	// ThreadAction is something done without text: a hidden comment, a
	// follow.
	ThreadAction ThreadKind = "action"
	// ThreadNote is an internal note.
	ThreadNote ThreadKind = "note"
)

// ThreadItem is one entry of a conversation's thread.
type ThreadItem struct {
	Kind ThreadKind
	At   time.Time
	// Message is set for messages, and for replies that went out.
	Message *MessageView
	// Action is set for replies (their delivery state) and actions.
	Action *ActionView
	// Note is set for notes.
	Note *NoteView
}

// thread merges a conversation's messages, actions and notes into one
// list in time order. A sent reply is both an action and the outbound
// message it became; it is listed once, with its delivery state.
func thread(rd *redact.Redactor, msgs []store.Message, acts []inbox.Action, notes []NoteView) []ThreadItem {
	outbound := map[string]int{}
	for i, m := range msgs {
		if m.Direction == inbox.Out {
			outbound[m.ExternalID] = i
		}
	}
	used := make([]bool, len(msgs))
	var items []ThreadItem
	for _, a := range acts {
		av := actionView(rd, a)
		switch a.Kind {
		case inbox.Reply, inbox.SendDM, inbox.PrivateReply:
		default:
			items = append(items, ThreadItem{Kind: ThreadAction, At: a.CreatedAt, Action: &av})
			continue
		}
		it := ThreadItem{Kind: ThreadReply, At: a.CreatedAt, Action: &av}
		// FinishSend stores a sent reply as a message under the platform's
		// id, or "action:<key>" when the platform gave none.
		for _, ext := range []string{a.PlatformID, "action:" + a.Key} {
			if i, ok := outbound[ext]; ok && ext != "" && !used[i] {
				used[i] = true
				mv := messageView(rd, msgs[i])
				it.Message, it.At = &mv, msgs[i].CreatedAt
				break
			}
		}
		items = append(items, it)
	}
	for i, m := range msgs {
		if !used[i] {
			mv := messageView(rd, m)
			items = append(items, ThreadItem{Kind: ThreadMessage, At: m.CreatedAt, Message: &mv})
		}
	}
	for i := range notes {
		items = append(items, ThreadItem{Kind: ThreadNote, At: notes[i].CreatedAt, Note: &notes[i]})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return items
}
