package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keyword lists are written as people write the words; they are compared in
// their normalized form (see normWord), so case, accents, fullwidth letters
// and invisible characters inside a word make no difference.

// pinKeywords are single words that announce a PIN. Multi-word forms such as
// "pin code", "kode PIN", "codice PIN", "PIN-Code", "PIN kodu" or "ПИН-код"
// need no entry of their own: the look-back treats the other word as filler
// and still reaches the "PIN" word. Matching is on whole words, so
// "spinning" or "pinned" never match.
var pinKeywords = []string{
	"pin", "pincode", "pinkode", "pinkod", "pinkodu", "pinkodun", "pinkodunuz",
	"pinkoden", "pinkoodi", "pinnummer", "pinnumber", "pinnr", "pinno",
	"pinnya", "pinku", "pinmu", // Indonesian "PIN-nya", "PIN-ku"
	"passcode", "senha", "şifre", "şifrem", "şifreniz", "şifresi",
	"geheimzahl", "geheimnummer", "clave",
	"пин", "пинкод", "пін", "пінкод", "पिन",
	"السري", // "الرمز السري", "الرقم السري": the secret code / number
}

// unspacedKeywords are PIN words in scripts written without spaces; a word run
// in such a script counts as a keyword when it contains one of them, since
// "我的密码是" is one run of letters.
var unspacedKeywords = []string{
	"密码", "密碼", "暗証番号", "暗証", "暗码", "비밀번호", "핀번호", "핀코드", "พิน",
}

// bookingKeywords are the words a booking number is glued to ("booking1234567890",
// "#reserva1234567890"). Glued letters do not stop a number from being a
// secret anyway; these words matter where the glued word would otherwise
// make a hashtag ("#booking1234567890") or an identifier ("booking_1234567890").
// A glued word counts when it ends with one of them.
var bookingKeywords = []string{
	"booking", "bookingnr", "bookingno", "bookingnumber", "bookingcode", "bookingid", "bookingref",
	"reservation", "reservationnumber", "reservationno", "reservierung", "reservierungsnummer",
	"buchung", "buchungsnummer", "buchungsnr", "prenotazione", "prenotazioni",
	"reserva", "reservasi", "pemesanan", "boeking", "boekingsnummer", "rezervasyon", "rezerwacja", "rezerwacji",
	"бронь", "брони", "бронирование", "бронирования", "conf", "confirmation", "ref", "reference",
	"nr", "no", "num", "number", "numero", "nummer", "numer", "nomor", "номер", "id", "code", "kode", "codice", "código",
	"حجز", "الحجز", "बुकिंग", "予約", "预订", "預訂", "订单", "예약",
}

// nounWords name other numbered things. When one is the word right before
// the digits ("room 1234", "flight 610", "year 2024"), the digits belong to
// it: they are not a PIN after an earlier PIN keyword, and they are a decoy
// of their own when a secret stands next to them.
var nounWords = []string{
	"room", "rooms", "zimmer", "camera", "stanza", "kamar", "habitación", "chambre", "quarto", "kamer",
	"oda", "odası", "odasi", "pokój", "rum", "комната", "номере", "kamera", "कमरा", "房间", "房間", "部屋", "غرفة", "الغرفة",
	"flight", "flug", "volo", "vuelo", "vol", "voo", "vlucht", "uçuş", "lot", "рейс", "penerbangan", "उड़ान", "航班", "便", "رحلة",
	"year", "jahr", "anno", "tahun", "año", "année", "ano", "jaar", "yıl", "rok", "год",
	"since", "seit", "dal", "sejak", "desde", "depuis", "sinds", "från",
	"gate", "seat", "platform", "terminal", "floor", "etage", "piano", "lantai", "piso", "étage", "verdieping", "kat", "piętro",
	"order", "bestellung", "ordine", "pesanan", "pedido", "commande", "bestelling", "sipariş", "zamówienie", "заказ",
	"طلب", "ऑर्डर", "订单", "注文", "ticket",
}

