package redact

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// group is one run of digits inside a number; groups of one number are
// joined by single separators ("1234 567 890" has three groups).
type group struct {
	start, end int // byte offsets of the first digit and just past the last one
	d0, d1     int // the group's normalized digits are scanner.digits[d0:d1]
	sep        int // class of the separator after the group; sepNone for the last
}

func (g *group) len() int { return g.d1 - g.d0 }

// scanner holds the state of one pass over a text. The pass is a single
// left-to-right walk that stops only at digits; everything else about a
// number (keywords, phone prefixes, URLs, words glued to it) is looked up
// around it within fixed bounds, which keeps the whole pass linear.
type scanner struct {
	s         string
	stopFirst bool // Contains only needs to know whether there is a finding
	stop      bool
	found     []Finding

	groups []group
	digits []byte

	// lastBookingEnd is the end of a booking number that closed the
	// previous digit run, or -1: a PIN may follow it without a keyword.
	lastBookingEnd int

	// The whitespace-delimited token last examined for URL-ness. Digit runs
	// come in increasing order and a candidate spans at most five groups, so
	// each token is examined a bounded number of times.
	tokStart, tokEnd int
	tokURL           bool

	// Facts about the current digit run, computed on first use only, so that
	// runs with no candidate shape cost nothing beyond reading them.
	ctxDone         bool
	blocked         bool
	leftOK, rightOK bool
	keywordDone     bool
	keyword         bool
	hashBefore      int // bytes of a '#' right before the run, or 0
}

// scannerPool recycles the group and digit buffers between calls, so that
// scanning a clean text allocates nothing.
var scannerPool = sync.Pool{New: func() any { return new(scanner) }}

// Buffers above these sizes (left by a huge digit run) are dropped rather
// than kept alive in the pool. The pool itself lets idle buffers go at
// garbage collection, so the limits only bound what one idle scanner holds.
const (
	maxPooledGroups = 1 << 16
	maxPooledDigits = 1 << 18
)

func getScanner(s string) *scanner {
	sc := scannerPool.Get().(*scanner)
	*sc = scanner{
		s:              s,
		groups:         sc.groups[:0],
		digits:         sc.digits[:0],
		lastBookingEnd: -1,
		tokStart:       -1,
		tokEnd:         -1,
	}
	return sc
}

// release returns sc to the pool and hands its findings to the caller.
func (sc *scanner) release() []Finding {
	found := sc.found
	if cap(sc.groups) > maxPooledGroups {
		sc.groups = nil
	}
	if cap(sc.digits) > maxPooledDigits {
		sc.digits = nil
	}
	sc.s, sc.found = "", nil
	scannerPool.Put(sc)
	return found
}

// run scans s from byte offset from. Text before from is context only: it is
// read by the look-back rules but never reported.
func (sc *scanner) run(from int) {
	s := sc.s
	i := from
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c-'0' >= 10 {
				i++
				continue
			}
			i = sc.chunk(i)
			if sc.stop {
				return
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= 0x660 && digitValue(r) >= 0 {
			i = sc.chunk(i)
			if sc.stop {
				return
			}
			continue
		}
		i += n
	}
}

// chunk reads the digit run that starts at p, finds the secrets in it and
// returns the offset just past its last digit.
func (sc *scanner) chunk(p int) int {
	s := sc.s
	sc.groups = sc.groups[:0]
	sc.digits = sc.digits[:0]
	pos := p
	for {
		g := group{start: pos, d0: len(sc.digits)}
		end := pos
		for pos < len(s) {
			r, n := decodeAt(s, pos)
			if v := digitValue(r); v >= 0 {
				sc.digits = append(sc.digits, byte('0'+v))
				pos += n
				end = pos
				continue
			}
			if isTransparent(r) {
				pos += n
				continue
			}
			break
		}
		g.end, g.d1 = end, len(sc.digits)
		r, n := decodeAt(s, pos)
		if cls := sepClass(r); cls != sepNone {
			q := pos + n
			for q < len(s) {
				r2, n2 := decodeAt(s, q)
				if !isTransparent(r2) {
					break
				}
				q += n2
			}
			if r2, _ := decodeAt(s, q); r2 >= 0 && digitValue(r2) >= 0 {
				g.sep = cls
				sc.groups = append(sc.groups, g)
				pos = q
				continue
			}
		}
		sc.groups = append(sc.groups, g)
		break
	}
	sc.ctxDone, sc.keywordDone = false, false
	sc.analyze()
	return sc.groups[len(sc.groups)-1].end
}

