package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/store"
)

// TestServeNamesDMSenders: serve, as assembled, names the sender of a DM
// that X delivered without naming them: the webhook stores the DM at
// once, and the profile look-up adds name, handle and avatar after.
func TestServeNamesDMSenders(t *testing.T) {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	a := runApp(t, xEnv(fk))
	if err := fk.SetWebhook("http://" + a.Addr() + "/webhooks/twitter"); err != nil {
		t.Fatal(err)
	}
	// The fake knows the sender; the delivery (the Account Activity shape
	// of testdata/v2/webhook_direct_message_events.json) has no users map.
	guest := twfake.User{ID: 5099, ScreenName: "marta_k", Name: "Marta K."}
	fk.AddOwnDM(guest, "so the fake knows her") // our own DM: not a customer item
	self := fk.Self().IDStr()
	body := fmt.Appendf(nil, `{"for_user_id":%q,"direct_message_events":[{"type":"message_create","id":"954491830116155396",
		"created_timestamp":"%d","message_create":{"target":{"recipient_id":%q},"sender_id":"5099",
		"message_data":{"text":"Hi, where is my booking confirmation?"}}}]}`, self, time.Now().UnixMilli(), self)
	if status, err := fk.DeliverRaw(body, fk.Sign(body)); err != nil || status != http.StatusOK {
		t.Fatalf("delivery: %d %v", status, err)
	}
	var c store.Conversation
	deadline := time.Now().Add(90 * time.Second)
	for {
		page, err := a.Store.Conversations(context.Background(), store.Filter{})
		if err == nil && len(page.Conversations) == 1 {
			c = page.Conversations[0]
			if c.Customer.Name != "" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the DM's sender was not named: %+v (users lookups %d)", c, fk.Requests(twfake.UsersLookup))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c.Customer.Name != guest.Name || c.Customer.Handle != guest.ScreenName {
		t.Errorf("customer %+v, want %s (@%s)", c.Customer, guest.Name, guest.ScreenName)
	}
	if n := fk.Requests(twfake.UsersLookup); n != 1 {
		t.Errorf("%d users lookups, want 1", n)
	}
}