// currencyCodes are price markers written with letters ("Rp 1.250.000",
// "EUR 50", "50 zł"). They are matched case-sensitively so that names such
// as "Ron" or words such as "try" do not count.
var currencyCodes = []string{
	"Rp", "RP", "IDR", "USD", "US$", "EUR", "GBP", "CHF", "TRY", "TL", "RUB", "PLN", "SEK", "NOK", "DKK",
	"BRL", "MXN", "JPY", "CNY", "RMB", "INR", "Rs", "AUD", "CAD", "HUF", "CZK", "RON", "AED", "THB", "MYR", "SGD",
	"SAR", "QAR", "KRW", "HKD", "TWD", "PHP", "VND", "NZD", "ZAR", "EGP", "ARS", "CLP", "COP", "PEN", "UAH",
	"zł", "kr", "Kč", "Ft", "lei", "руб", "грн", "euro", "euros", "dollar", "dollars", "rupiah", "lira", "lire",
}

// kwFirst and nounFirst mark the ASCII letters that keywords and nouns
// start with (normalized), a cheap first test for the words of a
// look-back.
var kwFirst, nounFirst = firstBytes(pinKeywordSet), firstBytes(nounSet)

// currencyByFirst lists the currency codes by their first byte (they are
// matched case-sensitively); currencyFirst marks those bytes.
var currencyByFirst, currencyFirst = func() (l [256][]string, t [256]bool) {
	for _, c := range currencyCodes {
		l[c[0]] = append(l[c[0]], c)
		t[c[0]] = true
	}
	return l, t
}()

// isCurrencyCode reports whether the whole word w is a currency code.
func isCurrencyCode(w string) bool {
	if w == "" || len(w) > 8 {
		return false
	}
	for _, c := range currencyByFirst[w[0]] {
		// Codes are at least two bytes long; most words differ in
		// length or second byte, which spares the comparison.
		if len(c) == len(w) && c[1] == w[1] && c == w {
			return true
		}
	}
	return false
}

// nounLens marks, by first letter, the lengths of the ASCII nouns: an ASCII
// word of another length is no noun, whatever its case.
var nounLens = func() (t [128][32]bool) {
	for w := range nounSet {
		if isASCIIWord([]byte(w)) && len(w) < 32 {
			t[w[0]][len(w)] = true
			t[w[0]-0x20][len(w)] = true
		}
	}
	return t
}()

func firstBytes(set map[string]struct{}) (t [256]bool) {
	for w := range set {
		t[w[0]] = true
		if w[0] >= 'a' && w[0] <= 'z' {
			t[w[0]-0x20] = true
		}
	}
	return t
}

var (
	pinKeywordSet     = normSet(pinKeywords)
	nounSet           = normSet(nounWords)
	bookingKeywordsN  = normList(bookingKeywords)
	unspacedKeywordsN = normList(unspacedKeywords)
)

func normSet(words []string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[string(normWord(nil, w))] = struct{}{}
	}
	return m
}

func normList(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = string(normWord(nil, w))
	}
	return out
}

// Look-back limits: how many bytes before a digit run are searched for a PIN
// keyword, and how many other words may stand between the two. Both bound the
// work per digit run, which keeps the scan linear.
const (
	lookBackBytes = 128
	maxFillers    = 4
)

// contextBytes is how much text before a digit run any rule may read; Copy
// keeps this much of the previous input so that line-by-line redaction
// gives the same result as redacting the whole text at once. The widest
// look is the keyword look-back: up to maxTransparentSkip invisible runes
// and a '#' before the run, lookBackBytes of words, and a placeholder's
// length before that.
const contextBytes = 2*lookBackBytes + 4*maxTransparentSkip + 64

// latinBase maps the lower-case letters of Latin-1 and Latin Extended-A
// (U+00E0..U+017F) to their base letter; '.' means none.
const latinBase = "aaaaaaaceeeeiiii" + "dnooooo.ouuuuyty" + // U+00E0..U+00FF
	"aaaaaaccccccccdd" + "ddeeeeeeeeeegggg" + "gggghhhhiiiiiiii" + "iijjjjkkklllllll" + // U+0100..U+013F
	"lllnnnnnnnnnoooo" + "oooorrrrrrssssss" + "ssttttttuuuuuuuu" + "uuuuwwyyyzzzzzzs" // U+0140..U+017F

