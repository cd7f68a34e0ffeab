package redact

import "strings"

// pinKeywords are single words that announce a PIN. Multi-word forms such as
// "pin code", "kode PIN", "codice PIN", "PIN-Code", "PIN kodu" or "ПИН-код"
// need no entry of their own: the look-back treats the other word as filler
// and still reaches the "PIN" word. Matching is case-insensitive and on whole
// words, so "spinning" or "pinned" never match.
var pinKeywords = []string{
	"pin", "pincode", "pinkode", "pinkod", "pinkodu", "pinkodun", "pinkodunuz",
	"pinkoden", "pinkoodi", "pinnummer", "pinnumber", "pinnr", "pinno",
	"pinnya", "pinku", "pinmu", // Indonesian "PIN-nya", "PIN-ku"
	"passcode", "senha", "şifre", "şifrem", "şifreniz", "şifresi",
	"пин", "пинкод", "пін", "пінкод", "पिन",
}

// unspacedKeywords are PIN words in scripts written without spaces; a word run
// in such a script counts as a keyword when it contains one of them, since
// "我的密码是" is one run of letters.
var unspacedKeywords = []string{
	"密码", "密碼", "暗証番号", "暗証", "暗码", "비밀번호", "핀번호", "핀코드", "พิน",
}

// notPINNouns name other 4-digit things. When one is the word right before
// the digits ("my PIN is fine, room 1234", "PIN changed in year 2024"), the
// digits belong to it and not to an earlier PIN keyword.
var notPINNouns = []string{
	"room", "rooms", "zimmer", "camera", "stanza", "kamar", "habitación", "habitacion",
	"chambre", "quarto", "kamer", "oda", "odası", "pokój", "pokoj", "rum", "комната",
	"flight", "flug", "volo", "vuelo", "vol", "voo", "vlucht", "uçuş", "lot", "рейс",
	"year", "jahr", "anno", "tahun", "año", "année", "ano", "jaar", "yıl", "rok", "år", "год",
	"since", "seit", "dal", "sejak", "desde", "depuis", "sinds", "från",
	"gate", "seat", "platform",
}

// Look-back limits: how many bytes before a digit run are searched for a PIN
// keyword, and how many other words may stand between the two. Both bound the
// work per digit run, which keeps the scan linear.
const (
	lookBackBytes = 128
	maxFillers    = 4
)

// contextBytes is how much text before a position any rule may read; Copy
// keeps this much of the previous input so that line-by-line redaction
// gives the same result as redacting the whole text at once.
const contextBytes = lookBackBytes + 8

func equalFoldAny(w string, list []string) bool {
	for _, k := range list {
		// Case folding in these scripts keeps the UTF-8 length, so a
		// length check rules out most candidates cheaply.
		if len(k) == len(w) && strings.EqualFold(k, w) {
			return true
		}
	}
	return false
}

// foldWidth maps fullwidth Latin letters ("ＰＩＮ") to ASCII, which case
// folding alone does not do.
func foldWidth(w string) string {
	if !strings.Contains(w, "\xef\xbc") && !strings.Contains(w, "\xef\xbd") {
		return w
	}
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, w)
}

// isPINKeyword reports whether the whole word w announces a PIN.
func isPINKeyword(w string) bool {
	if len(w) < 3 {
		return false
	}
	w = foldWidth(w)
	if equalFoldAny(w, pinKeywords) {
		return true
	}
	if hasUnspaced(w) {
		for _, k := range unspacedKeywords {
			if strings.Contains(w, k) {
				return true
			}
		}
		// "PIN码", "PIN番号": Latin PIN glued to an unspaced script.
		for i := 0; i+3 <= len(w); i++ {
			if strings.EqualFold(w[i:i+3], "pin") {
				before, _ := decodeBefore(w, i)
				after, _ := decodeAt(w, i+3)
				if (before < 0 || isUnspacedScript(before)) && (after < 0 || isUnspacedScript(after)) {
					return true
				}
			}
		}
	}
	return false
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
	p := s[:i]
	return strings.HasSuffix(p, placeholderPIN) ||
		strings.HasSuffix(p, placeholderBooking) ||
		strings.HasSuffix(p, placeholderCard)
}

// pinKeywordBefore reports whether a PIN keyword stands before position p,
// separated from it only by symbols and at most maxFillers other words, with
// no digit or placeholder in between.
func pinKeywordBefore(s string, p int) bool {
	lo := p - lookBackBytes
	if lo < 0 {
		lo = 0
	}
	pos := p
	words := 0
	for pos > lo {
		r, n := decodeBefore(s, pos)
		if isWordRune(r) {
			end := pos
			for pos > lo {
				r, n = decodeBefore(s, pos)
				if !isWordRune(r) {
					break
				}
				pos -= n
			}
			if pos <= lo && lo > 0 {
				return false // the word may go on beyond the window
			}
			w := s[pos:end]
			if isPINKeyword(w) {
				return true
			}
			if words == 0 && equalFoldAny(w, notPINNouns) {
				return false
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

// keywordWordBefore returns the letters that end exactly at p (bounded), so
// that "PIN1234" can count the glued "PIN" as a keyword.
func keywordWordBefore(s string, p int) string {
	lo := p - 32
	if lo < 0 {
		lo = 0
	}
	pos := p
	for pos > lo {
		r, n := decodeBefore(s, pos)
		if !isWordRune(r) {
			return s[pos:p]
		}
		pos -= n
	}
	if lo > 0 {
		return ""
	}
	return s[:p]
}
