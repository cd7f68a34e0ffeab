// Package redact finds and masks the secrets customers post in support
// messages to the hotel-booking inbox: booking numbers, PINs and payment card
// numbers. Redacted text keeps every other byte, so it can be stored, logged
// and shown to agents; the digits of a secret exist only in memory
// (Finding.Value) and never in JSON output.
//
// # Approach
//
// Regular expressions with alternations and look-arounds are slow to get
// right and can backtrack; this package uses one hand-written pass instead.
// The pass stops only at digits. A digit is any Unicode decimal digit
// (ASCII, fullwidth, Arabic-Indic, Devanagari...), normalized to ASCII. From
// there it reads a digit run: groups of digits joined by one separator each —
// a space of any width (including no-break and thin spaces), a dot or a
// dash. Invisible characters (zero-width space and joiners, word joiner, soft
// hyphen, BOM, bidi marks) are skipped wherever they appear, so
// "12\u200b34" reads as "1234". Then it looks at the shape of the groups and
// at a bounded amount of text around the run (the URL check reads the run's
// whitespace-delimited token, and caches it). Each run is read once, so the
// time is linear in the input length.
//
// # Rules
//
// Within a run, groups are taken left to right, trying at each group:
//
//   - a card number: 13-19 digits in one run, 4-4-4-4 (with an optional
//     short tail), 4-6-4 or 4-6-5, passing the Luhn check and not starting
//     with 0;
//   - a booking number: 10 digits in one run, or grouped exactly 4-3-3;
//   - a PIN: four digits (in one to four groups: "1234", "12 34", "1 2 3 4")
//     that either follow a booking number in the same run or across at most a
//     few spaces and marks ("1234567890/1234", "1234567890 - 1234"), or
//     start a run that comes after a PIN keyword. Keywords are whole words,
//     case-insensitive, in many languages (PIN, pincode, PIN-Code, kode PIN,
//     codice PIN, código PIN, PIN kodu, PIN-koodi, ПИН-код, 密码...); at most
//     four other words and any symbols may stand between keyword and digits
//     ("my pin is", "le code PIN est", "PIN saya", "PIN:"), within 128 bytes,
//     and no digits or placeholder. If the word right before the digits is
//     "room", "flight", "year", "since" and the like, the digits are not a
//     PIN. Four digits followed by a dot or dash and more digits are a date,
//     not a PIN.
//
// A '#' right before a run belongs to the finding, so "#1234567890" becomes
// "[booking number]" rather than a hashtag-like "#[booking number]". A
// hashtag of letters ("#travel2025") is untouched, since its digits are
// glued to a word.
//
// A run or group is not a secret when:
//
//   - it follows '+' or sits after a parenthesized area code, or starts with
//     a "00" group followed by more groups: these are phone numbers
//     ("+39 02 9129 4973", "+1 (212) 555-0187", "0049 30 12345678"); local
//     phone formats are left alone by the shape rules ("02 233 31 342" is
//     2-3-2-3, not 4-3-3), but ten contiguous digits are a booking number;
//   - it follows a currency symbol or code, is followed by one, or is a
//     dot-grouped number with a ",56" decimal part (prices);
//   - a letter or '_' touches it ("@user1234567890", "LH1234"), except a PIN
//     keyword ("PIN1234") and letters of scripts written without spaces, or
//     an '@' touches it (handles, e-mail addresses);
//   - it lies in a URL token (scheme "://", "www." or "host.tld/path").
//
// Dates, times, years, prices, room and flight numbers and postcodes have
// shapes (or lack a keyword) that none of the rules above accept.
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
// placeholder never makes the digits after it a PIN. Hence
// Redact(Redact(x)) == Redact(x) and redacted text has no findings.
//
// # Limitations
//
// The rules are heuristics. A ten-digit phone number written without a '+'
// or in 4-3-3 groups is redacted as a booking number, and a four-digit year
// after a PIN keyword ("PIN changed in 2024") as a PIN; the package prefers
// to mask too much rather than too little. A PIN keyword must come before
// the digits: "1234 is my PIN" is not found. Secrets in URLs, handles and
// e-mail addresses are left as they are.
package redact
