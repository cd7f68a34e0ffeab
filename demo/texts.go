package demo

// The texts customers write. Placeholders: {city}; {B} a booking number,
// {P} a PIN, {C} a card number, each in a shape customers use; {b} and
// {p} their plain shapes. Apart from the secrets, public texts hold no
// number of four digits or more, so that a leaked secret cannot hide
// among them. Every public template is checked against the redactor by
// the package's tests.

// foreignLangs are the languages of non-English Twitter customers, the
// commoner ones more than once.
var foreignLangs = []string{"it", "id", "es", "de", "fr", "pt", "nl", "id", "it", "es"}

var cities = map[string][]string{
	"en": {"Lisbon", "Prague", "Vienna", "Barcelona", "Nice", "Porto", "Edinburgh", "Dubrovnik"},
	"it": {"Roma", "Firenze", "Napoli", "Venezia"},
	"id": {"Bali", "Yogyakarta", "Jakarta", "Bandung"},
	"es": {"Madrid", "Sevilla", "Valencia", "Granada"},
	"de": {"Berlin", "Hamburg", "Wien", "Dresden"},
	"fr": {"Paris", "Lyon", "Bordeaux", "Marseille"},
	"pt": {"Lisboa", "Porto", "Faro", "Coimbra"},
	"nl": {"Amsterdam", "Utrecht", "Rotterdam", "Maastricht"},
}

var firstNames = map[string][]string{
	"en": {"Emma", "Oliver", "Sophie", "James", "Ava", "Liam", "Grace", "Noah", "Chloe", "Jack"},
	"it": {"Giulia", "Marco", "Chiara", "Luca", "Francesca", "Matteo"},
	"id": {"Putri", "Budi", "Siti", "Agus", "Dewi", "Rizky"},
	"es": {"Lucía", "Javier", "Carmen", "Diego", "Marta", "Álvaro"},
	"de": {"Lena", "Jonas", "Anna", "Felix", "Miriam", "Lukas"},
	"fr": {"Camille", "Julien", "Chloé", "Hugo", "Léa", "Mathis"},
	"pt": {"Beatriz", "João", "Inês", "Tiago"},
	"nl": {"Sanne", "Daan", "Fleur", "Bram"},
}

var lastNames = map[string][]string{
	"en": {"Walker", "Bennett", "Hughes", "Carter", "Morgan", "Reid", "Foster", "Price"},
	"it": {"Rossi", "Bianchi", "Romano", "Esposito", "Ricci"},
	"id": {"Santoso", "Wijaya", "Pratama", "Lestari", "Hidayat"},
	"es": {"García", "Martínez", "López", "Sánchez", "Romero"},
	"de": {"Müller", "Schmidt", "Fischer", "Weber", "Wagner"},
	"fr": {"Martin", "Bernard", "Dubois", "Moreau", "Laurent"},
	"pt": {"Silva", "Santos", "Ferreira", "Costa"},
	"nl": {"de Vries", "Jansen", "Bakker", "Visser"},
}

// supportTweets need an agent: the router invites the customer to DM.
var supportTweets = []string{
	"@HotelHelp the hotel in {city} gave my room away because I arrived late. What now?",
	"@HotelHelp I was charged twice for my stay in {city}, who can help me?",
	"@HotelHelp still waiting for my refund after three weeks. Not impressed.",
	"@HotelHelp can I change the dates of my booking in {city} without paying a fee?",
	"@HotelHelp your app says my reservation in {city} doesn't exist but I have the confirmation email?!",
	"@HotelHelp the air conditioning in my room in {city} has been broken since yesterday and nobody at the desk can fix it",
}

// dmAfterInvite is the customer's first DM after the invitation: booking
// details are fine in private.
var dmAfterInvite = []string{
	"Hi, following up on my tweet about {city}. Booking number {B}, PIN {P}.",
	"Hello! It's about my stay in {city}. My booking is {B}.",
	"Hi there, here are the details you asked for: booking {B}, pin {P}. The hotel is in {city}.",
}

var dmDetails = []string{
	"I arrived at eleven at night and the front desk said the room was given away.",
	"The second charge showed up on my card statement yesterday.",
	"Thanks for looking into it, I'll keep an eye on my email.",
	"Is there anything else you need from me?",
}

// piiTweets show a secret in public: the router redacts it, asks the
// customer to delete the tweet and invites them to DM.
var piiTweets = []string{
	"@HotelHelp my booking {B} shows the wrong dates, can someone fix it? PIN: {P}",
	"@HotelHelp hi, reservation #{b}/{p} and the hotel says they have no record of it",
	"@HotelHelp booking {B} was cancelled and nobody told me. my pin is {P}",
	"@HotelHelp please check booking {b} - {p}, I was charged twice",
	"@HotelHelp hello?? booking number {B} PIN {P}. Still no refund",
}