// analyze walks the groups of the current run left to right and takes the
// first shape that fits at each group: card, then booking number, then PIN.
func (sc *scanner) analyze() {
	g := sc.groups
	n := len(g)
	afterBooking := sc.lastBookingEnd >= 0 && sc.followsBooking()
	sc.lastBookingEnd = -1
	for i := 0; i < n; {
		if m := sc.matchCard(i); m > 0 {
			sc.emit(CardNumber, i, m)
			if sc.stop {
				return
			}
			i += m
			afterBooking = false
			continue
		}
		if m := sc.matchBooking(i); m > 0 {
			sc.emit(BookingNumber, i, m)
			if sc.stop {
				return
			}
			i += m
			afterBooking = true
			if i == n {
				sc.lastBookingEnd = g[n-1].end
			}
			continue
		}
		if afterBooking || i == 0 {
			// The shape is checked before the keyword look-back, which is
			// the costlier test.
			if m := sc.matchPIN(i); m > 0 && (afterBooking || sc.keywordBefore()) && sc.eligible(i, m) {
				sc.emit(PIN, i, m)
				if sc.stop {
					return
				}
				i += m
				afterBooking = false
				continue
			}
		}
		afterBooking = false
		i++
	}
}

func (sc *scanner) emit(k Kind, i, m int) {
	g := sc.groups
	start := g[i].start
	if i == 0 {
		sc.context()
		start -= sc.hashBefore
	}
	last := g[i+m-1]
	sc.found = append(sc.found, Finding{
		Kind:  k,
		Start: start,
		End:   last.end,
		Value: string(sc.digits[g[i].d0:last.d1]),
	})
	if sc.stopFirst {
		sc.stop = true
	}
}

// matchCard returns how many groups from i make a payment card number, or 0.
// Accepted shapes are a single run of 13-19 digits, 4-4-4-4 with an optional
// short tail (13-19 digits in all) and the 4-6-4 / 4-6-5 of Diners and Amex;
// the digits must pass the Luhn check and not start with 0, which no issuer
// uses but phone numbers ("0049 ...") do.
func (sc *scanner) matchCard(i int) int {
	g := sc.groups
	n := len(g)
	gi := g[i].len()
	if gi >= 13 && gi <= 19 {
		if sc.cardOK(i, 1) {
			return 1
		}
		return 0
	}
	if gi != 4 {
		return 0
	}
	if i+2 < n && g[i+1].len() == 6 {
		if l := g[i+2].len(); (l == 4 || l == 5) && sc.cardOK(i, 3) {
			return 3
		}
	}
	k := 1
	for k < 4 && i+k < n && g[i+k].len() == 4 {
		k++
	}
	switch k {
	case 4:
		if i+4 < n && g[i+4].len() <= 3 && sc.cardOK(i, 5) {
			return 5
		}
		if sc.cardOK(i, 4) {
			return 4
		}
	case 3:
		if i+3 < n && g[i+3].len() <= 3 && sc.cardOK(i, 4) {
			return 4
		}
	}
	return 0
}

func (sc *scanner) cardOK(i, m int) bool {
	g := sc.groups
	d := sc.digits[g[i].d0:g[i+m-1].d1]
	if d[0] == '0' || !luhn(d) {
		return false
	}
	return sc.eligible(i, m)
}

// luhn reports whether the ASCII digits d pass the Luhn checksum.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		v := int(d[k] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// matchBooking returns how many groups from i make a booking number, or 0:
// ten digits in one run, or grouped exactly 4-3-3. Other groupings of ten
// digits ("02 233 31 342") are how phone numbers are written.
func (sc *scanner) matchBooking(i int) int {
	g := sc.groups
	n := len(g)
	m := 0
	switch {
	case g[i].len() == 10:
		m = 1
	case g[i].len() == 4 && i+2 < n && g[i+1].len() == 3 && g[i+2].len() == 3:
		m = 3
	default:
		return 0
	}
	if sc.eligible(i, m) {
		return m
	}
	return 0
}

// matchPIN returns how many groups from i hold exactly four digits ("1234",
// "12 34", "1 2 3 4"), or 0. The digits must end the run or be followed by a
// space: "2024-05-17" or "12.03.2025" after a PIN keyword are dates.
func (sc *scanner) matchPIN(i int) int {
	g := sc.groups
	n := len(g)
	sum := 0
	for k := i; k < n && k < i+4; k++ {
		sum += g[k].len()
		if sum > 4 {
			return 0
		}
		if sum < 4 {
			continue
		}
		m := k - i + 1
		if k+1 < n {
			if g[k].sep != sepSpace {
				return 0
			}
		} else if sc.pinTailBlocked(g[k].end) {
			return 0
		}
		return m
	}
	return 0
}

