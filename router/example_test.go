package router_test

import (
	"context"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/router"
)

// A Spanish tweet that shows a booking number gets one public reply, in
// English, that asks to delete the tweet, says that Twitter support is in
// English and invites a DM; the tweet is stored redacted and its
// conversation waits for no agent.
func ExampleRouter_Decide() {
	cfg := router.Config{
		Twitter:  router.TwitterPolicy{AccountID: "1500"},
		Contact:  router.Contact{FacebookPage: "https://facebook.com/ExampleHotels", Phone: "+1 800 555 0100"},
		Language: router.LanguageConfig{Languages: []string{"en", "es", "it"}}, // a small set loads fast
	}
	policy, err := router.NewPolicy(cfg, router.Deps{})
	if err != nil {
		panic(err)
	}
	r := router.New(router.Options{Policy: policy})
	d, err := r.Decide(context.Background(), inbox.Inbound{
		V: inbox.SchemaVersion, Platform: inbox.Twitter, Kind: inbox.Mention,
		ExternalID: "1790000000000000001", Thread: "42", Author: inbox.Author{ID: "42", Handle: "ana", Name: "Ana Ruiz"},
		Text:      "@HotelSupport hola, mi reserva 1234567890 no aparece en la aplicación, ¿me podéis ayudar?",
		CreatedAt: time.Now(),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("language:", d.Language, "english:", d.English)
	fmt.Println("stored:", d.Text)
	fmt.Println("flags:", d.Flags, "status:", d.Status)
	for _, a := range d.Actions {
		fmt.Printf("%s (%s): %s\n", a.Kind, a.Purpose, a.Text)
	}
	// Output:
	// language: es english: false
	// stored: @HotelSupport hola, mi reserva [booking number] no aparece en la aplicación, ¿me podéis ayudar?
	// flags: [pii_redacted non_english] status: pending
	// reply (pii_notice+non_english_notice+dm_invite): Hi Ana! Please delete your tweet, it shows private booking details. Our Twitter support is in English. For other languages: https://facebook.com/ExampleHotels, +1 800 555 0100. Please send us a DM so we can help you in private.
}
