package router

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
	"github.com/inboxbot/inboxbot/redact"
)

// The names of the automatic texts (policy.templates.<name>.<lang>).
const (
	// TmplGreeting starts every automatic public reply on Twitter. It
	// addresses the customer by name, which also keeps two customers'
	// replies from being the same text, which Twitter refuses as a
	// duplicate (code 187).
	TmplGreeting = "greeting"
	// TmplNonEnglishNotice tells a Twitter customer that support there is
	// in English, and where to get help in other languages. Twitter
	// answers in English, so only its "en" text is used.
	TmplNonEnglishNotice = "non_english_notice"
	// TmplDMInvite invites a Twitter customer to continue by DM; it should
	// contain {dm_link}.
	TmplDMInvite = "dm_invite"
	// TmplDMInviteNoLink invites a Twitter customer to continue by DM
	// without the deep link, when policy.twitter.dm_link is off: on X's
	// pay-per-use a post with a link costs about 13 times a plain one.
	TmplDMInviteNoLink = "dm_invite_no_link"
	// TmplPIIDeleteTweet asks a Twitter customer to delete a tweet that
	// shows a booking number, PIN or card number.
	TmplPIIDeleteTweet = "pii_delete_tweet"
	// TmplPrivateReply is the Private Reply to a Facebook comment or
	// visitor post, in the customer's language.
	TmplPrivateReply = "private_reply"
	// TmplPublicAck is the public reply under a Facebook comment or post
	// saying that we sent a private message.
	TmplPublicAck = "public_ack"
	// TmplPIIHidden is added to the Private Reply when the comment was
	// hidden because it showed booking details.
	TmplPIIHidden = "pii_hidden"
	// TmplPIIDeleteFacebook asks a Facebook customer to delete a post or
	// comment that shows booking details and that could not be hidden.
	TmplPIIDeleteFacebook = "pii_delete_facebook"
)

// DefaultTemplates are the built-in texts. Twitter's are short, because
// one reply may combine three of them within 280 characters; Facebook's
// are in the languages customers most often write in.
var DefaultTemplates = map[string]map[string]string{
	TmplGreeting: {
		"en": "Hi {name}!",
	},
	TmplNonEnglishNotice: {
		"en": "Our Twitter support is in English. For other languages: {contacts}",
	},
	TmplDMInvite: {
		"en": "Please DM us: {dm_link}",
	},
	TmplDMInviteNoLink: {
		"en": "Please send us a DM so we can help you in private.",
	},
	TmplPIIDeleteTweet: {
		"en": "Please delete your tweet, it shows private booking details.",
	},
	TmplPrivateReply: {
		"en": "Hi {name}, thanks for reaching out! We're writing to you privately so that we can look into your booking safely. How can we help?",
		"it": "Ciao {name}, grazie per averci scritto! Ti scriviamo in privato per poter verificare la tua prenotazione in sicurezza. Come possiamo aiutarti?",
		"id": "Halo {name}, terima kasih telah menghubungi kami! Kami menulis kepada Anda secara pribadi agar dapat memeriksa pemesanan Anda dengan aman. Ada yang bisa kami bantu?",
		"es": "Hola {name}, ¡gracias por escribirnos! Te escribimos en privado para poder revisar tu reserva de forma segura. ¿En qué podemos ayudarte?",
		"de": "Hallo {name}, danke für Ihre Nachricht! Wir schreiben Ihnen privat, damit wir Ihre Buchung sicher prüfen können. Wie können wir helfen?",
		"fr": "Bonjour {name}, merci de nous avoir contactés ! Nous vous écrivons en privé afin de vérifier votre réservation en toute sécurité. Comment pouvons-nous vous aider ?",
		"pt": "Olá {name}, obrigado pelo contacto! Escrevemos-lhe em privado para podermos verificar a sua reserva com segurança. Como podemos ajudar?",
		"nl": "Hallo {name}, bedankt voor je bericht! We schrijven je privé, zodat we je boeking veilig kunnen bekijken. Hoe kunnen we helpen?",
	},
	TmplPublicAck: {
		"en": "Thanks! We've sent you a private message.",
		"it": "Grazie! Ti abbiamo inviato un messaggio privato.",
		"id": "Terima kasih! Kami telah mengirimkan pesan pribadi kepada Anda.",
		"es": "¡Gracias! Te hemos enviado un mensaje privado.",
		"de": "Danke! Wir haben Ihnen eine private Nachricht geschickt.",
		"fr": "Merci ! Nous vous avons envoyé un message privé.",
		"pt": "Obrigado! Enviámos-lhe uma mensagem privada.",
		"nl": "Bedankt! We hebben je een privébericht gestuurd.",
	},
	TmplPIIHidden: {
		"en": "We have hidden your comment because it showed booking details that should stay private.",
		"it": "Abbiamo nascosto il tuo commento perché mostrava dati della prenotazione che devono restare privati.",
		"id": "Kami telah menyembunyikan komentar Anda karena berisi detail pemesanan yang seharusnya bersifat pribadi.",
		"es": "Hemos ocultado tu comentario porque mostraba datos de tu reserva que deben ser privados.",
		"de": "Wir haben Ihren Kommentar ausgeblendet, weil er Buchungsdaten zeigte, die privat bleiben sollten.",
		"fr": "Nous avons masqué votre commentaire, car il contenait des informations de réservation qui doivent rester privées.",
		"pt": "Ocultámos o seu comentário porque mostrava dados da reserva que devem ficar privados.",
		"nl": "We hebben je reactie verborgen, omdat er boekingsgegevens in stonden die privé moeten blijven.",
	},
	TmplPIIDeleteFacebook: {
		"en": "For your safety, please delete your message above: it shows booking details that should stay private.",
		"it": "Per la tua sicurezza, elimina il messaggio qui sopra: mostra dati della prenotazione che devono restare privati.",
		"id": "Demi keamanan Anda, mohon hapus pesan di atas karena berisi detail pemesanan yang seharusnya bersifat pribadi.",
		"es": "Por tu seguridad, borra el mensaje de arriba: muestra datos de tu reserva que deben ser privados.",
		"de": "Zu Ihrer Sicherheit: Bitte löschen Sie Ihre Nachricht oben, sie zeigt Buchungsdaten, die privat bleiben sollten.",
		"fr": "Pour votre sécurité, merci de supprimer votre message ci-dessus : il contient des informations de réservation qui doivent rester privées.",
		"pt": "Para sua segurança, apague a mensagem acima: mostra dados da reserva que devem ficar privados.",
		"nl": "Verwijder voor je veiligheid je bericht hierboven: er staan boekingsgegevens in die privé moeten blijven.",
	},
}

