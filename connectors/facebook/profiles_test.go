package facebook

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// TestMessengerCustomerGetsProfile: a Messenger customer a webhook left
// unnamed gets the name and picture the User Profile API gives the Page,
// looked up once; a PSID Graph does not know is recorded as gone.
func TestMessengerCustomerGetsProfile(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	r.connect()
	ctx := context.Background()
	cust := fbfake.User{ID: "20001", Name: "Maria Rossi"}
	r.srv.AddMessage("t_20001", cust, "Ciao", time.Now().Add(-time.Minute))
	ingest := func(psid, thread, ext string) int64 {
		t.Helper()
		res, err := r.env.Store.Ingest(ctx, []store.Item{{Message: inbox.Inbound{
			V: inbox.SchemaVersion, Platform: inbox.Facebook, Kind: inbox.Message, ExternalID: ext, Thread: thread,
			Author: inbox.Author{ID: psid}, Text: "hello", CreatedAt: time.Now(),
		}}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].ConversationID
	}
	conv := ingest(cust.ID, "t_20001", "m_1")
	ingest("29999", "t_29999", "m_2") // a PSID the Page has no conversation with
	p, err := connectors.NewProfiler(connectors.ProfilerConfig{Platform: inbox.Facebook}, connectors.ProfilerDeps{Source: r.conn, Store: r.env.Store, Log: r.logger()})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.Once(ctx); n != 2 || err != nil {
		t.Fatalf("Once = %d, %v, want the customer and the unknown PSID", n, err)
	}
	c, err := r.env.Store.Conversation(ctx, conv)
	if err != nil || c.Customer.Name != cust.Name {
		t.Errorf("customer = %+v, %v", c.Customer, err)
	}
	g, err := r.env.Store.Glances(ctx, "alice", []int64{conv}, nil)
	if err != nil || g[conv].AvatarURL != fbfake.ProfilePicURL(cust.ID) {
		t.Errorf("avatar %q, %v", g[conv].AvatarURL, err)
	}
	lookups := func() int {
		n := 0
		for _, call := range r.srv.Calls() {
			if call.Path == "/"+cust.ID || call.Path == "/29999" {
				n++
			}
		}
		return n
	}
	if n := lookups(); n != 2 {
		t.Errorf("%d profile look-ups, want 2", n)
	}
	ingest(cust.ID, "t_20001", "m_3")
	if n, err := p.Once(ctx); n != 0 || err != nil {
		t.Errorf("second message's pass = %d, %v", n, err)
	}
	if n := lookups(); n != 2 {
		t.Errorf("%d profile look-ups after a second message, want still 2", n)
	}
	for _, line := range []string{"Ciao", "hello"} {
		if strings.Contains(r.logs.String(), line) {
			t.Errorf("customer text %q logged", line)
		}
	}
}

// TestUserProfileRecorded: fbfake answers a PSID with the fields of the
// documented User Profile API answer, and the connector reads its name
// and picture.
func TestUserProfileRecorded(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	r.connect()
	cust := fbfake.User{ID: "20002", Name: "Peter Chang"}
	r.srv.AddMessage("t_20002", cust, "Hi", time.Now().Add(-time.Minute))
	got, err := r.conn.LookupProfiles(context.Background(), []string{cust.ID})
	if err != nil || len(got) != 1 || got[0].Name != "Peter Chang" || got[0].AvatarURL == "" {
		t.Fatalf("LookupProfiles = %+v, %v", got, err)
	}
	body, err := os.ReadFile(filepath.Join("testdata", "user_profile.docs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc, fake map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	res, err := r.conn.call(context.Background(), "test", "GET", cust.ID, map[string]any{"fields": "first_name,last_name,profile_pic"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if err := json.Unmarshal(b, &fake); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"first_name", "last_name", "profile_pic"} {
		if _, ok := doc[k].(string); !ok {
			t.Errorf("documented profile has no %s", k)
		}
		if _, ok := fake[k].(string); !ok {
			t.Errorf("fbfake's profile has no %s: %v", k, fake)
		}
	}
}
