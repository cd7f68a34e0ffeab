// Package redact finds and masks the secrets customers post in support
// messages to the hotel-booking inbox: booking numbers, PINs and payment card
// numbers. Redacted text keeps every other byte, so it can be stored, logged
// and shown to agents; the digits of a secret exist only in memory
// (Finding.Value) and never in JSON output.
//
// # What is a secret
//
// A booking number is ten digits whose first digit is not 0. It is one
// however it is written:
//
//   - in any grouping of one or more groups: "1234567890", "1234 567 890",
//     "12 34 56 78 90", "12345 67890", "1 234 567 890"...;
//   - with any separator between the groups of one to three runes taken from
//     spaces of any width (tab, no-break, thin, narrow no-break, ideographic),
//     dots and middle dots, dashes of any kind and slashes, so " . ", " - "
//     and " / " count; a line break or four separators end a number;
//   - in any Unicode decimal digits (ASCII, fullwidth, Arabic-Indic,
//     Devanagari, Bengali, Thai...), mixed within one number;
//   - with invisible runes anywhere: format characters (zero-width spaces and
//     joiners, soft hyphen, bidi marks, BOM, tags), combining marks,
//     variation selectors and Hangul fillers are skipped, in digits and in
//     keywords alike ("P\u200bIN");
//   - glued to a word or prefix in any case ("booking1234567890",
//     "bookingnr1234567890", "nr.1234567890", "#1234567890", "n°1234567890",
//     "ref:1234567890"): letters glued to a number do not protect it, except
//     in a handle ("@user1234567890"), a hashtag ("#travel2025"), an
//     identifier ("user_1234567890") or a flight number ("KL1234"), unless
//     the glued word ends with a booking or PIN keyword ("#booking1234567890");
//   - right next to another number: "+1 (212) 555-0187 1234567890",
//     "€ 2.340,00 1234567890", "KL1234 1234 567 890". A neighbour never
//     shields it.
//
// A PIN is four digits, with the same separators, scripts and invisible
// runes inside ("1 2 3 4", "12-34", "１２３４"), that follow a PIN keyword or
// a booking number. Keywords are whole words in the languages customers write
// in (PIN, pincode, PIN-Code, kode PIN, codice PIN, código PIN, PIN kodu,
// PIN-koodi, ПИН-код, الرقم السري, पिन, 密码, 暗証番号, passcode, senha, şifre,
// clave, Geheimzahl...), matched without regard to case, accents, fullwidth
// letters or invisible runes, with at most four other words and any symbols
// in between ("my pin is", "le code PIN est", "PIN saya", "PIN:"), and no
// digits. If the word right before the digits names another numbered thing
// ("room", "flight", "year", "order"...), the digits are not a PIN. After a
// booking number the keyword may be left out: "1234567890/1234",
// "1234567890 - 1234", "1234567890 (1234)", "1234567890:1234". A PIN ends the
// number or is followed by a separator with a space: "PIN 2024-05-17" is a
// date.
//
// Customers also name a PIN after its digits ("1234 is my PIN", "4321 ist
// meine PIN", "4321 adalah PIN saya", "4321是我的密码"): four digits, ending
// a number, followed in the same sentence by a PIN keyword with at most
// three other words in between are a PIN, unless the word before them
// names another numbered thing ("room 1234 is next to the PIN pad") or
// they are a postcode ("3183 AB"). Such a PIN is as strong a reading as a
// booking number: neither a phone number of open length nor a booking
// number read across a date may take its digits. When the keyword also
// announces digits after it ("0819 and the PIN is 0200"), the digits before
// it are a PIN only if nothing else (a phone number's end) explains them;
// "1204 PIN 4321" has both masked.
//
// A card number is 13 to 19 digits that pass the Luhn check and do not start
// with 0, in one group, 4-4-4-4 (with an optional short tail), 4-4-4 with a
// short tail, or the 4-6-4 / 4-6-5 of Diners and Amex.
//
// # What is not
//
// These are never masked:
//
//   - phone numbers with '+' ("+39 02 9129 4973", "+1 (212) 555-0187",
//     "+44 (0)20 7946 0958"), with "00" ("0039 02 9129 4973") or with a
//     national trunk 0 ("02 9129 4973", "(0) 1234567890"): a number that
//     starts with 0 is never a booking number, and the digits after '+' or
//     "00" are a phone number up to its length (the usual length for the
//     country code, 8 to 15 digits otherwise);
//   - the company's own contact numbers, given with WithAllowed;
//   - prices with a currency symbol or code before or after them ("€1.234,56",
//     "Rp 1.250.000", "USD 1,299.00", "1.234,56 €"), dates ("17.05.2024",
//     "2024-05-17"), times ("14:30"), flight numbers ("LH 1234", "U2 81"),
//     postcodes, room and order numbers after their word ("room 1204",
//     "order 12345678"), ids of other lengths;
//   - handles, hashtags, e-mail addresses and URLs.
//
// A ten-digit number that is none of these is a booking number and is
// masked: "212-555-0187" without a '+' or trunk 0, a ten-digit order
// number, a ten-digit phone number written without its prefix. The package
// masks too much rather than too little.
//
// # How
//
// One left-to-right pass stops only at digits. There it reads a run of digit
// groups joined by separators, normalizing the digits to ASCII, and looks at
// a bounded amount of text around the run: the words before it (keywords,
// nouns, currency codes, airline codes), a '+', a parenthesized area code, a
// currency, a comma or colon that joins it to more digits, the link it may
// be in. Then it reads the run, in the way of Microsoft Presidio's
// recognizers (patterns, context words, validators), as a sequence of
// segments: booking numbers, card numbers, PINs, decoys (phone numbers,
// prices, dates, times, flight and room numbers) and other numbers. A
// dynamic program over the groups picks the best reading: the most digits
// in booking and card numbers, then the fewest digits left unexplained, then
// the most explained by decoys, then PINs. Every candidate segment spans a
// bounded number of groups, so the time is linear in the input. Where two
// readings are equally good, the secrets of both are masked (one Finding
// covers them), so that ambiguity never leaks a secret. Runs of more than
// 1,984 digits, which only garbage or an attack produces, skip the program
// and have every secret they may hold masked.
//
// A '#' right before a secret belongs to the finding, so "#1234567890"
// becomes "[booking number]" rather than a hashtag-like "#[booking number]".
//
// # Placeholders and idempotence
//
// Secrets are replaced by these placeholders (see Placeholder):
//
//	[booking number]  [PIN]  [card number]
//
// Placeholders contain no digits and start and end with brackets, which are
// not separators, so they never join a neighbouring run. The keyword
// look-back stops at a placeholder, so the word PIN inside the PIN
// placeholder never makes the digits after it a PIN; context that a first
// pass may mask (a longer number before a glued word, a booking number
// before a PIN) is read so that a second pass reaches the same verdict.
// Hence Redact(Redact(x)) == Redact(x) and redacted text has no findings.
//
// # Limitations
//
// The rules are heuristics. A ten-digit phone number written without '+',
// "00" or a trunk 0 is masked as a booking number, and so is a four-digit
// year after a PIN keyword ("PIN changed in 2024") or before one ("in 2024
// my PIN was stolen"). A number that reads equally well as a decoy
// followed by a secret and as two secrets ("on 5/12/2022 5288 100 277")
// costs the decoy. An international number with "00" whose length for
// its country is open (Germany: 8 to 15 digits) may take the first digits
// of a booking number right after it when a PIN follows the booking number
// ("0049 30 3462190 4661 83 6555/8882" masks "83 6555/8882" only): the
// longer phone reading explains more digits. Secrets in URLs, handles and
// e-mail addresses are left as they are.
package redact
