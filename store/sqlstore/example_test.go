package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "inboxbot-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "inboxbot.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	tweet := inbox.Inbound{
		V: inbox.SchemaVersion, Platform: inbox.Twitter, Kind: inbox.Mention,
		ExternalID: "1790000000000000001", Thread: "42", Author: inbox.Author{ID: "42", Handle: "ann"},
		Text: "@hotels my booking vanished!", CreatedAt: time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC),
	}
	item := store.Item{Message: tweet, Language: "en", LanguageConfidence: 0.97}
	for range 2 { // a redelivery is harmless
		res, err := st.Ingest(ctx, []store.Item{item})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("duplicate:", res[0].Duplicate)
	}

	page, err := st.Conversations(ctx, store.Filter{Status: inbox.Open})
	if err != nil {
		log.Fatal(err)
	}
	c := page.Conversations[0]
	fmt.Println(page.Total, c.Platform, c.Channel, "@"+c.Customer.Handle, c.Language, c.AwaitingSince.Format(time.RFC3339))
	// Output:
	// duplicate: false
	// duplicate: true
	// 1 twitter public @ann en 2025-05-01T09:30:00Z
}
