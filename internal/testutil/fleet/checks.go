package fleet

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// StoredMessages counts the stored inbound messages by
// "<platform>:<external id>"; nil when the store does not answer (it is
// down, or its schema is not migrated yet).
func StoredMessages(ctx context.Context, db *sql.DB) map[string]int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT platform, external_id, count(*) FROM messages WHERE direction = 'in' GROUP BY platform, external_id`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p, id string
		var n int
		if err := rows.Scan(&p, &id, &n); err != nil {
			return nil
		}
		out[p+":"+id] = n
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}

// PendingActions counts the actions not in a final state; -1 when the
// store does not answer.
func PendingActions(ctx context.Context, db *sql.DB) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM actions WHERE state = 'pending'`).Scan(&n); err != nil {
		return -1
	}
	return n
}

// Action is a stored action, as the checks read it.
type Action struct {
	ID                                                    int64
	Platform, Kind, Key, Purpose, Target, Recipient, Text string
	State, PlatformID, Error, RequestedBy                 string
	Attempts                                              int
}

// LoadActions reads every stored action, oldest first.
func LoadActions(t testing.TB, db *sql.DB) []Action {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT id, platform, kind, action_key, purpose, target, recipient, text, state, platform_id, error, requested_by, attempts FROM actions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var a Action
		if err := rows.Scan(&a.ID, &a.Platform, &a.Kind, &a.Key, &a.Purpose, &a.Target, &a.Recipient, &a.Text, &a.State, &a.PlatformID, &a.Error, &a.RequestedBy, &a.Attempts); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Delivery is an action a fake platform carried out.
type Delivery struct {
	Platform, Kind, Target, Recipient, Text, PlatformID string
}

// Deliveries lists what the fakes recorded: posts, DMs and follows on X;
// comments posted, Messenger messages and Private Replies sent, and
// comments hidden on Facebook (every accepted is_hidden call, so that a
// hide sent twice shows).
func Deliveries(fb *fbfake.Server, tw *twfake.Server) []Delivery {
	var out []Delivery
	for _, r := range tw.Replies() {
		target := ""
		if r.InReplyTo != 0 {
			target = strconv.FormatInt(r.InReplyTo, 10)
		}
		out = append(out, Delivery{"twitter", "reply", target, "", r.Text, strconv.FormatInt(r.ID, 10)})
	}
	for _, d := range tw.DMs() {
		out = append(out, Delivery{"twitter", "dm", "", strconv.FormatInt(d.To, 10), d.Text, strconv.FormatInt(d.ID, 10)})
	}
	for _, u := range tw.Follows() {
		out = append(out, Delivery{"twitter", "follow", "", strconv.FormatInt(u, 10), "", ""})
	}
	for _, r := range fb.Replies() {
		out = append(out, Delivery{"facebook", "reply", r.Target, "", r.Text, r.ID})
	}
	for _, m := range fb.SentMessages() {
		switch {
		case m.CommentID != "":
			out = append(out, Delivery{"facebook", "private_reply", m.CommentID, "", m.Text, m.ID})
		case m.PostID != "":
			out = append(out, Delivery{"facebook", "private_reply", m.PostID, "", m.Text, m.ID})
		default:
			out = append(out, Delivery{"facebook", "dm", "", m.RecipientID, m.Text, m.ID})
		}
	}
	for _, c := range fb.Calls() {
		if c.Method == "POST" && c.Status == 200 && c.Params.Has("is_hidden") && strings.Count(c.Path, "/") == 1 {
			out = append(out, Delivery{"facebook", "hide", strings.TrimPrefix(c.Path, "/"), "", c.Params.Get("is_hidden"), ""})
		}
	}
	return out
}

// CheckActions checks the stored actions against what the fakes did: no
// duplicate keys or platform ids, nothing left pending, no delivery
// repeated (by kind, target and recipient, and text for DMs), every
// delivery belonging to exactly one action, every sent action delivered
// once, none failed or pending delivered. Unknown outcomes are what a
// lost answer or a killed instance leaves; at most maxUnknown of them.
func CheckActions(t testing.TB, acts []Action, dels []Delivery, maxUnknown int) {
	t.Helper()
	byState := map[string]int{}
	byKind := map[string]int{}
	keys := map[string]int{}
	pids := map[string]int{}
	failed := map[string]int{}
	unknown := map[string]int{}
	for _, a := range acts {
		byState[a.State]++
		byKind[a.Platform+"/"+a.Kind]++
		keys[a.Key]++
		if a.PlatformID != "" {
			pids[a.Platform+"/"+a.PlatformID]++
		}
		switch a.State {
		case "failed":
			failed[a.Platform+"/"+a.Kind+": "+clip(a.Error, 140)]++
		case "unknown":
			unknown[a.Platform+"/"+a.Kind+": "+clip(a.Error, 140)]++
		}
	}
	t.Logf("%d actions: by state %v, by kind %v", len(acts), byState, byKind)
	if len(acts) == 0 {
		t.Errorf("the router decided no actions at all: is the policy wired into serve (app.policy)?")
	}
	for k, n := range keys {
		if n > 1 {
			t.Errorf("action key %s stored %d times", k, n)
		}
	}
	for k, n := range pids {
		if n > 1 {
			t.Errorf("platform id %s recorded on %d actions", k, n)
		}
	}
	if byState["pending"] > 0 {
		t.Errorf("%d actions still pending at the end", byState["pending"])
		for _, a := range acts {
			if a.State == "pending" {
				t.Logf("pending: %+v", a)
			}
		}
	}
	if byState["unknown"] > maxUnknown {
		t.Errorf("%d actions unknown, want at most %d (sends whose answer was lost, one in-flight send per platform per kill)", byState["unknown"], maxUnknown)
	}
	for _, r := range slices.Sorted(maps.Keys(failed)) {
		t.Logf("failed: %d × %s", failed[r], r)
	}
	for _, r := range slices.Sorted(maps.Keys(unknown)) {
		t.Logf("unknown: %d × %s", unknown[r], r)
	}

	seen := map[string]int{}
	for _, d := range dels {
		k := d.Platform + "/" + d.Kind + " target=" + d.Target + " recipient=" + d.Recipient
		if d.Kind == "dm" {
			k += " text=" + d.Text
		}
		seen[k]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("delivered %d times: %s", n, k)
		}
	}

	byPID := map[string]*Action{}
	byTarget := map[string][]*Action{}
	for i := range acts {
		a := &acts[i]
		if a.PlatformID != "" {
			byPID[a.Platform+"/"+a.PlatformID] = a
		}
		k := a.Platform + "/" + a.Kind + "/" + a.Target + "/" + a.Recipient
		byTarget[k] = append(byTarget[k], a)
	}
	delivered := map[int64]int{}
	for _, d := range dels {
		var a *Action
		if d.PlatformID != "" {
			a = byPID[d.Platform+"/"+d.PlatformID]
		}
		if a == nil {
			// Not recorded as sent: an answer lost to a fault or a kill,
			// or an action without a platform id (a hide, a follow).
			for _, c := range byTarget[d.Platform+"/"+d.Kind+"/"+d.Target+"/"+d.Recipient] {
				if (c.State == "unknown" || (c.PlatformID == "" && c.State == "sent")) && (d.Kind != "dm" || c.Text == d.Text) && delivered[c.ID] == 0 {
					a = c
					break
				}
			}
		}
		if a == nil {
			t.Errorf("delivery without a matching sent or unknown action: %+v", d)
			continue
		}
		delivered[a.ID]++
	}
	for _, a := range acts {
		n := delivered[a.ID]
		switch {
		case n > 1:
			t.Errorf("action %d (%s %s %s) delivered %d times", a.ID, a.Platform, a.Kind, a.Key, n)
		case a.State == "sent" && n != 1:
			t.Errorf("action %d (%s %s %s) is sent but the platform has %d deliveries", a.ID, a.Platform, a.Kind, a.Key, n)
		case (a.State == "failed" || a.State == "pending") && n != 0:
			t.Errorf("action %d (%s %s) is %s but was delivered", a.ID, a.Platform, a.Kind, a.State)
		}
	}
}

// FirstPollAfter returns the time of the first poll request the
// platform's fake received after t: Graph's conversations or feed of
// pageID, X's mentions or DM events.
func FirstPollAfter(fb *fbfake.Server, tw *twfake.Server, pageID, platform string, t time.Time) (time.Time, bool) {
	switch platform {
	case "facebook":
		for _, c := range fb.Calls() {
			if c.Method == "GET" && c.At.After(t) && (c.Path == "/"+pageID+"/conversations" || c.Path == "/"+pageID+"/feed") {
				return c.At, true
			}
		}
	case "twitter":
		for _, c := range tw.Calls() {
			if c.At.After(t) && (c.Endpoint == twfake.UserMentions || c.Endpoint == twfake.DMEvents) {
				return c.At, true
			}
		}
	}
	return time.Time{}, false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
