package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// texts is a realistic mix of what customers write, in several languages,
// some with booking numbers and PINs in them.
var texts = []string{
	"Hi, my room at the Hotel Adria is still not ready and check-in was at 14:00. Can you help?",
	"I was charged twice for booking 4821 553 907, please refund one of them",
	"My booking number is 1234567890 and the PIN is 4321, the hotel says they have no reservation",
	"Ciao, vorrei cambiare la data del mio soggiorno a Roma, è possibile?",
	"Halo, saya ingin membatalkan pesanan saya untuk minggu depan",
	"Hola, necesito una factura para mi reserva en Madrid, gracias",
	"Hallo, die PIN lautet 8026 und die Buchungsnummer 1425-587-239, bitte um Rückruf",
	"Bonjour, le code PIN est 5566, je ne peux pas accéder à ma réservation",
	"Can I bring my dog to the hotel? Booking for 2 nights in June",
	"Why is the price now €1.234,56 when it said €999 yesterday?",
	"Flight LH 1234 is delayed, please tell the hotel I will arrive after midnight",
	"thanks, that worked!",
	"Olá, a minha reserva 9988776655 não aparece na app",
	"The wifi in room 1204 does not work at all",
	"Please call me back on +39 02 9129 4973, it's urgent",
}

// Traffic returns n synthetic inbound items: tweets, DMs, Messenger
// messages, comments and posts from about n/8 customers, deterministic for
// a seed.
func Traffic(seed int64, n int) []inbox.Inbound {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x1b0c))
	customers := max(1, n/8)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]inbox.Inbound, n)
	for i := range out {
		c := rng.IntN(customers)
		uid := strconv.Itoa(100000 + c)
		m := inbox.Inbound{
			V:          inbox.SchemaVersion,
			ExternalID: fmt.Sprintf("bench-%d-%d", seed, i),
			Author:     inbox.Author{ID: uid, Handle: "guest" + uid, Name: "Guest " + uid},
			Text:       texts[rng.IntN(len(texts))],
			CreatedAt:  base.Add(time.Duration(i) * time.Millisecond),
		}
		switch k := rng.IntN(10); {
		case k < 4:
			m.Platform, m.Kind, m.Thread, m.Lang = inbox.Twitter, inbox.Mention, uid, "en"
		case k < 6:
			m.Platform, m.Kind, m.Thread = inbox.Twitter, inbox.DM, uid
		case k < 8:
			m.Platform, m.Kind, m.Thread = inbox.Facebook, inbox.Message, "t_"+uid
		case k < 9:
			post := "page_" + strconv.Itoa(c%50)
			m.Platform, m.Kind, m.Thread, m.ParentID = inbox.Facebook, inbox.Comment, post+"/"+uid, post
		default:
			m.Platform, m.Kind, m.Thread = inbox.Facebook, inbox.Post, "post_"+m.ExternalID
		}
		out[i] = m
	}
	return out
}
