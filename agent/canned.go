package agent

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/inboxbot/inboxbot/inbox"
)

// Canned replies: ready-made answers an agent picks by typing '/' and a
// few letters of the name in the reply box. Each is per language; the
// desk offers those in the conversation's language, then English. The
// built-in set covers what customers of a hotel-booking company ask most;
// http.canned_replies adds to it, or replaces a built-in reply of the same
// name and language.

// Canned reply variables, filled in when the desk offers the reply.
const (
	VarCustomerName = "{customer.name}"
	VarAgentName    = "{agent.name}"
)

// cannedVarRE finds the {placeholders} of a canned text.
var cannedVarRE = regexp.MustCompile(`\{[^{}\s]*\}`)

// checkCannedVars reports the first placeholder of text that is not a
// known variable.
func checkCannedVars(text string) error {
	for _, v := range cannedVarRE.FindAllString(text, -1) {
		if v != VarCustomerName && v != VarAgentName {
			return fmt.Errorf("unknown placeholder %s (use %s or %s)", v, VarCustomerName, VarAgentName)
		}
	}
	return nil
}

// BuiltinCannedReplies are the canned replies every desk has, in English,
// Spanish, Italian, German, French, Portuguese, Dutch and Indonesian.
var BuiltinCannedReplies = builtinCanned()

