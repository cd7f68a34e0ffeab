package router

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/redact"
)

// TestCompanyNumberIsNeverDamaged: the company's own phone number written
// as ten digits without '+' (which alone reads as a booking number) is
// accepted by the config check, sent in the English-only notice, kept in
// a customer's public tweet on the bus and in the store, and allowed in an
// agent's public reply; a booking number next to it is still masked.
func TestCompanyNumberIsNeverDamaged(t *testing.T) {
	const phone = "800 555 0199"
	if !redact.Contains(phone) {
		t.Fatal("precondition: without the allowance the number reads as a booking number")
	}
	cfg := testConfig()
	cfg.Contact.Phone = phone
	if err := cfg.WithDefaults().Validate(); err != nil {
		t.Fatalf("config with the company's number refused: %v", err)
	}
	p := newPolicy(t, cfg, nil)

	notice := decide(t, p, tweet("301", "2", "[es] hola, necesito ayuda con mi reserva"))
	if len(notice.Actions) != 1 || !strings.Contains(notice.Actions[0].Text, phone) {
		t.Errorf("the notice lost the company's number: %+v", notice.Actions)
	}

	in := tweet("302", "3", "I called 800-555-0199 twice about booking 1234567890")
	onBus := bus.RedactPublic(cfg.Redactor(), in)
	d := decide(t, p, onBus)
	want := "I called 800-555-0199 twice about booking [booking number]"
	if onBus.Text != want || d.Text != want {
		t.Errorf("on the bus %q, stored %q; want %q", onBus.Text, d.Text, want)
	}
	if len(d.Findings) != 1 || d.Findings[0].Kind != string(redact.BookingNumber) {
		t.Errorf("findings %+v, want the booking number only", d.Findings)
	}

	e := newReplyEnv(t)
	r := New(Options{Bus: e.bus, Store: e.store, Metrics: metrics.New(), Redactor: cfg.Redactor()})
	ctx := context.Background()
	if _, err := r.Reply(ctx, ReplyRequest{ConversationID: e.conv["mention"], Agent: "ann", Public: true, Text: "Please call us at " + phone}); err != nil {
		t.Errorf("public reply with the company's number: %v", err)
	}
	if _, err := r.Reply(ctx, ReplyRequest{ConversationID: e.conv["mention"], Agent: "ann", Public: true, Text: "Call " + phone + " about 1234567890"}); !errors.Is(err, ErrRefused) {
		t.Errorf("public reply with a booking number next to the company's number: %v, want a refusal", err)
	}
}