// inWordIgnorable reports characters that change nothing in how a word
// reads: invisible format characters, variation selectors, the combining
// grapheme joiner and the combining accents of Latin, Greek and Cyrillic
// letters. "P\u200bIN" and "P\u0301IN" read as "PIN".
func inWordIgnorable(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r == 0xAD, r == 0x34F,
		r >= 0x300 && r <= 0x36F, r >= 0x1AB0 && r <= 0x1AFF, r >= 0x1DC0 && r <= 0x1DFF,
		r >= 0x20D0 && r <= 0x20FF, r >= 0xFE00 && r <= 0xFE0F, r >= 0xFE20 && r <= 0xFE2F,
		r >= 0xE0100 && r <= 0xE01EF, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// normWord appends the comparison form of w to buf: without invisible
// characters and Latin combining accents, fullwidth letters folded to ASCII,
// lower case, and Latin letters without their accents.
func normWord(buf []byte, w string) []byte {
	for _, r := range w {
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			buf = append(buf, byte(r))
			continue
		}
		if inWordIgnorable(r) {
			continue
		}
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		r = unicode.ToLower(r)
		switch {
		case r >= 0xE0 && r <= 0x17F:
			if b := latinBase[r-0xE0]; b != '.' {
				buf = append(buf, b)
				continue
			}
		case r == 0x219: // ș
			buf = append(buf, 's')
			continue
		case r == 0x21B: // ț
			buf = append(buf, 't')
			continue
		}
		buf = utf8.AppendRune(buf, r)
	}
	return buf
}

// wordBuf is scratch space for normalized words; keyword checks happen only
// around candidate numbers, so a small array on the stack is enough.
type wordBuf [96]byte

// isPINKeyword reports whether the whole word w (raw text) announces a PIN.
// A word that holds zero-width spaces is also tried piece by piece, since
// some scripts use them between words.
func isPINKeyword(w string) bool {
	if len(w) < 3 {
		return false
	}
	if isASCIILetters(w) {
		return asciiPINKeyword(w)
	}
	var wb wordBuf
	n := normWord(wb[:0], w)
	if isPINKeywordNorm(n) {
		return true
	}
	if strings.Contains(w, "\u200b") {
		for _, piece := range strings.Split(w, "\u200b") {
			if piece != "" && isPINKeywordNorm(normWord(wb[:0], piece)) {
				return true
			}
		}
	}
	return false
}

func isPINKeywordNorm(n []byte) bool {
	if _, ok := pinKeywordSet[string(n)]; ok {
		return true
	}
	if len(n) < 3 || isASCIIWord(n) {
		return false
	}
	w := string(n)
	if !hasUnspaced(w) {
		return false
	}
	for _, k := range unspacedKeywordsN {
		if strings.Contains(w, k) {
			return true
		}
	}
	// "PIN码", "PIN番号": Latin PIN glued to an unspaced script.
	for i := 0; i+3 <= len(w); i++ {
		if w[i:i+3] == "pin" {
			before, _ := decodeBefore(w, i)
			after, _ := decodeAt(w, i+3)
			if (before < 0 || isUnspacedScript(before)) && (after < 0 || isUnspacedScript(after)) {
				return true
			}
		}
	}
	return false
}

