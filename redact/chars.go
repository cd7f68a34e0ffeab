package redact

import (
	"unicode"
	"unicode/utf8"
)

// ndRange is one run of Unicode decimal digits (category Nd). Unicode
// guarantees that decimal digits are encoded in contiguous runs of ten that
// start at the digit zero, and the stdlib table merges adjacent runs, so the
// value of a rune in a run is its distance from the run's start modulo ten.
type ndRange struct {
	lo, hi rune
}

// ndTable is built once from unicode.Nd so that the package follows the
// Unicode version of the Go toolchain instead of a hand-kept list.
var ndTable = buildNdTable()

func buildNdTable() []ndRange {
	var t []ndRange
	add := func(lo, hi, stride rune) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			// Not the case in any Unicode version so far; keep such a run out
			// of the table rather than give its runes wrong values.
			return
		}
		t = append(t, ndRange{lo, hi})
	}
	for _, r := range unicode.Nd.R16 {
		add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	for _, r := range unicode.Nd.R32 {
		add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	return t
}

// digitValue returns the decimal value of r, or -1 when r is not a decimal
// digit in any script.
func digitValue(r rune) int {
	if r < utf8.RuneSelf {
		if r >= '0' && r <= '9' {
			return int(r - '0')
		}
		return -1
	}
	if r < 0x660 { // no decimal digits between ASCII and Arabic-Indic
		return -1
	}
	t := ndTable
	lo, hi := 0, len(t)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case r < t[m].lo:
			hi = m
		case r > t[m].hi:
			lo = m + 1
		default:
			return int(r-t[m].lo) % 10
		}
	}
	return -1
}

// isTransparent reports whether r is an invisible format character that
// people (or obfuscators) put between digits; such runes are skipped as if
// they were not there, so "12\u200b34" reads as "1234".
func isTransparent(r rune) bool {
	if r < 0xAD {
		return false
	}
	switch {
	case r == 0xAD, r == 0x34F, r == 0x61C, r == 0x180E,
		r >= 0x200B && r <= 0x200F,
		r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x2064,
		r >= 0x2066 && r <= 0x206F,
		r == 0xFEFF:
		return true
	}
	return false
}

// Separator classes between digit groups. Space and dash classes are the
// common ways of grouping secrets; the dot class matters for dates and prices.
const (
	sepNone  = 0
	sepSpace = 1
	sepDot   = 2
	sepDash  = 3
)

// sepClass tells whether r may stand between two digit groups of one number.
func sepClass(r rune) int {
	switch r {
	case ' ':
		return sepSpace
	case '.', 0xFF0E:
		return sepDot
	case '-', 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D:
		return sepDash
	}
	if r >= 0xA0 && isSpaceSep(r) {
		return sepSpace
	}
	return sepNone
}

// isSpaceSep reports the Unicode space separators (category Zs): the plain
// space, no-break spaces and the typographic thin spaces.
func isSpaceSep(r rune) bool {
	switch {
	case r == ' ', r == 0xA0, r == 0x1680, r >= 0x2000 && r <= 0x200A,
		r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// isSpace reports white space that ends a token (used for URL detection).
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.IsSpace(r)
}

// isWordRune reports letters and combining marks, the runes that make up a
// word for keyword matching.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	if r == utf8.RuneError {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsMark(r)
}

// isUnspacedScript reports letters of scripts written without spaces between
// words (Han, kana, Hangul, Thai...). Digits next to them are not "part of a
// word" the way "user123" is, so they do not block a finding.
func isUnspacedScript(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// attaches reports whether a rune next to a digit makes the digit part of a
// word, as in "@user1234567890", "#travel2025" or "LH1234".
func attaches(r rune) bool {
	if r == '_' {
		return true
	}
	if r == 0xAA || r == 0xBA { // ª º as in "nº1234567890"
		return false
	}
	return isWordRune(r) && !isUnspacedScript(r)
}

// isCurrencySymbol reports Unicode currency symbols (€, $, £, ₹, ₺...).
func isCurrencySymbol(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '$'
	}
	return unicode.Is(unicode.Sc, r)
}

func decodeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func decodeBefore(s string, i int) (rune, int) {
	if i <= 0 {
		return -1, 0
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeLastRuneInString(s[:i])
}

// maxTransparentSkip bounds how many invisible runes the context checks step
// over, so that a long run of them costs a constant amount per finding.
const maxTransparentSkip = 8

// skipTransparentBack returns the position before any invisible runes that
// end at i.
func skipTransparentBack(s string, i int) int {
	for k := 0; k < maxTransparentSkip; k++ {
		r, n := decodeBefore(s, i)
		if n == 0 || !isTransparent(r) {
			return i
		}
		i -= n
	}
	return i
}

// skipTransparent returns the position after any invisible runes that start
// at i.
func skipTransparent(s string, i int) int {
	for k := 0; k < maxTransparentSkip; k++ {
		r, n := decodeAt(s, i)
		if n == 0 || !isTransparent(r) {
			return i
		}
		i += n
	}
	return i
}
