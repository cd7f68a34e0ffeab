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
	// The common cases are small enough to be inlined at every call.
	if uint32(r-'0') < 10 {
		return int(r - '0')
	}
	return ndValue(r)
}

// ndValue is digitValue for the runes other than the ASCII digits.
func ndValue(r rune) int {
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

// isTransparent reports whether r is an invisible character that people (or
// obfuscators) put between digits or inside words: format characters
// (zero-width spaces and joiners, word joiner, soft hyphen, BOM, bidi marks,
// tags), combining marks of any kind (variation selectors and the combining
// grapheme joiner among them) and the Hangul fillers. Such runes are skipped
// as if they were not there, so "12\u200b34" reads as "1234".
func isTransparent(r rune) bool {
	return r >= 0xAD && isTransparentFrom0xAD(r) // ASCII inlined at every call
}

// isTransparentFrom0xAD is isTransparent for runes from U+00AD on.
func isTransparentFrom0xAD(r rune) bool {
	switch {
	case r == 0xAD:
		return true
	case r < 0x300:
		return false
	case r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me, unicode.Mc)
}

// Separator classes between digit groups. A separator is one to three
// separator runes (invisible runes do not count); its class is that of its
// first rune that is not a space, or sepSpace.
const (
	sepNone  = 0
	sepSpace = 1
	sepDot   = 2
	sepDash  = 3
	sepSlash = 4
)

// maxSepRunes is how many separator runes may stand between two groups of
// one number: " . " and " - " count, four spaces end the number.
const maxSepRunes = 3

// sepClass tells whether r may stand between two digit groups of one number:
// spaces of any width (and tabs, not line breaks), dots and middle dots,
// dashes of any kind, slashes.
func sepClass(r rune) int {
	if uint32(r) < utf8.RuneSelf { // inlined at every call
		return int(asciiSep[r])
	}
	return sepClassNonASCII(r)
}

// asciiSep is sepClass of the ASCII runes.
var asciiSep = [utf8.RuneSelf]uint8{' ': sepSpace, '\t': sepSpace, '.': sepDot, '-': sepDash, '/': sepSlash, '\\': sepSlash}

// sepClassNonASCII is sepClass for the other runes (and -1, no rune).
func sepClassNonASCII(r rune) int {
	if r < 0 {
		return sepNone
	}
	switch r {
	case 0xB7, 0x387, 0x2022, 0x2024, 0x2027, 0x2219, 0x22C5, 0x30FB, 0xFF65, 0xFF0E, 0x3002, 0xFF61, 0xFE52:
		return sepDot
	case 0x2212, 0x2043, 0xFE63, 0xFF0D, 0x2796:
		return sepDash
	case 0xFF0F, 0xFF3C, 0x2044, 0x2215, 0x2216, 0x29F8, 0x29F9:
		return sepSlash
	}
	if isSpaceSep(r) {
		return sepSpace
	}
	if unicode.Is(unicode.Pd, r) {
		return sepDash
	}
	return sepNone
}

// isSpaceSep reports the Unicode space separators (category Zs): the plain
// space, no-break spaces, the typographic spaces and the ideographic space.
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
	if r < utf8.RuneSelf { // inlined at every call
		return isASCIILetter(byte(r)) // -1 (no rune) is not a letter
	}
	return isWordRuneNonASCII(r)
}

// isWordRuneNonASCII is isWordRune for the runes beyond ASCII.
func isWordRuneNonASCII(r rune) bool {
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

// isCurrencySymbol reports Unicode currency symbols (€, $, £, ₹, ₺...).
func isCurrencySymbol(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '$'
	}
	return unicode.Is(unicode.Sc, r)
}

// decodeAt returns the rune at s[i] and its length, or -1 and 0 at the
// end of s. ASCII is decoded inline at every call.
func decodeAt(s string, i int) (rune, int) {
	if i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			return rune(c), 1
		}
	}
	return decodeAtNonASCII(s, i)
}

func decodeAtNonASCII(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

// decodeBefore returns the rune that ends at s[i] and its length, or -1
// and 0 at the start of s. ASCII is decoded inline at every call.
func decodeBefore(s string, i int) (rune, int) {
	if i > 0 {
		if c := s[i-1]; c < utf8.RuneSelf {
			return rune(c), 1
		}
	}
	return decodeBeforeNonASCII(s, i)
}

func decodeBeforeNonASCII(s string, i int) (rune, int) {
	if i <= 0 {
		return -1, 0
	}
	return utf8.DecodeLastRuneInString(s[:i])
}

// maxTransparentSkip bounds how many invisible runes the context checks step
// over, so that a long run of them costs a constant amount per finding.
const maxTransparentSkip = 32

// skipTransparentBack returns the position before any invisible runes that
// end at i. Combining marks that belong to a letter ("कमरा") are not
// skipped: they are part of the word.
func skipTransparentBack(s string, i int) int {
	if i > 0 && s[i-1] < utf8.RuneSelf {
		return i // the common case: no invisible rune is ASCII
	}
	for k := 0; k < maxTransparentSkip; k++ {
		r, n := decodeBefore(s, i)
		if n == 0 || !isTransparent(r) || isMark(r) && markOnLetter(s, i-n) {
			return i
		}
		i -= n
	}
	return i
}

// skipTransparent returns the position after any invisible runes that start
// at i.
func skipTransparent(s string, i int) int {
	if i < len(s) && s[i] < utf8.RuneSelf {
		return i // the common case: no invisible rune is ASCII
	}
	for k := 0; k < maxTransparentSkip; k++ {
		r, n := decodeAt(s, i)
		if n == 0 || !isTransparent(r) {
			return i
		}
		i += n
	}
	return i
}

func isMark(r rune) bool {
	return r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me)
}

// markOnLetter reports whether the combining marks that end at i follow a
// letter.
func markOnLetter(s string, i int) bool {
	for k := 0; k < maxTransparentSkip; k++ {
		r, n := decodeBefore(s, i)
		if !isMark(r) {
			return isWordRune(r)
		}
		i -= n
	}
	return false
}