func isASCIIString(w string) bool {
	for k := 0; k < len(w); k++ {
		if w[k] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isASCIIWord(n []byte) bool {
	for _, c := range n {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isNoun reports whether the whole word w names another numbered thing.
func isNoun(w string) bool {
	if w == "" || w[0] < utf8.RuneSelf && (!nounFirst[w[0]] || isASCIIString(w) && (len(w) >= 32 || !nounLens[w[0]][len(w)])) {
		return false
	}
	var wb wordBuf
	_, ok := nounSet[string(normWord(wb[:0], w))]
	return ok
}

// endsWithBookingKeyword reports whether the glued word w ends with a booking
// or PIN keyword ("mybooking", "bookingnr", "pin").
func endsWithBookingKeyword(w string) bool {
	var wb wordBuf
	n := string(normWord(wb[:0], w))
	for _, k := range bookingKeywordsN {
		if strings.HasSuffix(n, k) {
			return true
		}
	}
	return isPINKeyword(w)
}

func hasUnspaced(w string) bool {
	for _, r := range w {
		if isUnspacedScript(r) {
			return true
		}
	}
	return false
}

// placeholderEndsAt reports whether s[:i] ends with one of the placeholders.
// Placeholders stop the keyword look-back: "[PIN] 5678" left by an earlier
// redaction must not make 5678 a PIN, which keeps Redact idempotent.
func placeholderEndsAt(s string, i int) bool {
	if i == 0 || s[i-1] != ']' {
		return false // all of them end with ']'
	}
	p := s[:i]
	return strings.HasSuffix(p, placeholderPIN) ||
		strings.HasSuffix(p, placeholderBooking) ||
		strings.HasSuffix(p, placeholderCard)
}

// isWordPart reports the runes a word is made of for keyword matching:
// letters, marks and invisible characters.
func isWordPart(r rune) bool {
	if r < utf8.RuneSelf { // inlined at every call
		return isASCIILetter(byte(r)) // -1 (no rune) is not a letter
	}
	return isWordPartNonASCII(r)
}

func isWordPartNonASCII(r rune) bool {
	return isWordRuneNonASCII(r) || isTransparentFrom0xAD(r)
}

// wordBefore returns the start of the word that ends at p (letters, marks
// and invisible characters), not looking before lo; cut is true when the
// word may go on before lo.
func wordBefore(s string, p, lo int) (start int, cut bool) {
	pos := p
	for pos > lo {
		if c := s[pos-1]; c < utf8.RuneSelf {
			if !isASCIILetter(c) {
				return pos, false
			}
			pos--
			continue
		}
		r, n := decodeBefore(s, pos)
		if !isWordPart(r) {
			return pos, false
		}
		pos -= n
	}
	return pos, lo > 0
}

// pinKeywordBefore reports whether a PIN keyword stands before position p,
// separated from it only by symbols and at most maxFillers other words, with
// no digit or placeholder in between.
func pinKeywordBefore(s string, p int) bool {
	lo := max(p-lookBackBytes, 0)
	pos := p
	words := 0
	for pos > lo {
		r, n := decodeBefore(s, pos)
		if isWordPart(r) {
			start, cut := wordBefore(s, pos, lo)
			if cut {
				return false // the word may go on beyond the window
			}
			w := s[start:pos]
			pos = start
			if !hasLetter(w) {
				continue // only invisible characters
			}
			// Most words are ASCII and start with a letter no keyword
			// (or, for the word next to the digits, no noun) starts with.
			c := w[0] | 0x20
			if isASCIILetters(w) {
				if asciiPINKeyword(w) {
					return true
				}
				if words == 0 && isNoun(w) {
					return false
				}
			} else if w[0] >= utf8.RuneSelf || kwFirst[c] || words == 0 && nounFirst[c] {
				var wb wordBuf
				n := normWord(wb[:0], w)
				if isPINKeywordNorm(n) || strings.Contains(w, "\u200b") && isPINKeyword(w) {
					return true
				}
				if _, ok := nounSet[string(n)]; ok && words == 0 {
					return false
				}
			}
			words++
			if words > maxFillers {
				return false
			}
			continue
		}
		if digitValue(r) >= 0 {
			return false
		}
		if r == ']' && placeholderEndsAt(s, pos) {
			return false
		}
		pos -= n
	}
	return false
}

func hasLetter(w string) bool {
	for _, r := range w {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

// Look-ahead limits of a PIN keyword written after its four digits ("1234
// is my PIN"): how many bytes after the run are searched, and how many
// other words may stand between the two.
const (
	lookAheadBytes     = 64
	maxFillersAfterPIN = 3
)

// pinKeywordAfter reports whether a PIN keyword follows position p, the
// end of a four-digit run, as in "1234 is my PIN", "4321 ist meine PIN",
// "1234 adalah PIN saya": at most maxFillersAfterPIN other words and
// symbols in between, within one sentence (no '.', '!', '?', ';' or line
// break), with no digit or placeholder. sole is false when the keyword
// may as well announce a PIN after it ("0819 PIN 0200", see pinFollows):
// the digits before it are then a PIN only when nothing else explains
// them (a phone number's last digits, a flight number).
func pinKeywordAfter(s string, p int) (found, sole bool) {
	hi := min(len(s), p+lookAheadBytes)
	pos := p
	words := 0
	for pos < hi {
		r, n := decodeAt(s, pos)
		if isTransparent(r) {
			pos += n // invisible runes and marks left of a word are no word
			continue
		}
		if isWordPart(r) {
			end := wordAfter(s, pos, hi)
			if end == hi && hi < len(s) {
				if r2, _ := decodeAt(s, hi); isWordPart(r2) {
					return false, false // the word may go on beyond the window
				}
			}
			w := s[pos:end]
			pos = end
			if !hasLetter(w) {
				continue
			}
			// Most words are ASCII and start with a letter no keyword
			// starts with: no need to normalize them.
			if (w[0] >= utf8.RuneSelf || kwFirst[w[0]] || strings.Contains(w, "\u200b")) && isPINKeyword(w) {
				return true, !pinFollows(s, pos)
			}
			words++
			if words > maxFillersAfterPIN {
				return false, false
			}
			continue
		}
		switch {
		case digitValue(r) >= 0, r == '.', r == '!', r == '?', r == ';', r == '\n', r == '\r', r == '[',
			r == 0x3002, r == 0xFF01, r == 0xFF1F, r == 0xFF0E:
			return false, false
		}
		pos += n
	}
	return false, false
}

// nextPINKeyword searches the words from p for a PIN keyword, reading them
// as pinKeywordAfter does, until one that starts after limit. It returns
// where the search ended (a word boundary) and where the keyword starts,
// or -1.
func nextPINKeyword(s string, p, limit int) (end, at int) {
	for p < len(s) && p <= limit {
		c := s[p]
		if c < utf8.RuneSelf {
			if c|0x20 < 'a' || c|0x20 > 'z' {
				p++ // most of what is not a letter is ASCII
				continue
			}
			// An ASCII word: compared only when a keyword may start so
			// and it ends before any other rune.
			e := p + 1
			for e < len(s) && s[e]|0x20 >= 'a' && s[e]|0x20 <= 'z' {
				e++
			}
			if e == len(s) || s[e] < utf8.RuneSelf {
				if asciiPINKeyword(s[p:e]) {
					return e, p
				}
				p = e
				continue
			}
		}
		r, n := decodeAt(s, p)
		if isTransparent(r) || !isWordPart(r) {
			p += n
			continue
		}
		e := wordAfter(s, p, len(s))
		w := s[p:e]
		if (w[0] >= utf8.RuneSelf || kwFirst[w[0]] || strings.Contains(w, "\u200b")) && isPINKeyword(w) {
			return e, p
		}
		p = e
	}
	return p, -1
}

// asciiKeywordLens marks, by a word's first two letters (lower case), the
// lengths an ASCII PIN keyword starting so has: a cheap test that rules out
// nearly every ASCII word before it is compared. It holds the normalized
// keywords, since an ASCII word matches a keyword written with accents
// ("sifre" is "şifre"). At 676 entries it stays in the fastest cache.
var asciiKeywordLens = func() (t [26 * 26]uint32) {
	for n, ks := range asciiKeywordsByLen[3:] {
		for _, k := range ks {
			t[duo(k)] |= 1 << (n + 3)
		}
	}
	return t
}()

// duo is the index of the first two letters of the ASCII word w (at least
// two letters) in asciiKeywordLens.
func duo(w string) int {
	return int(w[0]|0x20-'a')*26 + int(w[1]|0x20-'a')
}

// asciiKeywordShape reports whether the ASCII letters w start and are as
// long as some ASCII PIN keyword.
func asciiKeywordShape(w string) bool {
	return len(w) >= 3 && len(w) < 32 && asciiKeywordLens[duo(w)]&(1<<len(w)) != 0
}

// asciiKeywordsByLen lists the normalized PIN keywords that are ASCII, by
// length, for asciiPINKeyword.
var asciiKeywordsByLen = func() (t [32][]string) {
	for k := range pinKeywordSet {
		if isASCIIString(k) && len(k) < 32 {
			t[len(k)] = append(t[len(k)], k)
		}
	}
	return t
}()

// asciiPINKeyword is isPINKeyword for a word of ASCII letters: its lower
// case is one of the ASCII keywords. It neither normalizes the word nor
// hashes it, since every digit run near words asks this of several of them.
func asciiPINKeyword(w string) bool {
	if !asciiKeywordShape(w) {
		return false
	}
	for _, k := range asciiKeywordsByLen[len(w)] {
		if asciiLowerEqual(w, k) {
			return true
		}
	}
	return false
}

// asciiLowerEqual reports whether the ASCII letters w are k (lower case,
// as long as w) in any case.
func asciiLowerEqual(w, k string) bool {
	for i := 0; i < len(w); i++ {
		if w[i]|0x20 != k[i] {
			return false
		}
	}
	return true
}

// isASCIILetters reports whether w is made of ASCII letters only.
func isASCIILetters(w string) bool {
	for k := 0; k < len(w); k++ {
		if !isASCIILetter(w[k]) {
			return false
		}
	}
	return true
}

// wordAfter returns the end of the word that starts at p (letters, marks
// and invisible characters), not looking at or beyond hi.
func wordAfter(s string, p, hi int) int {
	pos := p
	for pos < hi {
		if c := s[pos] | 0x20; c >= 'a' && c <= 'z' {
			pos++
			continue
		}
		r, n := decodeAt(s, pos)
		if !isWordPart(r) {
			return pos
		}
		pos += n
	}
	return pos
}

// pinFollows reports whether the keyword that ends at p announces a PIN
// of its own: digits that start with a PIN's shape, or a PIN placeholder
// (left by an earlier pass, so that a second pass reads alike) follow it
// in the same sentence, after symbols and at most maxFillers words ("PIN:
// 4321", "PIN number 0373", "PIN: [PIN]").
func pinFollows(s string, p int) bool {
	hi := min(len(s), p+lookAheadBytes)
	words := 0
	for p < hi {
		r, n := decodeAt(s, p)
		switch {
		case digitValue(r) >= 0:
			return fourDigitsAt(s, p)
		case r == '[':
			return strings.HasPrefix(s[p:], placeholderPIN)
		case r == '.', r == '!', r == '?', r == ';', r == '\n', r == '\r', r == 0x3002, r == 0xFF01, r == 0xFF1F, r == 0xFF0E:
			return false
		case isTransparent(r):
		case isWordPart(r):
			p = wordAfter(s, p, hi)
			if words++; words > maxFillers {
				return false
			}
			continue
		}
		p += n
	}
	return false
}

// fourDigitsAt reports whether the digit run at p starts with a PIN's
// shape: four digits in at most four groups joined as the scanner joins
// them (one to three separator runes, invisible runes anywhere), ending
// where a group ends ("6-506 4738 856 399" starts with one).
func fourDigitsAt(s string, p int) bool {
	digits, groups := 0, 1
	for p < len(s) {
		r, n := decodeAt(s, p)
		if digitValue(r) >= 0 {
			if digits++; digits > 4 {
				return false
			}
			p += n
			continue
		}
		if isTransparent(r) {
			p += n
			continue
		}
		if digits == 4 {
			return true // the group ends with the fourth digit
		}
		q, runes := p, 0
		for q < len(s) && runes <= maxSepRunes {
			r, n := decodeAt(s, q)
			if !isTransparent(r) {
				if sepClass(r) == sepNone {
					break
				}
				runes++
			}
			q += n
		}
		if r2, _ := decodeAt(s, q); runes == 0 || runes > maxSepRunes || digitValue(r2) < 0 {
			return false // fewer than four digits
		}
		if groups++; groups > 4 {
			return false
		}
		p = q
	}
	return digits == 4
}

// postcodeLetters reports whether the word after position p (past spaces)
// is two upper-case ASCII letters, as in the Dutch postcode "3183 AB".
func postcodeLetters(s string, p int) bool {
	for p < len(s) && (s[p] == ' ' || s[p] == '\t') {
		p++
	}
	if p+2 > len(s) || s[p] < 'A' || s[p] > 'Z' || s[p+1] < 'A' || s[p+1] > 'Z' {
		return false
	}
	if p+2 == len(s) {
		return true
	}
	r, _ := decodeAt(s, p+2)
	return !isWordPart(r) && digitValue(r) < 0
}