func builtinCanned() []CannedReply {
	texts := map[string]map[string]string{
		"refund": {
			"en": "Hi {customer.name}, thanks for your patience. I've passed your refund request to our payments team. Refunds usually reach your account within 5–10 business days, and we'll email you as soon as it's processed. {agent.name}",
			"es": "Hola {customer.name}, gracias por tu paciencia. He enviado tu solicitud de reembolso a nuestro equipo de pagos. Los reembolsos suelen llegar a tu cuenta en 5–10 días hábiles y te escribiremos por correo en cuanto se procese. {agent.name}",
			"it": "Ciao {customer.name}, grazie per la pazienza. Ho inoltrato la tua richiesta di rimborso al nostro team pagamenti. Di solito i rimborsi arrivano sul conto entro 5–10 giorni lavorativi e ti scriveremo via e-mail appena sarà elaborato. {agent.name}",
			"de": "Hallo {customer.name}, danke für Ihre Geduld. Ich habe Ihre Erstattungsanfrage an unser Zahlungsteam weitergeleitet. Erstattungen gehen in der Regel innerhalb von 5–10 Werktagen auf Ihrem Konto ein, und wir schreiben Ihnen per E-Mail, sobald sie bearbeitet ist. {agent.name}",
			"fr": "Bonjour {customer.name}, merci pour votre patience. J'ai transmis votre demande de remboursement à notre équipe paiements. Les remboursements arrivent généralement sur votre compte sous 5 à 10 jours ouvrés, et nous vous écrirons par e-mail dès qu'il sera traité. {agent.name}",
			"pt": "Olá {customer.name}, obrigado pela paciência. Encaminhei o seu pedido de reembolso à nossa equipa de pagamentos. Os reembolsos costumam chegar à sua conta em 5 a 10 dias úteis e enviaremos um e-mail assim que for processado. {agent.name}",
			"nl": "Hallo {customer.name}, bedankt voor je geduld. Ik heb je terugbetalingsverzoek doorgestuurd naar ons betalingsteam. Terugbetalingen staan meestal binnen 5–10 werkdagen op je rekening en we mailen je zodra het verwerkt is. {agent.name}",
			"id": "Halo {customer.name}, terima kasih atas kesabaran Anda. Permintaan pengembalian dana Anda sudah saya teruskan ke tim pembayaran kami. Pengembalian dana biasanya masuk ke rekening Anda dalam 5–10 hari kerja, dan kami akan mengirim email setelah diproses. {agent.name}",
		},
		"change-dates": {
			"en": "Hi {customer.name}, I can help you change your dates. Which new check-in and check-out dates would you like? I'll check availability and any price difference with the property. {agent.name}",
			"es": "Hola {customer.name}, puedo ayudarte a cambiar las fechas. ¿Qué nuevas fechas de entrada y salida quieres? Consultaré la disponibilidad y la posible diferencia de precio con el alojamiento. {agent.name}",
			"it": "Ciao {customer.name}, posso aiutarti a cambiare le date. Quali nuove date di arrivo e di partenza preferisci? Verificherò la disponibilità e l'eventuale differenza di prezzo con la struttura. {agent.name}",
			"de": "Hallo {customer.name}, gern helfe ich Ihnen, Ihre Reisedaten zu ändern. Welche neuen An- und Abreisedaten wünschen Sie? Ich prüfe die Verfügbarkeit und einen möglichen Preisunterschied mit der Unterkunft. {agent.name}",
			"fr": "Bonjour {customer.name}, je peux vous aider à modifier vos dates. Quelles nouvelles dates d'arrivée et de départ souhaitez-vous ? Je vérifierai la disponibilité et l'éventuelle différence de prix avec l'établissement. {agent.name}",
			"pt": "Olá {customer.name}, posso ajudar a alterar as suas datas. Quais são as novas datas de check-in e check-out que pretende? Vou verificar a disponibilidade e eventual diferença de preço com o alojamento. {agent.name}",
			"nl": "Hallo {customer.name}, ik help je graag je data te wijzigen. Welke nieuwe aankomst- en vertrekdatum wil je? Ik controleer de beschikbaarheid en een eventueel prijsverschil bij de accommodatie. {agent.name}",
			"id": "Halo {customer.name}, saya bisa membantu mengubah tanggal Anda. Tanggal check-in dan check-out baru mana yang Anda inginkan? Saya akan memeriksa ketersediaan dan selisih harga dengan properti. {agent.name}",
		},
		"cancellation": {
			"en": "Hi {customer.name}, I can help with your cancellation. Whether it's free depends on the property's policy, which is in your confirmation email. Shall I cancel the booking for you? {agent.name}",
			"es": "Hola {customer.name}, puedo ayudarte con la cancelación. Que sea gratuita depende de la política del alojamiento, que aparece en tu correo de confirmación. ¿Quieres que cancele la reserva? {agent.name}",
			"it": "Ciao {customer.name}, posso aiutarti con la cancellazione. Se è gratuita dipende dalle condizioni della struttura, che trovi nell'e-mail di conferma. Vuoi che cancelli la prenotazione? {agent.name}",
			"de": "Hallo {customer.name}, gern helfe ich Ihnen bei der Stornierung. Ob sie kostenlos ist, hängt von den Bedingungen der Unterkunft ab, die in Ihrer Bestätigungs-E-Mail stehen. Soll ich die Buchung für Sie stornieren? {agent.name}",
			"fr": "Bonjour {customer.name}, je peux vous aider pour l'annulation. Sa gratuité dépend des conditions de l'établissement, indiquées dans votre e-mail de confirmation. Voulez-vous que j'annule la réservation ? {agent.name}",
			"pt": "Olá {customer.name}, posso ajudar com o cancelamento. Se é gratuito depende da política do alojamento, que está no seu e-mail de confirmação. Quer que cancele a reserva? {agent.name}",
			"nl": "Hallo {customer.name}, ik help je graag met annuleren. Of dat gratis kan, hangt af van het beleid van de accommodatie, dat in je bevestigingsmail staat. Zal ik de boeking voor je annuleren? {agent.name}",
			"id": "Halo {customer.name}, saya bisa membantu pembatalan Anda. Gratis atau tidaknya tergantung kebijakan properti, yang tercantum di email konfirmasi Anda. Apakah Anda ingin saya membatalkan pemesanan ini? {agent.name}",
		},
		"booking-number": {
			"en": "Hi {customer.name}, to look into your booking I need your booking number and PIN. You'll find both in your confirmation email, and under Bookings when you sign in to our app or website. Please send them only here, in this private chat, never in a public post. {agent.name}",
			"es": "Hola {customer.name}, para revisar tu reserva necesito el número de reserva y el PIN. Los encontrarás en tu correo de confirmación y en Reservas al iniciar sesión en nuestra app o web. Envíalos solo aquí, en este chat privado, nunca en una publicación pública. {agent.name}",
			"it": "Ciao {customer.name}, per controllare la prenotazione mi servono il numero di prenotazione e il PIN. Li trovi nell'e-mail di conferma e in Prenotazioni accedendo alla nostra app o al sito. Inviali solo qui, in questa chat privata, mai in un post pubblico. {agent.name}",
			"de": "Hallo {customer.name}, um Ihre Buchung zu prüfen, brauche ich Ihre Buchungsnummer und Ihre PIN. Beides finden Sie in Ihrer Bestätigungs-E-Mail und unter Buchungen, wenn Sie sich in unserer App oder auf der Website anmelden. Bitte senden Sie beides nur hier im privaten Chat, nie in einem öffentlichen Beitrag. {agent.name}",
			"fr": "Bonjour {customer.name}, pour vérifier votre réservation, j'ai besoin du numéro de réservation et du code PIN. Vous les trouverez dans votre e-mail de confirmation et dans Réservations en vous connectant à notre app ou au site. Envoyez-les uniquement ici, dans cette conversation privée, jamais dans une publication publique. {agent.name}",
			"pt": "Olá {customer.name}, para verificar a sua reserva preciso do número da reserva e do PIN. Encontra ambos no e-mail de confirmação e em Reservas ao iniciar sessão na nossa app ou site. Envie-os apenas aqui, nesta conversa privada, nunca numa publicação pública. {agent.name}",
			"nl": "Hallo {customer.name}, om je boeking te bekijken heb ik je boekingsnummer en pincode nodig. Je vindt beide in je bevestigingsmail en onder Boekingen als je inlogt in onze app of op de website. Stuur ze alleen hier, in deze privéchat, nooit in een openbaar bericht. {agent.name}",
			"id": "Halo {customer.name}, untuk memeriksa pemesanan Anda, saya memerlukan nomor pemesanan dan PIN. Keduanya ada di email konfirmasi Anda dan di menu Pemesanan saat masuk ke aplikasi atau situs web kami. Kirimkan hanya di sini, di chat pribadi ini, jangan pernah di unggahan publik. {agent.name}",
		},
	}
	var out []CannedReply
	for name, byLang := range texts {
		for lang, text := range byLang {
			out = append(out, CannedReply{Name: name, Language: lang, Text: text, Private: name == "booking-number"})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || (out[i].Name == out[j].Name && out[i].Language < out[j].Language)
	})
	return out
}