// foreignPIITweets are secrets in public in other languages: redacted,
// and the English-only notice.
var foreignPIITweets = map[string][]string{
	"it": {"@HotelHelp la mia prenotazione {B} risulta cancellata, codice PIN {P}. Potete controllare per favore?"},
	"id": {"@HotelHelp pesanan saya {B} belum dikonfirmasi sampai sekarang, PIN saya {P}. Mohon dibantu ya"},
	"es": {"@HotelHelp mi reserva {B} no aparece en la aplicación, código PIN {P}. ¿Qué tengo que hacer?"},
	"de": {"@HotelHelp meine Buchung {B} wurde einfach storniert, PIN-Code {P}. Bitte helfen Sie mir"},
	"fr": {"@HotelHelp ma réservation {B} a disparu de l'application, le code PIN est {P}. Merci de vérifier"},
}

// foreignTweets get the English-only notice.
var foreignTweets = map[string][]string{
	"it": {
		"@HotelHelp buongiorno, ho prenotato una camera a {city} per il fine settimana ma non ho ricevuto nessuna email di conferma. Potete aiutarmi?",
		"@HotelHelp salve, l'albergo di {city} mi ha chiesto di pagare di nuovo al check-in. È normale?",
	},
	"id": {
		"@HotelHelp halo, saya sudah memesan kamar di {city} untuk minggu depan tapi belum menerima email konfirmasi. Tolong dibantu ya",
		"@HotelHelp kenapa pembayaran saya ditolak terus? Saya sudah mencoba tiga kali dengan kartu yang sama untuk hotel di {city}",
	},
	"es": {
		"@HotelHelp hola, reservé una habitación en {city} y me cobraron dos veces. ¿Me pueden ayudar por favor?",
		"@HotelHelp llevo una semana esperando el reembolso de mi reserva en {city}, ¿alguien me puede responder?",
	},
	"de": {
		"@HotelHelp Hallo, ich habe ein Zimmer in {city} gebucht, aber die Bestätigung ist nie angekommen. Können Sie mir bitte helfen?",
		"@HotelHelp Das Hotel in {city} sagt, meine Reservierung existiert nicht. Was soll ich jetzt machen?",
	},
	"fr": {
		"@HotelHelp Bonjour, j'ai réservé une chambre à {city} mais je n'ai reçu aucune confirmation. Pouvez-vous m'aider ?",
		"@HotelHelp l'hôtel de {city} refuse de me rembourser la nuit annulée, c'est inadmissible",
	},
	"pt": {
		"@HotelHelp Olá, fiz uma reserva em {city} e ainda não recebi a confirmação. Podem ajudar?",
		"@HotelHelp o hotel em {city} cobrou duas vezes no meu cartão, como resolvo isso?",
	},
	"nl": {
		"@HotelHelp Hallo, ik heb een kamer in {city} geboekt maar ik heb nog geen bevestiging ontvangen. Kunnen jullie helpen?",
		"@HotelHelp waarom is mijn boeking in {city} ineens geannuleerd? Ik hoor graag snel van jullie",
	},
}

// englishRetries follow the English-only notice.
var englishRetries = []string{
	"@HotelHelp sorry! In English: I never got the confirmation for my booking in %s.",
	"@HotelHelp ok, in English then: the hotel in %s charged me twice, please help",
}

// foreignDMs get the English-only notice by DM.
var foreignDMs = map[string][]string{
	"it": {"Ciao, vorrei sapere se il parcheggio dell'albergo a {city} è gratuito oppure a pagamento."},
	"id": {"Selamat pagi, apakah saya bisa membatalkan pesanan hotel di {city} tanpa biaya tambahan?"},
	"es": {"Hola, ¿puedo llegar al hotel de {city} después de las diez de la noche sin problema?"},
	"de": {"Guten Tag, ich möchte meine Buchung in {city} für nächste Woche stornieren. Wie geht das?"},
	"fr": {"Bonjour, est-ce que le petit-déjeuner est inclus dans ma réservation à {city} ?"},
	"pt": {"Bom dia, é possível pedir um berço para o quarto no hotel em {city}?"},
	"nl": {"Goedemorgen, is het ontbijt inbegrepen bij mijn boeking in {city}?"},
}

var praiseTweets = []string{
	"Great stay in {city}, the staff were lovely. Thanks @HotelHelp!",
	"@HotelHelp thanks for sorting out my booking so quickly yesterday 🙌",
	"Booked a last-minute room in {city} with @HotelHelp, smooth as always",
}

// dmChats and messengerChats are private conversations, by language.
var dmChats = map[string][][]string{
	"en": {
		{"Hi there, I need to add a second guest to my booking {B}.", "It's for the hotel in {city}, arriving on Friday.", "Is there an extra charge for that?"},
		{"Hello, can I get an invoice with my company's name on it?", "The company is Northwind Travel Ltd.", "Thanks!"},
		{"Hey, does my room in {city} have a balcony? The listing is not clear."},
	},
}

