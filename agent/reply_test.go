package agent

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
)

// TestReplyPathThroughBus sends replies through the reply guard onto a
// real embedded bus: a refused public reply leaves nothing on OUTBOUND and
// nothing in the store; an accepted one is on OUTBOUND, pending.
func TestReplyPathThroughBus(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	b := e.bus
	alice := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	conv := e.conv(t, inbox.Facebook, inbox.Comment, "cust", "What is my PIN?")
	base := "/api/conversations/" + strconv.FormatInt(conv, 10)

	outbound := func() uint64 {
		t.Helper()
		st, err := b.JetStream().Stream(ctx, bus.StreamOutbound)
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}

	for _, text := range []string{"Your PIN is 4821", "Booking 1425-587-239 is confirmed", "Card 4111 1111 1111 1111 was charged"} {
		rec := alice.json(t, "POST", base+"/reply", `{"public":true,"text":"`+text+`"}`)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("public %q: got %d %s, want 422", text, rec.Code, rec.Body)
		}
	}
	if n := outbound(); n != 0 {
		t.Errorf("refused replies put %d messages on OUTBOUND", n)
	}
	if acts, _ := e.st.Actions(ctx, conv); len(acts) != 0 {
		t.Errorf("refused replies stored %d actions", len(acts))
	}

	rec := alice.json(t, "POST", base+"/reply", `{"text":"Please check your private messages."}`)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("private reply: %d %s", rec.Code, rec.Body)
	}
	if n := outbound(); n != 1 {
		t.Errorf("an accepted reply put %d messages on OUTBOUND, want 1", n)
	}
	if acts, _ := e.st.Actions(ctx, conv); len(acts) != 1 || acts[0].State != inbox.StatePending || acts[0].RequestedBy != "agent:alice" {
		t.Errorf("actions = %+v", acts)
	}
}