// cannedLanguage is a reply's language, English when unset.
func cannedLanguage(c CannedReply) string {
	if c.Language == "" {
		return "en"
	}
	return c.Language
}

// cannedSet is the desk's canned replies: the built-in ones, with the
// configured ones added or replacing a built-in of the same name and
// language.
func cannedSet(configured []CannedReply) []CannedReply {
	type key struct{ name, lang string }
	at := map[key]int{}
	out := make([]CannedReply, 0, len(BuiltinCannedReplies)+len(configured))
	for _, c := range append(append([]CannedReply{}, BuiltinCannedReplies...), configured...) {
		k := key{c.Name, cannedLanguage(c)}
		if i, ok := at[k]; ok {
			out[i] = c
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	return out
}

// OfferedCanned is a canned reply as the reply box offers it: its
// variables filled in for one conversation and agent.
type OfferedCanned struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// Private replies are offered only when answering privately.
	Private bool   `json:"private,omitempty"`
	Text    string `json:"text"`
}

// offerCanned returns the replies for a conversation: those in its
// language, then English ones whose name has none in that language;
// private-only ones only in private conversations.
func offerCanned(set []CannedReply, c ConversationView, agent string) []OfferedCanned {
	lang := c.Language
	if lang == "" {
		lang = "en"
	}
	has := map[string]bool{}
	for _, r := range set {
		if cannedLanguage(r) == lang {
			has[r.Name] = true
		}
	}
	name := c.Customer.Name
	if name == "" && c.Customer.Handle != "" {
		name = "@" + c.Customer.Handle
	}
	fill := strings.NewReplacer(VarCustomerName, name, VarAgentName, agent)
	var out []OfferedCanned
	for _, r := range set {
		l := cannedLanguage(r)
		if (l != lang && (l != "en" || has[r.Name])) || (r.Private && c.Channel != inbox.Private) {
			continue
		}
		text := fill.Replace(r.Text)
		if name == "" { // "Hi , thanks" reads badly: "Hi, thanks"
			text = strings.ReplaceAll(strings.ReplaceAll(text, "  ", " "), " ,", ",")
		}
		out = append(out, OfferedCanned{Name: r.Name, Language: l, Private: r.Private, Text: strings.TrimSpace(text)})
	}
	return out
}
