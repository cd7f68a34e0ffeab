package language

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns the words of text that carry language: URLs, @handles,
// #hashtags, e-mail addresses, HTML entities, tokens with digits, emoji and
// other symbols are dropped, and what remains is joined by single spaces.
//
// Tweets are full of tokens that belong to no language; left in, they pull
// short texts toward whichever language's n-grams they happen to resemble
// (a handle like @hotelsupport reads as English, "#BuenViaje" as Spanish).
func Clean(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, tok := range strings.Fields(text) {
		w := cleanToken(tok)
		if w == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// cleanToken returns the letters of one whitespace-separated token, or ""
// when the token as a whole carries no language.
func cleanToken(tok string) string {
	switch {
	case tok[0] == '@' || tok[0] == '#' || tok[0] == '$':
		return ""
	case hasURLShape(tok):
		return ""
	case strings.ContainsRune(tok, '@'): // e-mail address
		return ""
	}
	// Drop HTML entities (Twitter escapes &, < and >).
	for _, e := range []string{"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"} {
		tok = strings.ReplaceAll(tok, e, " ")
	}
	var b strings.Builder
	letter := false // the previous rune was a letter or an accent on one
	for _, r := range tok {
		switch {
		case unicode.IsDigit(r) || unicode.IsNumber(r):
			// "3pm", "LH1234", "2nd": numbers and codes, no language.
			return ""
		case unicode.IsLetter(r):
			b.WriteRune(r)
			letter = true
			continue
		case unicode.Is(unicode.Mn, r) && letter:
			// A combining accent on a letter; on anything else (the
			// variation selector of an emoji) it is noise.
			b.WriteRune(r)
			continue
		case r == '\'' || r == '’' || r == '-':
			// Keep word-internal apostrophes and hyphens ("don't",
			// "check-in"); separators elsewhere become spaces.
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
		letter = false
	}
	return strings.Join(strings.FieldsFunc(b.String(), func(r rune) bool {
		return r == ' '
	}), " ")
}

// hasURLShape reports whether tok looks like a link: a scheme, "www.", or
// a host name followed by a path.
func hasURLShape(tok string) bool {
	l := strings.ToLower(tok)
	if strings.Contains(l, "://") || strings.HasPrefix(l, "www.") {
		return true
	}
	host, _, hasPath := strings.Cut(l, "/")
	if !hasPath {
		return false
	}
	dot := strings.LastIndexByte(host, '.')
	return dot > 0 && dot < len(host)-2
}

// Words counts the words of cleaned text: tokens with at least one letter.
// Scripts written without spaces (Japanese, Chinese, Thai) count as one
// word per run, which errs toward "short" and so toward caution.
func Words(cleaned string) int {
	n := 0
	for _, f := range strings.Fields(cleaned) {
		for _, r := range f {
			if unicode.IsLetter(r) {
				n++
				break
			}
		}
	}
	return n
}

// MaskNames returns text without the words that look like proper names:
// capitalised words other than the first of a sentence. All-capital words
// are kept (they are shouting or acronyms, not names), and so is "I". It
// also reports whether anything was masked. Clean the result as usual.
//
// A short English sentence about a foreign hotel ("I stayed at
// Schlosshotel Fürstenhof Bad Kötzting") is mostly name; the name's
// n-grams, and the umlauts that make the detector drop English altogether,
// outvote the English words. The detector uses the masked text only to
// rescue such sentences, never to call a text non-English, so masking
// German nouns costs nothing.
func MaskNames(text string) (string, bool) {
	words := strings.Fields(text)
	out := make([]string, 0, len(words))
	sentenceStart := true
	for _, w := range words {
		if cleanToken(w) == "" {
			// A handle, link or emoji: no word, and no sentence start.
			out = append(out, w)
			continue
		}
		if !titleCase(w) || sentenceStart {
			out = append(out, w)
		}
		sentenceStart = endsSentence(w)
	}
	if len(out) == len(words) {
		return text, false
	}
	return strings.Join(out, " "), true
}

// endsSentence reports whether w ends with sentence punctuation, so that
// the next capitalised word is an ordinary sentence start.
func endsSentence(w string) bool {
	w = strings.TrimRight(w, `"')»”’`)
	return strings.HasSuffix(w, ".") || strings.HasSuffix(w, "!") || strings.HasSuffix(w, "?") || strings.HasSuffix(w, ":")
}

// titleCase reports whether w starts with an upper-case letter followed by
// at least one lower-case letter.
func titleCase(w string) bool {
	w = strings.TrimLeftFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	r, size := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) || w == "I" {
		return false
	}
	for _, s := range w[size:] {
		if unicode.IsLower(s) {
			return true
		}
	}
	return false
}

// withoutForeignLetters returns cleaned text without the words that have
// letters outside the English alphabet (a to z), and whether there were
// any.
func withoutForeignLetters(cleaned string) (string, bool) {
	words := strings.Fields(cleaned)
	out := words[:0:0]
	for _, w := range words {
		plain := true
		for _, r := range w {
			if r >= 0x80 && unicode.IsLetter(r) {
				plain = false
				break
			}
		}
		if plain {
			out = append(out, w)
		}
	}
	if len(out) == len(words) {
		return cleaned, false
	}
	return strings.Join(out, " "), true
}
