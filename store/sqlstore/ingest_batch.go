package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// This file plans a batch for a set-based Ingest (see ingest_pg.go): it
// folds each conversation's items into one upsert, cuts the batch where a
// link must see exactly the items before it, and assembles the per-item
// results, so that the batch ends as if its items had been stored one by
// one in order (ingest.go).

// setIngest is what a dialect runs for a set-based Ingest.
type setIngest struct {
	// existing finds the batch's messages already stored, in one query.
	existing func(ctx context.Context, g *ingester, items []store.Item) (map[msgKey]msgRef, error)
	// insert stores one segment (customers, conversations, messages,
	// flags and actions as sets) and fills in its ids.
	insert func(ctx context.Context, g *ingester, seg *segment) error
}

// segment is a run of new items stored by one set-based statement.
type segment struct {
	items []*store.Item // new items, in batch order
	pos   []int         // their positions in the batch

	customers []segCustomer
	convs     []segConv
	convAt    map[convKey]int // index into convs
	flags     []segFlag
	actions   []segAction // first use of each key in the batch

	// Filled in by the insert.
	msgID  []int64 // per item; 0 when another transaction stored it first
	convID []int64 // per item
	// actionID is the id of each created action by key; a key missing was
	// stored before this batch.
	actionID map[string]int64
}

type convKey struct{ platform, channel, thread string }

func itemConvKey(m *inbox.Inbound) convKey {
	return convKey{string(m.Platform), string(m.Kind.Channel()), m.Thread}
}

// segCustomer is a customer with the handle and name the segment leaves:
// the last non-empty ones.
type segCustomer struct{ platform, externalID, handle, name string }

// segConv is one conversation's items in a segment. A new conversation
// is inserted with its first item's values, as storing one by one does
// (the report triggers of migration 0006 read the inserted row), then
// updated with the rest folded into one; an existing one is updated with
// all of them folded into one.
type segConv struct {
	key convKey
	// author is the first item's author: a new conversation's customer.
	author string
	// first, all and rest fold the first item, all items, and the items
	// after the first.
	first, all, rest fold

	// Filled in by the insert.
	id       int64
	customer int64
	linked   sql.NullInt64
	inserted bool // the conversation is new
	// before is last_customer_message_at before the segment.
	before sql.NullInt64
}

// fold is several customer messages of one conversation folded into the
// one message whose conversationRules update equals applying theirs in
// turn: the last status; the minimum awaiting_since of those that await
// an answer; the maximum last_customer_message_at; the last confident
// language, else the first guess (which only fills an empty language).
type fold struct {
	n        int
	status   inbox.Status
	language string
	conf     float64
	awaiting sql.NullInt64
	lastMsg  int64
}

// add folds in one more item.
func (f *fold) add(it *store.Item) {
	created := it.Message.CreatedAt.UnixNano()
	status := it.Status
	if status == "" {
		status = inbox.Open
	}
	f.status = status
	if status != inbox.Pending && (!f.awaiting.Valid || created < f.awaiting.Int64) {
		f.awaiting = sql.NullInt64{Int64: created, Valid: true}
	}
	if f.n == 0 || created > f.lastMsg {
		f.lastMsg = created
	}
	// The first as given: a new conversation is inserted with it (the
	// rules ignore a confidence without a language).
	if f.n == 0 || takesLanguage(f.language, it) {
		f.language, f.conf = it.Language, it.LanguageConfidence
	}
	f.n++
}

type segFlag struct {
	conv convKey
	flag string
}

type segAction struct {
	a   inbox.Action
	msg msgKey // the message that creates it
}

// batchState is what a batch has stored so far, across segments.
type batchState struct {
	seenKey map[string]bool
	// before holds every conversation the batch wrote, by id, with its
	// last_customer_message_at before the batch.
	before map[int64]sql.NullInt64
}

