package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
)

// TestNoPublicSecretAtRestOnTheBus: a booking number or PIN a customer
// posts in public is redacted before it reaches INBOUND's stream files,
// and a dead letter never holds one, whatever its payload. The findings
// travel with the item for the router. A DM keeps its text: agents need
// it.
func TestNoPublicSecretAtRestOnTheBus(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := bus.Open(ctx, bus.Config{StoreDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	now := time.Now()
	items := []inbox.Inbound{
		{Platform: inbox.Facebook, Kind: inbox.Comment, ExternalID: "c1", Thread: "p1", Author: inbox.Author{ID: "u1"},
			Text: "my booking 4821553907 pin 5566 please help", CreatedAt: now},
		{Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: "m1", Thread: "u2", Author: inbox.Author{ID: "u2"},
			Text: "@HotelHelp booking nr 9988-776-655", CreatedAt: now},
		{Platform: inbox.Twitter, Kind: inbox.DM, ExternalID: "d1", Thread: "u3", Author: inbox.Author{ID: "u3"},
			Text: "private: 1212343456", CreatedAt: now},
	}
	if err := b.PublishInbound(ctx, items); err != nil {
		t.Fatal(err)
	}
	if err := b.PublishDead(ctx, "inbox.in.facebook.comment", []byte(`{"text":"booking 4821553907 `+"\xff"+`"`), "store said: 4821553907 invalid"); err != nil {
		t.Fatal(err)
	}
	// What the router gets: redacted text and the findings.
	cons, err := b.JetStream().CreateOrUpdateConsumer(ctx, bus.StreamInbound, jetstream.ConsumerConfig{Durable: "t", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		var in inbox.Inbound
		if err := json.Unmarshal(m.Data(), &in); err != nil {
			t.Fatal(err)
		}
		public := in.Kind.Channel() == inbox.Public
		if public != in.Redacted || public != (len(in.Findings) > 0) {
			t.Errorf("%s: redacted %v, findings %v", in.ExternalID, in.Redacted, in.Findings)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// Nothing public on disk: every file of the bus's storage.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{"4821553907", "5566", "9988-776-655", "9988776655"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %s", path, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBusRedactorSparesTheCompanyNumber: with WithRedactor, public text on
// its way to INBOUND keeps the company's own number (ten digits that read
// as a booking number) and loses the customer's booking number.
func TestBusRedactorSparesTheCompanyNumber(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{StoreDir: t.TempDir()}, nil, bus.WithRedactor(redact.New(redact.WithAllowed("+1 800 555 0199"))))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	in := inbox.Inbound{Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: "m9", Thread: "u9", Author: inbox.Author{ID: "u9"},
		Text: "called 800 555 0199 about booking 4821553907", CreatedAt: time.Now()}
	if err := b.PublishInbound(ctx, []inbox.Inbound{in}); err != nil {
		t.Fatal(err)
	}
	s, err := b.JetStream().Stream(ctx, bus.StreamInbound)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, in.Subject())
	if err != nil {
		t.Fatal(err)
	}
	var got inbox.Inbound
	if err := json.Unmarshal(m.Data, &got); err != nil {
		t.Fatal(err)
	}
	if want := "called 800 555 0199 about booking [booking number]"; got.Text != want || len(got.Findings) != 1 {
		t.Errorf("on INBOUND: %q %+v, want %q and one finding", got.Text, got.Findings, want)
	}
}