// TemplateNames returns the names of the automatic texts, sorted.
func TemplateNames() []string { return sortedKeys(DefaultTemplates) }

// Placeholders returns the placeholders a template may use, sorted:
//   - {dm_link}: the link that opens a DM to the Twitter account;
//   - {contacts}: the contact points that are set, comma-separated;
//   - {facebook_page}, {phone}, {email}, {help_center}: one contact point;
//   - {name}: the customer's first name (empty when unknown or not a
//     name; " {name}" then disappears with its space);
//   - {handle}: the customer's Twitter handle with '@' (empty on Facebook).
func Placeholders() []string {
	return []string{"contacts", "dm_link", "email", "facebook_page", "handle", "help_center", "name", "phone"}
}

func validPlaceholder(p string) bool { return slices.Contains(Placeholders(), p) }

// placeholdersIn returns the {names} in text, in order.
func placeholdersIn(text string) []string {
	var out []string
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, text[i+1:i+j])
		text = text[i+j+1:]
	}
}

// vars are the per-message values of the placeholders.
type vars struct {
	dmLink, name, handle string
}

// templates renders the configured texts.
type templates struct {
	byName  map[string]map[string]string
	contact Contact
}

// newTemplates returns the templates of c, which must have its defaults.
func newTemplates(c Config) *templates {
	return &templates{byName: c.Templates, contact: c.Contact}
}

// lang returns lang when template name has a text in it, else "en".
func (t *templates) lang(name, lang string) string {
	if _, ok := t.byName[name][lang]; ok {
		return lang
	}
	return "en"
}

// text renders template name in lang (or English). Customer-supplied
// values are kept harmless: the name is letters only, the handle passes
// through redact, so that neither can carry a booking number into a reply.
func (t *templates) text(tmpl, lang string, v vars) string {
	s := t.byName[tmpl][t.lang(tmpl, lang)]
	contacts := strings.Join(t.contact.list(), ", ")
	if contacts == "" {
		contacts = "our Facebook Page or website"
	}
	name := firstName(v.name)
	if name == "" {
		// Without a usable name, a Twitter handle (which is not a mention
		// without its '@') still addresses the customer.
		name = redact.String(v.handle)
	}
	handle := ""
	if v.handle != "" {
		handle = "@" + v.handle
	}
	if name == "" {
		// "Hi {name}!" becomes "Hi!", "Hola {name}, ¡gracias" "Hola, ¡gracias".
		s = strings.ReplaceAll(s, " {name}", "")
	}
	if handle == "" {
		s = strings.ReplaceAll(s, " {handle}", "")
	}
	s = strings.NewReplacer(
		"{dm_link}", v.dmLink,
		"{contacts}", contacts,
		"{facebook_page}", t.contact.FacebookPage,
		"{phone}", t.contact.Phone,
		"{email}", t.contact.Email,
		"{help_center}", t.contact.HelpCenter,
		"{name}", name,
		"{handle}", redact.String(handle),
	).Replace(s)
	return strings.TrimSpace(s)
}

// firstName returns the first word of a display name that is a name:
// letters only (emoji and decorations dropped), at most 20 of them; or
// "". A name holding digits (a booking number, say) is no name.
func firstName(display string) string {
	for _, w := range strings.Fields(display) {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if w == "" {
			continue
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '’' {
				return ""
			}
		}
		if n := utf8.RuneCountInString(w); n < 2 || n > 20 {
			return ""
		}
		return w
	}
	return ""
}

// twitterDMLink is the deep link that opens a DM to account id.
func twitterDMLink(id string) string { return twittertext.DMLink(id) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
