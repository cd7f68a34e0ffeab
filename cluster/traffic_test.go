package cluster_test

import "github.com/inboxbot/inboxbot/internal/testutil/fleet"

// texts is what customers write: support requests, thank-yous (which get
// no invitation), other languages (which get notices on Twitter) and
// booking numbers and PINs (which get comments hidden).
var texts = []fleet.Text{
	{Text: "Hi, my room is still not ready and check-in was at 14:00. Can you help?", Lang: "en"},
	{Text: "I was charged twice for my stay in Lisbon, please refund one of the payments", Lang: "en"},
	{Text: "My booking number is 4821553907 and the PIN is 4321, the hotel says they have no reservation", Lang: "en", PII: true},
	{Text: "The wifi in my room does not work at all, who can I talk to?", Lang: "en"},
	{Text: "Can I bring my dog to the hotel? We arrive on Friday", Lang: "en"},
	{Text: "thanks, that worked!", Lang: "en"},
	{Text: "Thank you so much, great service", Lang: "en"},
	{Text: "Hola, necesito una factura para mi reserva en Madrid, gracias", Lang: "es"},
	{Text: "Ciao, vorrei cambiare la data del mio soggiorno a Roma, è possibile?", Lang: "it"},
	{Text: "Bonjour, je ne peux pas accéder à ma réservation depuis hier soir", Lang: "fr"},
	{Text: "Hallo, mein Zimmer ist zu laut und die Klimaanlage funktioniert nicht", Lang: "de"},
	{Text: "Halo, saya ingin membatalkan pesanan saya untuk minggu depan", Lang: "in"},
	{Text: "Olá, a minha reserva não aparece na aplicação, podem ajudar?", Lang: "pt"},
	{Text: "Why is the price now higher than it was yesterday? This is not fair", Lang: "en"},
}

// mix is the traffic's share of each kind, in percent: Messenger,
// comments, visitor posts, mentions, DMs.
var mix = fleet.Mix{28, 20, 2, 30, 20}