// pinTailBlocked reports a dot or dash right after the run that leads to a
// placeholder. In the original text that dash led to more digits (so the four
// digits were part of a date-like number and not a PIN); this makes a second
// pass over redacted text reach the same verdict.
func (sc *scanner) pinTailBlocked(end int) bool {
	s := sc.s
	q := skipTransparent(s, end)
	r, n := decodeAt(s, q)
	if c := sepClass(r); c != sepDot && c != sepDash {
		return false
	}
	q = skipTransparent(s, q+n)
	return q < len(s) && s[q] == '['
}

// eligible reports whether groups i..i+m-1 may form a secret given what
// surrounds the run: a phone or price context blocks the whole run, a word
// glued to either end blocks the group it touches, and digits inside a URL
// are never secrets.
func (sc *scanner) eligible(i, m int) bool {
	sc.context()
	if sc.blocked {
		return false
	}
	g := sc.groups
	if i == 0 && !sc.leftOK {
		return false
	}
	if i+m == len(g) && !sc.rightOK {
		return false
	}
	for k := i; k < i+m; k++ {
		if sc.inURL(g[k].start) {
			return false
		}
	}
	return true
}

// keywordBefore reports whether a PIN keyword precedes the current run.
func (sc *scanner) keywordBefore() bool {
	if !sc.keywordDone {
		sc.context()
		sc.keyword = pinKeywordBefore(sc.s, sc.groups[0].start-sc.hashBefore)
		sc.keywordDone = true
	}
	return sc.keyword
}

// followsBooking reports whether the current run comes right after a booking
// number, separated only by a few spaces and joining marks, as in
// "1234567890/1234" or "1234567890 - 1234".
func (sc *scanner) followsBooking() bool {
	s := sc.s
	gap := s[sc.lastBookingEnd:sc.groups[0].start]
	if len(gap) > 32 {
		return false
	}
	runes := 0
	for _, r := range gap {
		runes++
		if runes > 8 {
			return false
		}
		if isSpaceSep(r) || isTransparent(r) || sepClass(r) == sepDash || isHash(r) {
			continue
		}
		switch r {
		case '/', ':', '(', '|', '\\':
			continue
		}
		// Not ',' or ';': "booking 1234567890, 2024" is more likely a year.
		return false
	}
	return true
}

func isHash(r rune) bool { return r == '#' || r == 0xFF03 }

// currencyCodes are price prefixes written with letters ("Rp 1.250.000").
// They are matched case-sensitively so that names such as "Ron" or words
// such as "try" do not count.
var currencyCodes = []string{
	"Rp", "RP", "IDR", "USD", "EUR", "GBP", "CHF", "TRY", "TL", "RUB", "PLN", "SEK", "NOK", "DKK",
	"BRL", "MXN", "JPY", "CNY", "INR", "AUD", "CAD", "HUF", "CZK", "RON", "AED", "THB", "MYR", "SGD",
}

// context computes the facts about the current run that depend on the text
// around it.
func (sc *scanner) context() {
	if sc.ctxDone {
		return
	}
	sc.ctxDone = true
	s := sc.s
	g := sc.groups
	n := len(g)
	first := g[0].start
	sc.hashBefore = 0
	if r, sz := decodeBefore(s, first); isHash(r) {
		sc.hashBefore = sz
	}

	// Left side.
	q := skipTransparentBack(s, first)
	r, sz := decodeBefore(s, q)
	sc.leftOK = true
	switch {
	case r == '@':
		sc.leftOK = false // a handle such as "@1234567890"
	case attaches(r):
		// "user1234567890" is one word; "PIN1234" is a keyword and a PIN.
		sc.leftOK = isPINKeyword(keywordWordBefore(s, q))
	}
	sc.blocked = sc.phoneOrPriceBefore(r, q-sz)
	if !sc.blocked && n >= 2 {
		// International prefix "00": "0049 30 12345678".
		if l := g[0].len(); l >= 2 && l <= 4 && sc.digits[g[0].d0] == '0' && sc.digits[g[0].d0+1] == '0' {
			sc.blocked = true
		}
	}

	// Right side.
	last := g[n-1].end
	q = skipTransparent(s, last)
	r, sz = decodeAt(s, q)
	sc.rightOK = !(r == '@' || attaches(r))
	if !sc.blocked {
		sc.blocked = sc.priceAfter(r, q+sz)
	}
}