// runBatch is Ingest for a dialect with a set-based insert: the same
// results as run, in a few statements per batch instead of several per
// item.
func (g *ingester) runBatch(ctx context.Context, items []store.Item, sets *setIngest) ([]store.Ingested, error) {
	if g.s.d.ingestLock != "" {
		if _, err := g.tx.ExecContext(ctx, g.s.d.ingestLock, ingestBuckets(items)); err != nil {
			return nil, fmt.Errorf("taking ingest locks: %w", err)
		}
	}
	known, err := sets.existing(ctx, g, items)
	if err != nil {
		return nil, err
	}
	g.flags = make(map[flagKey]struct{})
	out := make([]store.Ingested, len(items))
	// firstAt maps a message stored by this batch to its item.
	firstAt := make(map[msgKey]int, len(items))
	var fresh []int
	var storedBefore []int64
	for i := range items {
		k := msgKey{string(items[i].Message.Platform), items[i].Message.ExternalID}
		if ref, ok := known[k]; ok {
			out[i] = store.Ingested{ConversationID: ref.conversationID, MessageID: ref.id, Duplicate: true}
			storedBefore = append(storedBefore, ref.id)
			continue
		}
		if _, ok := firstAt[k]; ok {
			continue // a repeat within the batch; filled in below
		}
		firstAt[k] = i
		fresh = append(fresh, i)
	}
	st := batchState{seenKey: map[string]bool{}, before: map[int64]sql.NullInt64{}}
	created := map[string]inbox.Action{} // actions this batch created, by key
	var segs []*segment
	for _, part := range cutSegments(items, fresh) {
		seg := planSegment(items, part, st.seenKey)
		if err := sets.insert(ctx, g, seg); err != nil {
			return nil, err
		}
		for i, id := range seg.msgID {
			if id == 0 {
				// Stored by a concurrent transaction after existing()
				// looked: what this statement wrote must not stand.
				return nil, errRace
			}
			out[seg.pos[i]] = store.Ingested{ConversationID: seg.convID[i], MessageID: id}
		}
		for i := range seg.convs {
			if _, ok := st.before[seg.convs[i].id]; !ok {
				st.before[seg.convs[i].id] = seg.convs[i].before
			}
		}
		if err := g.linkSegment(ctx, seg); err != nil {
			return nil, err
		}
		segs = append(segs, seg)
	}

	// Actions not created by this batch (their key existed), and those of
	// messages stored before it, are read back.
	var oldKeys []string
	for _, seg := range segs {
		for _, sa := range seg.actions {
			if _, ok := seg.actionID[sa.a.Key]; !ok {
				oldKeys = append(oldKeys, sa.a.Key)
			}
		}
	}
	byKey, byMsg, err := g.storedActions(ctx, oldKeys, storedBefore)
	if err != nil {
		return nil, err
	}

	// Assemble the results in batch order, with each action's
	// last_customer_message_at as it was when its item was stored.
	lcm := make(map[int64]sql.NullInt64, len(st.before))
	for id, v := range st.before {
		lcm[id] = v
	}
	asOf := func(a inbox.Action) inbox.Action {
		if v, ok := lcm[a.ConversationID]; ok {
			a.LastCustomerMessageAt = fromNullNS(v)
		}
		return a
	}
	segOf := map[int]*segment{}
	idActions := map[int64][]inbox.Action{} // created actions by message id
	for _, seg := range segs {
		for _, p := range seg.pos {
			segOf[p] = seg
		}
	}
	for i := range items {
		it := &items[i]
		k := msgKey{string(it.Message.Platform), it.Message.ExternalID}
		if out[i].Duplicate {
			for _, a := range byMsg[out[i].MessageID] {
				out[i].Actions = append(out[i].Actions, asOf(a))
			}
			continue
		}
		if j := firstAt[k]; j != i {
			// Repeated within the batch: as a redelivery of item j.
			out[i] = store.Ingested{ConversationID: out[j].ConversationID, MessageID: out[j].MessageID, Duplicate: true}
			for _, a := range idActions[out[j].MessageID] {
				out[i].Actions = append(out[i].Actions, asOf(a))
			}
			continue
		}
		conv := out[i].ConversationID
		at := it.Message.CreatedAt.UnixNano()
		if v := lcm[conv]; !v.Valid || at > v.Int64 {
			lcm[conv] = sql.NullInt64{Int64: at, Valid: true}
		}
		for _, a := range it.Actions {
			var stored inbox.Action
			if c, ok := created[a.Key]; ok {
				stored = asOf(c)
			} else if id, ok := segOf[i].actionID[a.Key]; ok {
				stored = createdAction(a, id, conv, lcm[conv], g.now)
				created[a.Key] = stored
				idActions[out[i].MessageID] = append(idActions[out[i].MessageID], stored)
			} else if old, ok := byKey[a.Key]; ok {
				stored = asOf(old)
			} else {
				return nil, fmt.Errorf("item %d: action %q was neither stored nor found", i, a.Key)
			}
			out[i].Actions = append(out[i].Actions, stored)
		}
	}
	return out, nil
}

