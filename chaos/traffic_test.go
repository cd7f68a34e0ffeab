package chaos_test

import "github.com/inboxbot/inboxbot/internal/testutil/fleet"

// texts is what customers write, in the three languages the instances
// detect (policy.language.languages=en,es,it); the booking numbers and
// PINs get a comment hidden on Facebook.
var texts = []fleet.Text{
	{Text: "Hi, my room is still not ready and check-in was at 14:00. Can you help?", Lang: "en"},
	{Text: "I was charged twice for my stay in Lisbon, please refund one of the payments", Lang: "en"},
	{Text: "My booking number is 1234567890 and the hotel says they have no reservation", Lang: "en", PII: true},
	{Text: "Booking 4821553907, PIN 4321: the app shows the wrong dates, please fix", Lang: "en", PII: true},
	{Text: "The wifi in my room does not work at all, who can I talk to?", Lang: "en"},
	{Text: "Can I bring my dog to the hotel? We arrive on Friday", Lang: "en"},
	{Text: "thanks, that worked!", Lang: "en"},
	{Text: "Why is the price now higher than it was yesterday? This is not fair", Lang: "en"},
	{Text: "Hola, necesito una factura para mi reserva en Madrid, gracias", Lang: "es"},
	{Text: "Mi número de reserva es 5550001234 y nadie me contesta", Lang: "es", PII: true},
	{Text: "Ciao, vorrei cambiare la data del mio soggiorno a Roma, è possibile?", Lang: "it"},
}

// mix is the traffic's share of each kind, in percent: Messenger,
// comments (a quarter, so that hides meet the faults), visitor posts,
// mentions, DMs.
var mix = fleet.Mix{25, 25, 3, 27, 20}