// phoneOrPriceBefore reports a phone or price context before a run: a '+'
// country code, a parenthesized area code "(212) 555...", or a currency
// symbol or code. r is the rune right before the run and p its offset.
func (sc *scanner) phoneOrPriceBefore(r rune, p int) bool {
	s := sc.s
	if r == '+' || r == 0xFF0B || isCurrencySymbol(r) {
		return true
	}
	if r >= 0 && isSpaceSep(r) {
		r2, n2 := decodeBefore(s, p)
		if isCurrencySymbol(r2) {
			return true
		}
		if r2 == ')' {
			return parenDigitsBefore(s, p-n2)
		}
		if isWordRune(r2) {
			w := keywordWordBefore(s, p)
			if len(w) > 3 {
				return false
			}
			for _, c := range currencyCodes {
				if w == c {
					return true
				}
			}
		}
		return false
	}
	if r == ')' {
		return parenDigitsBefore(s, p)
	}
	return false
}

// parenDigitsBefore reports whether s[:p] ends with "(digits)" of at most
// five digits, allowing a few spaces, '+' or '-' inside, like an area code
// "(0)", "(212)" or "(+39) ".
func parenDigitsBefore(s string, p int) bool {
	// p is the offset of ')'.
	digits := 0
	for k := 0; k < 12; k++ {
		r, n := decodeBefore(s, p)
		switch {
		case n == 0:
			return false
		case r == '(':
			// An area code is short; "(1234567890)" is a secret itself,
			// and must not shield the digits after it.
			return digits > 0 && digits <= 5
		case digitValue(r) >= 0:
			digits++
		case r == ' ' || r == '+' || r == '-':
		default:
			return false
		}
		p -= n
	}
	return false
}

// priceAfter reports a price written after a run: a decimal part ",56" after
// dot-grouped digits ("1.234.567,89") or a currency symbol ("1.250.000 €").
// r is the rune right after the run and p the offset after it.
func (sc *scanner) priceAfter(r rune, p int) bool {
	s := sc.s
	if isCurrencySymbol(r) {
		return true
	}
	if r >= 0 && isSpaceSep(r) {
		r2, _ := decodeAt(s, p)
		return isCurrencySymbol(r2)
	}
	if r == ',' && len(sc.groups) >= 2 {
		for _, g := range sc.groups[:len(sc.groups)-1] {
			if g.sep != sepDot {
				return false
			}
		}
		if p+2 <= len(s) && isASCIIDigit(s[p]) && isASCIIDigit(s[p+1]) && (p+2 == len(s) || !isASCIIDigit(s[p+2])) {
			return true
		}
	}
	return false
}

func isASCIIDigit(c byte) bool { return c-'0' < 10 }

// inURL reports whether offset p lies in a whitespace-delimited token that is
// a URL. Digits in links (status IDs, paths) are never secrets.
func (sc *scanner) inURL(p int) bool {
	if p >= sc.tokStart && p < sc.tokEnd {
		return sc.tokURL
	}
	s := sc.s
	start := p
	for start > 0 {
		r, n := decodeBefore(s, start)
		if isSpace(r) {
			break
		}
		start -= n
	}
	end := p
	for end < len(s) {
		r, n := decodeAt(s, end)
		if isSpace(r) {
			break
		}
		end += n
	}
	sc.tokStart, sc.tokEnd = start, end
	sc.tokURL = isURLToken(s[start:end])
	return sc.tokURL
}

// isURLToken recognizes links: anything with a scheme ("https://"),
// "www." hosts and bare "host.tld/path" forms.
func isURLToken(t string) bool {
	if strings.Contains(t, "://") {
		return true
	}
	t = strings.TrimLeft(t, "([{<\"'")
	if len(t) >= 4 && strings.EqualFold(t[:4], "www.") {
		return true
	}
	// host.tld followed by a path, port or query.
	labels := 0
	labelStart := 0
	lastAlpha := true
	for k := 0; k < len(t); k++ {
		c := t[k]
		switch {
		case (c|0x20) >= 'a' && (c|0x20) <= 'z':
		case isASCIIDigit(c) || c == '-':
			lastAlpha = false
		case c == '.':
			if k == labelStart {
				return false
			}
			labels++
			labelStart = k + 1
			lastAlpha = true
		case c == '/' || c == ':' || c == '?' || c == '#':
			return labels >= 1 && lastAlpha && k-labelStart >= 2
		default:
			return false
		}
	}
	return false
}