var messengerChats = map[string][][]string{
	"en": {
		{"Hi! Quick question about my booking for next weekend", "Is breakfast included in the rate?", "And can I bring my dog?"},
		{"Hello, I need an invoice for my stay in {city} for my company", "The company name is Acme Travel Ltd", "Thanks in advance!"},
		{"Hi, the hotel in {city} says my card was declined but the money left my account", "My booking is {B}, PIN {P}", "Please let me know soon, I check in tomorrow"},
		{"Good morning, what time is check-out at the hotel in {city}?", "We have a late flight, can we leave the bags somewhere?"},
	},
	"es": {
		{"Hola, quería saber si puedo cambiar la fecha de mi reserva", "Es para el hotel de {city}, del viernes al domingo", "Muchas gracias"},
		{"Buenas tardes, ¿el hotel de {city} tiene aparcamiento?", "Llegamos en coche el sábado por la mañana"},
	},
	"it": {
		{"Buongiorno, posso aggiungere un lettino per un bambino?", "La prenotazione è per l'albergo di {city}", "Grazie mille"},
	},
	"de": {
		{"Hallo, gibt es im Hotel in {city} einen Parkplatz?", "Wir kommen mit dem Auto aus München", "Danke!"},
	},
}

// visitorPosts and comments need support: the router sends a Private
// Reply (and a short public acknowledgement).
var visitorPosts = map[string][]string{
	"en": {
		"I stayed at your partner hotel in {city} last week and left my charger in the room. Who can I contact?",
		"Your website shows a different price at checkout than in the search results. Why?",
		"Three emails and no answer about my refund. Is anyone reading these?",
	},
	"es": {"Buenas, ¿alguien me puede decir cómo pedir una factura de mi estancia en {city}?"},
}

var visitorPostsPII = map[string][]string{
	"en": {
		"Booking {B} was cancelled without any notice, PIN {P}. Very disappointed.",
		"Hi, I can't find my reservation #{b} in the app. Can someone help?",
	},
	"es": {"Mi reserva {B} sigue sin confirmar, código PIN {P}. ¿Alguien me ayuda?"},
}

var comments = map[string][]string{
	"en": {
		"Still waiting for my refund, this is the third time I ask",
		"The app keeps logging me out when I try to pay. Anyone else?",
		"Can I still cancel for free if I booked during the sale?",
		"Does this apply to the hotels in {city} too? I booked yesterday",
	},
	"es": {"¿La oferta vale también para {city}? Reservé ayer y pagué el precio completo"},
}

var commentsPII = map[string][]string{
	"en": {
		"Does the sale apply to existing bookings? Mine is {B}, PIN {P}",
		"My booking {B} still says pending after two days. PIN: {P}",
		"I paid with my card {C} and was charged twice!! booking {B}",
	},
	"es": {"Mi reserva {B} sigue pendiente, código PIN {P}. ¿Me pueden ayudar?"},
}

var sameHere = []string{
	"Same here, my refund is three weeks late",
	"Same problem for me, please answer us!",
	"+1, exactly the same thing happened to me",
}

var chatterComments = []string{
	"Love this! 😍",
	"Can't wait for summer ☀️",
	"Booked Porto for June, so excited!",
	"Tagging my sister, we need a weekend away",
}

// afterPrivateReply is the customer's answer in Messenger to the Private
// Reply.
var afterPrivateReply = map[string][]string{
	"en": {
		"Thanks for getting back to me! My booking number is {B}.",
		"Hi, thanks for the message. Here are the details: booking {B}, PIN {P}.",
		"Thanks for reaching out so quickly. Could someone call me back this afternoon?",
	},
	"es": {"Gracias por responder. Mi reserva es la {B}."},
}

// answers are customers' replies to an agent's answer, by language; the
// last one closes the exchange.
var answers = map[string][]string{
	"en": {"Thanks, that helps!", "Great, thank you! One more thing: can I check in early?", "Perfect, thanks for the quick answer.", "OK, I'll wait for the email then.", "Thanks! Will I get a confirmation by email?"},
	"es": {"¡Gracias, me sirve mucho!", "Perfecto, gracias. ¿Puedo hacer el check-in antes?"},
	"it": {"Grazie mille, tutto chiaro!", "Perfetto, grazie. Posso fare il check-in prima?"},
	"de": {"Danke, das hilft mir sehr!", "Super, danke. Kann ich früher einchecken?"},
	"fr": {"Merci, ça m'aide beaucoup !", "Parfait, merci. Puis-je arriver plus tôt ?"},
	"id": {"Terima kasih, sangat membantu!", "Baik, terima kasih. Apakah saya bisa check-in lebih awal?"},
	"pt": {"Obrigada, ajudou muito!", "Perfeito, obrigado. Posso fazer o check-in mais cedo?"},
	"nl": {"Dank je, dat helpt!", "Top, bedankt. Kan ik eerder inchecken?"},
}

var lastAnswers = map[string]string{
	"en": "Thanks, that's all I needed. Have a nice day!",
	"es": "Gracias, eso es todo. ¡Buen día!",
	"it": "Grazie, è tutto. Buona giornata!",
	"de": "Danke, das war alles. Schönen Tag noch!",
	"fr": "Merci, c'est tout. Bonne journée !",
	"id": "Terima kasih, itu saja. Selamat siang!",
	"pt": "Obrigado, é tudo. Bom dia!",
	"nl": "Bedankt, dat was het. Fijne dag!",
}