// cutSegments splits the batch's new items (positions into items) where a
// set-based insert could end differently from storing one by one: after
// an item that asks for a link when a later item of the batch is a public
// message of the same author on the same platform, which could create or
// update the public conversation the link would pick; and around an item
// that closes its conversation.
func cutSegments(items []store.Item, fresh []int) [][]int {
	type who struct{ platform, author string }
	publicLater := map[who]bool{}
	cutAfter := make([]bool, len(fresh))
	for n := len(fresh) - 1; n >= 0; n-- {
		m := &items[fresh[n]].Message
		w := who{string(m.Platform), m.Author.ID}
		if items[fresh[n]].Link && m.Kind.Channel() == inbox.Private && publicLater[w] {
			cutAfter[n] = true
		}
		if m.Kind.Channel() == inbox.Public {
			publicLater[w] = true
		}
	}
	for n := range fresh {
		// A closed item alone, so that each close is a change of status
		// that the report trigger sees, as when storing one by one.
		if items[fresh[n]].Status == inbox.Closed {
			cutAfter[n] = true
			if n > 0 {
				cutAfter[n-1] = true
			}
		}
	}
	var parts [][]int
	start := 0
	for n := range fresh {
		if cutAfter[n] || n == len(fresh)-1 {
			parts = append(parts, fresh[start:n+1])
			start = n + 1
		}
	}
	return parts
}

// planSegment folds the items at positions pos into one set-based insert.
// seenKey holds the action keys earlier segments stored; the first use of
// a key is inserted, later ones get the stored action.
func planSegment(items []store.Item, pos []int, seenKey map[string]bool) *segment {
	seg := &segment{pos: pos, convAt: map[convKey]int{}, actionID: map[string]int64{}}
	custAt := map[msgKey]int{}
	flagSeen := map[segFlag]bool{}
	for _, p := range pos {
		it := &items[p]
		m := &it.Message
		seg.items = append(seg.items, it)
		ck := msgKey{string(m.Platform), m.Author.ID}
		n, ok := custAt[ck]
		if !ok {
			n = len(seg.customers)
			custAt[ck] = n
			seg.customers = append(seg.customers, segCustomer{platform: ck.platform, externalID: ck.externalID})
		}
		if m.Author.Handle != "" {
			seg.customers[n].handle = m.Author.Handle
		}
		if m.Author.Name != "" {
			seg.customers[n].name = m.Author.Name
		}
		k := itemConvKey(m)
		c, ok := seg.convAt[k]
		if !ok {
			c = len(seg.convs)
			seg.convAt[k] = c
			seg.convs = append(seg.convs, segConv{key: k, author: m.Author.ID})
		}
		sc := &seg.convs[c]
		if !ok {
			sc.first.add(it)
		} else {
			sc.rest.add(it)
		}
		sc.all.add(it)
		for _, f := range it.Flags {
			sf := segFlag{k, f}
			if !flagSeen[sf] {
				flagSeen[sf] = true
				seg.flags = append(seg.flags, sf)
			}
		}
		for _, a := range it.Actions {
			if !seenKey[a.Key] {
				seenKey[a.Key] = true
				seg.actions = append(seg.actions, segAction{a: a, msg: msgKey{string(m.Platform), m.ExternalID}})
			}
		}
	}
	return seg
}

// listJSON is how a message's lists (findings, attachments) are stored:
// JSON, or "" for none; decodeList reads them back.
func listJSON[T any](xs []T) (string, error) {
	if len(xs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(xs)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decodeList reads a list stored by listJSON into out, which "" leaves
// as it is.
func decodeList[T any](s string, out *[]T) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), out)
}

// linkSegment links the segment's private conversations as storing its
// items one by one would: for each conversation without a link, its first
// item that asks for one. One query finds which of them have a public
// conversation to link to at all; only those run link's statements.
func (g *ingester) linkSegment(ctx context.Context, seg *segment) error {
	type candidate struct {
		conv, customer int64
		platform       inbox.Platform
		author         string
	}
	var cands []candidate
	asked := map[int64]bool{}
	for i, it := range seg.items {
		m := &it.Message
		if !it.Link || m.Kind.Channel() != inbox.Private {
			continue
		}
		c := &seg.convs[seg.convAt[itemConvKey(m)]]
		if c.linked.Valid || asked[c.id] {
			continue
		}
		asked[c.id] = true
		cands = append(cands, candidate{seg.convID[i], c.customer, m.Platform, m.Author.ID})
	}
	if len(cands) == 0 {
		return nil
	}
	var convs, customers []int64
	var platforms, authors []string
	for _, c := range cands {
		convs = append(convs, c.conv)
		customers = append(customers, c.customer)
		platforms = append(platforms, string(c.platform))
		authors = append(authors, c.author)
	}
	linkable, err := g.linkable(ctx, convs, customers, platforms, authors)
	if err != nil {
		return fmt.Errorf("finding public conversations to link: %w", err)
	}
	for _, c := range cands {
		if !linkable[c.conv] {
			continue
		}
		// Earlier links of this batch may have taken the public
		// conversation: link looks again, as storing in turn would.
		if err := g.link(ctx, c.conv, c.customer, c.platform, c.author); err != nil {
			return err
		}
	}
	return nil
}
