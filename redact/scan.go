package redact

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// group is one run of digits inside a number; groups of one number are
// joined by separators of one to three runes ("1234 567 890" has three
// groups, "12 . 34" two).
type group struct {
	start, end int   // byte offsets of the first digit and just past the last one
	d0, d1     int   // the group's normalized digits are scanner.digits[d0:d1]
	sep        uint8 // class of the separator after the group; sepNone for the last
	sepSpace   bool  // the separator after the group holds a space
}

func (g *group) len() int { return g.d1 - g.d0 }

// segKind is what a reading of the groups makes of a segment of them.
type segKind uint8

const (
	segOther   segKind = iota // one group that nothing explains
	segDecoy                  // a phone, price, date, time, flight, room or order number, or a group the context rules out
	segWeak                   // a trunk-0 phone, minutes, digits that go on across a comma: weaker than a PIN
	segBooking                // a booking number
	segCard                   // a card number
	segPIN                    // a PIN; only right after a booking number or a PIN keyword
)

// seg is a candidate segment: groups [i,j) read as kind, adding v to the
// score of a reading.
type seg struct {
	i, j int32
	kind segKind
	// named is true for a PIN that its keyword follows (runCtx.pinTail),
	// which needs no booking number or keyword before it.
	named bool
	v     score
}

// needsState1 reports whether the segment may start only where a PIN may:
// right after a booking number or a PIN keyword.
func (sg seg) needsState1() bool { return sg.kind == segPIN && !sg.named }

// score ranks readings of a run: most digits in booking and card numbers
// first, then fewest digits left unexplained, then most digits explained by
// decoys (a flight or room number right before a booking number is not
// the booking number's first digits, and the rest its PIN), then most
// digits in PINs, then most digits in weak decoys. The five counts are
// packed into one integer, one base-scoreBase digit each, so that adding
// and comparing scores are single instructions; this keeps the order
// lexicographic for runs of up to maxDPDigits digits.
type score int64

const (
	scoreBase   = 1 << 12
	maxDPDigits = scoreBase/2 - 64 // a run's counts, and the penalties, stay below scoreBase/2
	noScore     = score(-1 << 60)  // a state no reading reaches; sums with it stay far below any reading
)

func mkScore(sec, oth, dec, pin, weak int) score {
	const b = scoreBase
	return score((((int64(sec)*b-int64(oth))*b+int64(dec))*b+int64(pin))*b + int64(weak))
}

// runCtx holds what the text around the current run says about it.
type runCtx struct {
	findStart   int    // where a finding that starts at group 0 starts ('#' included)
	phone       bool   // the run continues a phone number: "+39 ...", "+1 (212) ...", "(0) ..."
	phonePrefix int    // digits of that phone number before the run
	phoneMin    int    // the shortest and longest the phone number can be (digits
	phoneMax    int    // from the country code on)
	paren       string // digits of a "(212)" right before the run
	airline2    bool   // group 0 is the digit of an airline code such as "U2" and group 1 its flight number
	cleanLeft   bool   // the run starts the text or follows a space or an opening parenthesis
	pinKeyword  bool   // a PIN keyword comes before the run and a PIN fits at its start
	pinTail     int    // > 0: groups [pinTail, n) are a PIN that its keyword follows ("... 1234 is my PIN")
	pinSole     bool   // that keyword announces no PIN after it: the PIN is as strong a reading as a booking number
	priceLeft   bool   // a currency stands before the run
	priceRight  bool   // a currency stands after the run
	commaLeft   bool   // the run continues a number across a comma: "2.340,00"
	commaRight  bool   // a comma and more digits follow the run
	decoyFirst  bool   // group 0 may be a flight, room or order number of its own
	minutes     bool   // group 0 may be the minutes of a time ("14:30")
	hours       bool   // the last group may be the hours of a time
	hoursMasked bool   // the last group is followed by ':' and a placeholder
	port        bool   // ':' and a port number follow the run
	blockFirst  bool   // group 0 cannot be a secret (handle, hashtag, identifier)
	blockLast   bool   // the last group cannot be a secret (e-mail)
}

// scanner holds the state of one pass over a text. The pass is a single
// left-to-right walk that stops only at digits. There it reads a run of
// digit groups, looks at a bounded amount of text around the run, and picks
// the best reading of the groups with a dynamic program over them (each
// candidate segment spans a bounded number of groups), so the whole pass is
// linear in the input.
type scanner struct {
	s         string
	stopFirst bool // Contains only needs to know whether there is a finding
	stop      bool
	allowed   []string // normalized digits of numbers that are never secrets

	groups     []group
	digits     []byte
	pre        []int32 // pre[k] is the number of digits in groups[:k]
	blocked    []bool  // groups that cannot be part of a secret
	blockedPre []int32 // blockedPre[k] is the number of blocked groups in groups[:k]
	segs       []seg
	date0      bool         // groups 0, 1, 2 read as a date
	onBest     []bool       // onBest[k]: segs[k] is a secret masked in the result
	cards      []seg        // the card numbers among them, merged
	ends       []bool       // ends[k]: a booking number (candidate, then masked) ends before group k
	jb         int          // buildSegs: where a booking number from the current group would end
	raw        []rawFinding // the findings so far
	values     []byte       // the digits of all findings, in order
	fw, bw     []score      // best scores of prefixes and suffixes, two states per position

	ctx runCtx

	// tailBlocked is pinTailBlocked at the end of the current run: 0 not
	// yet known, 1 false, 2 true.
	tailBlocked int8

	// lastBookingEnd is the end of a booking number that closed the
	// previous digit run, or -1: a PIN may follow it without a keyword.
	lastBookingEnd int

	// The whitespace-delimited token last examined for URL-ness. Digit runs
	// come in increasing order, so each token is examined a bounded number
	// of times.
	tokStart, tokEnd int
	tokURL           bool

	// The search for PIN keywords after digit runs: the text from kwFrom
	// to kwScanned has been searched, and kwAt is where the first PIN
	// keyword in it starts, or -1. Runs come in increasing order, so each
	// byte is searched at most once, and only near runs.
	kwFrom, kwScanned, kwAt int
	// The search for PIN keywords before digit runs: the text up to
	// kbScanned has been searched, and kbLast is where the last PIN
	// keyword in it ends, or -1.
	kbScanned, kbLast int
}

// scannerPool recycles the buffers between calls, so that scanning a clean
// text allocates nothing.
var scannerPool = sync.Pool{New: func() any { return new(scanner) }}

// Buffers above this many elements (left by a huge digit run) are dropped
// rather than kept alive in the pool.
const maxPooled = 1 << 16

func getScanner(s string, allowed []string) *scanner {
	sc := scannerPool.Get().(*scanner)
	// The buffers are reset where they are filled; these are the fields a
	// pass starts from.
	sc.s, sc.allowed = s, allowed
	sc.stopFirst, sc.stop = false, false
	sc.raw, sc.values = sc.raw[:0], sc.values[:0]
	sc.lastBookingEnd = -1
	sc.tokStart, sc.tokEnd = -1, -1
	sc.kwFrom, sc.kwScanned, sc.kwAt = -1, -1, -1
	sc.kbScanned, sc.kbLast = 0, -1
	return sc
}

// keywordBefore reports whether a PIN keyword ends within lookBackBytes
// before position p, the start of a run; only then is pinKeywordBefore
// worth its word-by-word look back. The text is searched forward, once.
func (sc *scanner) keywordBefore(p int) bool {
	for sc.kbScanned < p {
		end, at := nextPINKeyword(sc.s, sc.kbScanned, p)
		if at < 0 {
			sc.kbScanned = p // a digit: a word boundary to resume from
			break
		}
		sc.kbScanned, sc.kbLast = end, end
	}
	// pinKeywordBefore looks back lookBackBytes from before a '#' and
	// invisible runes.
	return sc.kbLast >= 0 && sc.kbLast > p-lookBackBytes-4*maxTransparentSkip-4
}

// keywordSoon reports whether a PIN keyword starts within lookAheadBytes
// after position p, a run's end; only then is pinKeywordAfter worth its
// word-by-word look.
func (sc *scanner) keywordSoon(p int) bool {
	if sc.kwFrom < 0 || p < sc.kwFrom || sc.kwAt >= 0 && p > sc.kwAt || sc.kwAt < 0 && p > sc.kwScanned {
		// A run's end is a word boundary, so a search may start there.
		sc.kwFrom, sc.kwScanned, sc.kwAt = p, p, -1
	}
	if sc.kwAt < 0 && sc.kwScanned <= p+lookAheadBytes {
		sc.kwScanned, sc.kwAt = nextPINKeyword(sc.s, sc.kwScanned, p+lookAheadBytes)
	}
	return sc.kwAt >= 0 && sc.kwAt-p <= lookAheadBytes
}

// rawFinding is a finding while scanning: its kind, offsets and the length
// of its value in scanner.values.
type rawFinding struct {
	kind       segKind
	start, end int
	n          int
}

// release returns sc to the pool and hands its findings to the caller.
func (sc *scanner) release() []Finding {
	var found []Finding
	if len(sc.raw) > 0 {
		found = make([]Finding, len(sc.raw))
		all, k := string(sc.values), 0
		for i, r := range sc.raw {
			found[i] = Finding{Kind: kindOf[r.kind], Start: r.start, End: r.end, Value: all[k : k+r.n]}
			k += r.n
		}
	}
	if cap(sc.groups) > maxPooled || cap(sc.digits) > 4*maxPooled || cap(sc.segs) > 4*maxPooled ||
		cap(sc.raw) > maxPooled || cap(sc.values) > 4*maxPooled {
		*sc = scanner{} // let a huge run's buffers go
	}
	sc.s, sc.allowed = "", nil
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
			// ASCII first: most digits are, and no ASCII rune other
			// than a digit belongs to a group.
			if c := s[pos]; c < utf8.RuneSelf {
				if c-'0' >= 10 {
					break
				}
				sc.digits = append(sc.digits, c)
				pos++
				end = pos
				continue
			}
			r, n := utf8.DecodeRuneInString(s[pos:])
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
		// A separator: one to three separator runes, invisible runes
		// anywhere, and a digit after it.
		q, runes, cls, space := pos, 0, sepNone, false
		for q < len(s) {
			r, n := rune(s[q]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRuneInString(s[q:])
			}
			if isTransparent(r) {
				q += n
				continue
			}
			c := sepClass(r)
			if c == sepNone || runes == maxSepRunes {
				break
			}
			runes++
			if c == sepSpace {
				space = true
			} else if cls == sepNone {
				cls = c
			}
			q += n
		}
		if runes > 0 {
			if r, _ := decodeAt(s, q); r >= 0 && digitValue(r) >= 0 {
				if cls == sepNone {
					cls = sepSpace
				}
				g.sep, g.sepSpace = uint8(cls), space
				sc.groups = append(sc.groups, g)
				pos = q
				continue
			}
		}
		sc.groups = append(sc.groups, g)
		break
	}
	sc.analyze()
	return sc.groups[len(sc.groups)-1].end
}

// glen is the number of digits in group k.
func (sc *scanner) glen(k int) int { return int(sc.pre[k+1] - sc.pre[k]) }

// span is the number of digits in groups [i,j).
func (sc *scanner) span(i, j int) int { return int(sc.pre[j] - sc.pre[i]) }

// firstDigit is the first normalized digit of group k.
func (sc *scanner) firstDigit(k int) byte { return sc.digits[sc.groups[k].d0] }

// analyze finds the secrets in the current run.
func (sc *scanner) analyze() {
	g := sc.groups
	n := len(g)
	pre := resized(sc.pre, n+1)
	pre[0] = 0
	for k := range g {
		pre[k+1] = pre[k] + int32(g[k].len())
	}
	sc.pre = pre
	sc.tailBlocked = 0
	afterBooking := sc.lastBookingEnd >= 0 && sc.followsBooking()
	sc.lastBookingEnd = -1
	if sc.pre[n] < 4 {
		return
	}
	hasSecret := sc.hasBookingWindow() || sc.hasCardShape()
	pin0 := sc.pinShape(0)
	tail, sole := sc.pinTail()
	if !hasSecret && !pin0 && tail < 0 {
		return
	}
	if sc.inURL(g[0].start) && sc.inURL(g[n-1].start) && sc.tokStart <= g[0].start {
		return // the whole run is in one link
	}
	keyword := false
	if pin0 && !afterBooking {
		keyword = tail == 0 || sc.keywordBefore(g[0].start) && pinKeywordBefore(sc.s, sc.hashStart())
		if !hasSecret && !keyword && tail < 0 {
			return // only a PIN after a keyword could be here
		}
	}
	sc.context()
	sc.ctx.pinKeyword = keyword
	sc.ctx.pinTail, sc.ctx.pinSole = max(tail, 0), sole
	st0 := 0
	if afterBooking || keyword {
		st0 = 1
	}
	sc.markBlocked()
	switch {
	case !sc.room(st0):
		// Nothing here can be a secret: a handle, a date and time...
	case sc.simple(st0):
	case sc.pre[n] > maxDPDigits:
		sc.maskAll(st0)
	default:
		sc.buildSegs(st0)
		sc.solve(st0)
	}
}

// pinTail returns the first group of a PIN that ends the run and that its
// keyword follows ("1234 is my PIN", "on 17.05.2024 1234 is my PIN"; see
// pinKeywordAfter), or -1: the last groups hold four digits and may end a
// PIN, a space separates them from the groups before, and they are no
// postcode ("3183 AB"). A PIN that is the whole run must not follow a
// noun ("room 1234 is next to the PIN pad") or a placeholder. sole is
// pinKeywordAfter's.
func (sc *scanner) pinTail() (first int, sole bool) {
	g := sc.groups
	n := len(g)
	i := n - 1
	for i > 0 && n-i < 4 && sc.span(i, n) < 4 {
		i--
	}
	end := g[n-1].end
	if sc.span(i, n) != 4 || i > 0 && !g[i-1].sepSpace || !sc.keywordSoon(end) || !sc.pinEndOK(n) || postcodeLetters(sc.s, end) {
		return -1, false
	}
	found, sole := pinKeywordAfter(sc.s, end)
	if !found {
		return -1, false
	}
	if i > 0 {
		return i, sole
	}
	// The word before: no noun. And no placeholder: digits an earlier
	// pass left after a secret it masked in the same run ("[card number]
	// 12 34 pin") were read then as part of that run, which keeps Redact
	// idempotent.
	q := skipTransparentBack(sc.s, g[0].start)
	for k := 0; q > 0 && k <= maxSepRunes; k++ {
		r, sz := decodeBefore(sc.s, q)
		if !isSpaceSep(r) && r != '\t' && sepClass(r) == sepNone {
			break
		}
		q = skipTransparentBack(sc.s, q-sz)
	}
	if placeholderEndsAt(sc.s, q) {
		return -1, false
	}
	if start, _ := wordBefore(sc.s, q, max(q-lookBackBytes, 0)); start < q && isNoun(sc.s[start:q]) {
		return -1, false
	}
	return 0, sole
}

// maskAll handles runs too long for the dynamic program's packed scores
// (only ever garbage or an attack): every secret the groups may hold is
// masked, in one sweep.
func (sc *scanner) maskAll(st0 int) {
	n := len(sc.groups)
	sc.ends = resized(sc.ends, n+1)
	clear(sc.ends)
	sc.jb = 0
	a, b := -1, -1
	var kind segKind
	for i := 0; i < n; i++ {
		sc.segs = sc.segs[:0]
		sc.addSecrets(i, n, st0)
		for _, sg := range sc.segs {
			if int(sg.i) < b {
				b = max(b, int(sg.j))
				kind = min(kind, sg.kind)
				continue
			}
			if a >= 0 {
				sc.emit(kind, a, b)
				if sc.stop {
					return
				}
			}
			a, b, kind = int(sg.i), int(sg.j), sg.kind
		}
	}
	if a >= 0 {
		sc.emit(kind, a, b)
	}
}

// room reports whether the groups the context leaves free have room for a
// secret: ten digits in a row, or four where a PIN may start.
func (sc *scanner) room(st0 int) bool {
	n := len(sc.groups)
	if t := sc.ctx.pinTail; t > 0 && sc.noBlocked(t, n) {
		return true
	}
	for a := 0; a < n; {
		if sc.blocked[a] {
			a++
			continue
		}
		b := a
		for b < n && !sc.blocked[b] {
			b++
		}
		if t := sc.span(a, b); t >= 10 || a == 0 && st0 == 1 && t >= 4 {
			return true
		}
		a = b
	}
	return false
}

// simple handles the commonest runs without the dynamic program: a run
// that is exactly a booking number, or exactly a PIN where one may stand,
// with nothing around it that hints at a decoy, has no other reading.
func (sc *scanner) simple(st0 int) bool {
	n := len(sc.groups)
	c := &sc.ctx
	if c.phone || c.priceLeft || c.priceRight || c.commaLeft || c.commaRight || c.decoyFirst ||
		c.airline2 || c.minutes || c.hours || sc.blockedPre[n] > 0 || n >= 3 && sc.dateShape(0) {
		return false
	}
	switch t := sc.pre[n]; {
	case t == 10 && sc.firstDigit(0) != '0':
		sc.emit(segBooking, 0, n)
		return true
	case t == 4 && st0 == 1 && n <= 4 && sc.pinEndOK(n):
		sc.emit(segPIN, 0, n)
		return true
	}
	return false
}

// hasBookingWindow reports whether some groups of the run hold exactly ten
// digits, the first of them not 0.
func (sc *scanner) hasBookingWindow() bool {
	n := len(sc.groups)
	j := 0
	for i := 0; i < n; i++ {
		if j < i {
			j = i
		}
		for j < n && sc.span(i, j) < 10 {
			j++
		}
		if sc.span(i, j) == 10 && sc.firstDigit(i) != '0' {
			return true
		}
	}
	return false
}

// hasCardShape is a cheap test that the run might hold a card number.
func (sc *scanner) hasCardShape() bool {
	if sc.pre[len(sc.groups)] < 13 {
		return false
	}
	for k := range sc.groups {
		if l := sc.glen(k); l == 4 || l >= 13 && l <= 19 {
			return true
		}
	}
	return false
}

// pinShape reports whether groups from i hold exactly four digits in at most
// four groups, where a PIN may end.
func (sc *scanner) pinShape(i int) bool {
	n := len(sc.groups)
	for j := i + 1; j <= n && j-i <= 4; j++ {
		if t := sc.span(i, j); t >= 4 {
			return t == 4 && sc.pinEndOK(j)
		}
	}
	return false
}

// hashStart is where a finding that starts at group 0 starts: at a '#'
// right before the run, if there is one (context computes it too).
func (sc *scanner) hashStart() int {
	s := sc.s
	first := sc.groups[0].start
	q := skipTransparentBack(s, first)
	if r, sz := decodeBefore(s, q); isHash(r) {
		return q - sz
	}
	return first
}

// markBlocked decides which groups the context rules out as parts of a
// secret: the start of a phone number, a price's digits next to the
// currency, handles, hashtags, identifiers, times, e-mail addresses, URLs and
// the allowed numbers.
func (sc *scanner) markBlocked() {
	g := sc.groups
	n := len(g)
	c := &sc.ctx
	sc.blocked = resized(sc.blocked, n)
	clear(sc.blocked)
	b := sc.blocked
	if c.blockFirst || c.priceLeft {
		b[0] = true
	}
	if c.blockLast || c.priceRight {
		b[n-1] = true
	}
	// A phone number has at least eight digits: those after '+' (or an
	// international "00") up to the eighth cannot start a secret. The rest
	// may be a secret right after the phone number.
	if c.phone || sc.zeroZero() {
		cum, need := 0, 8
		if c.phone {
			cum, need = c.phonePrefix, max(8, c.phoneMin)
		} else {
			lo, _ := sc.intlLength()
			need = max(8, lo)
		}
		for k := 0; k < n && cum < need; k++ {
			b[k] = true
			cum += sc.glen(k)
		}
	}
	// An IPv4 address and port after a word that announces one
	// ("remote=198.51.100.20:4000", "IP 203.0.113.7:443") is no secret. A
	// bare one reads as well as a booking number and a PIN
	// ("198.51.100.20:4000"), which it stays.
	if c.port && n == 4 && sc.ipShape(0) && ipWordBefore(sc.s, g[0].start) {
		b[0], b[1], b[2], b[3] = true, true, true, true
	}
	// A date and a time ("17.05.2024 14:30") are never part of a secret.
	if (c.hours || c.hoursMasked) && n >= 4 && g[n-2].sepSpace && sc.dateShape(n-4) {
		b[n-4], b[n-3], b[n-2], b[n-1] = true, true, true, true
	}
	// Digits in a link are never secrets. A token that lies inside the run
	// holds only digits, separators and invisible runes, and is no link,
	// so only the tokens of the first and last groups need a look.
	url0, end0 := sc.inURL(g[0].start), sc.tokEnd
	url1, start1 := sc.inURL(g[n-1].start), sc.tokStart
	if url0 || url1 {
		for k := range g {
			if url0 && g[k].start < end0 || url1 && g[k].start >= start1 {
				b[k] = true
			}
		}
	}
	for _, a := range sc.allowed {
		sc.blockAllowed(a)
	}
	bp := resized(sc.blockedPre, n+1)
	bp[0] = 0
	for k := range n {
		v := bp[k]
		if b[k] {
			v++
		}
		bp[k+1] = v
	}
	sc.blockedPre = bp
}

// zeroZero reports an international "00" prefix at the start of a run long
// enough to be a phone number ("0039 02 9129 4973", "00 44 ...") that
// stands on its own: not a price's cents, minutes, the end of a URL, or a
// PIN after its keyword ("PIN 00 42").
func (sc *scanner) zeroZero() bool {
	l := sc.glen(0)
	return len(sc.groups) >= 2 && sc.pre[len(sc.groups)] >= 10 && sc.ctx.cleanLeft && !sc.ctx.pinKeyword && l >= 2 && l <= 4 &&
		sc.digits[sc.groups[0].d0] == '0' && sc.digits[sc.groups[0].d0+1] == '0'
}

// intlLength is the length of an international number written with "00"
// at the start of the run: the country code's, plus the two zeros.
func (sc *scanner) intlLength() (lo, hi int) {
	g := sc.groups[0]
	p := g.start
	for k := 0; k < 2; { // step over the two zeros
		r, n := decodeAt(sc.s, p)
		if digitValue(r) >= 0 {
			k++
		}
		p += n
	}
	lo, hi = phoneLength(sc.s, p)
	return lo + 2, hi + 2
}

// blockAllowed blocks the groups that spell the allowed number a (normalized
// digits), written in full, without its country code or with a trunk 0.
func (sc *scanner) blockAllowed(a string) {
	n := len(sc.groups)
	for i := 0; i < n; i++ {
		for j := i + 1; j <= n; j++ {
			t := sc.span(i, j)
			if t > len(a)+2 {
				break
			}
			w := sc.digits[sc.groups[i].d0:sc.groups[j-1].d1]
			if allowedMatch(a, w) || i == 0 && sc.ctx.paren != "" && allowedMatch(a, []byte(sc.ctx.paren+string(w))) {
				for k := i; k < j; k++ {
					sc.blocked[k] = true
				}
			}
		}
	}
}

func allowedMatch(a string, w []byte) bool {
	ws := string(w)
	switch {
	case ws == a, ws == "00"+a:
		return true
	case len(ws) >= 7 && len(a)-len(ws) >= 1 && len(a)-len(ws) <= 3 && strings.HasSuffix(a, ws):
		return true // without the country code
	case len(ws) >= 8 && ws[0] == '0' && len(a)-len(ws)+1 >= 1 && len(a)-len(ws)+1 <= 3 && strings.HasSuffix(a, ws[1:]):
		return true // national form with a trunk 0
	}
	return false
}

// resized returns b with length n, reusing its array when it is large
// enough; the caller sets the elements.
func resized[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n, n+n/4)
	}
	return b[:n]
}

func (sc *scanner) noBlocked(i, j int) bool { return sc.blockedPre[j] == sc.blockedPre[i] }

func (sc *scanner) add(i, j int, k segKind) {
	sg := seg{i: int32(i), j: int32(j), kind: k}
	sg.v = sc.segScore(sg)
	sc.segs = append(sc.segs, sg)
	if k == segBooking {
		sc.ends[j] = true
	}
}

// buildSegs lists every candidate segment of the run, ordered by start.
func (sc *scanner) buildSegs(st0 int) {
	n := len(sc.groups)
	sc.segs = sc.segs[:0]
	sc.ends = resized(sc.ends, n+1)
	clear(sc.ends)
	sc.jb = 0
	sc.date0 = n >= 3 && sc.dateShape(0)
	// Every group read alone (a decoy if blocked, another number if not)
	// is a segment too; solve adds it without a list entry, which spares
	// a third of the entries in long runs of short groups.
	for i := 0; i < n; i++ {
		sc.addDecoys(i, n, sc.glen(i))
		sc.addSecrets(i, n, st0)
	}
}

// unitScore is what group k read alone adds to a reading: a decoy if the
// context rules it out as part of a secret, another number if not.
func (sc *scanner) unitScore(k int) score {
	if sc.blocked[k] {
		return mkScore(0, 0, sc.glen(k), 0, 0)
	}
	return mkScore(0, sc.glen(k), 0, 0, 0)
}

// addDecoys adds the decoys that start at group i (li digits long).
func (sc *scanner) addDecoys(i, n, li int) {
	g := sc.groups
	c := &sc.ctx
	if i == 0 {
		if c.phone {
			for j := 2; j <= n && c.phonePrefix+sc.span(0, j) <= c.phoneMax; j++ {
				if t := c.phonePrefix + sc.span(0, j); t >= c.phoneMin || j == n {
					sc.add(0, j, segDecoy)
				}
			}
		} else if sc.zeroZero() {
			lo, hi := sc.intlLength()
			for j := 2; j <= n && sc.span(0, j) <= hi; j++ {
				if t := sc.span(0, j); t >= lo || j == n {
					sc.add(0, j, segDecoy)
				}
			}
		}
		if c.priceLeft || c.commaLeft {
			k := segDecoy
			if !c.priceLeft {
				k = segWeak
			}
			for j := 2; j <= n && j <= 7; j++ {
				if sc.priceShape(0, j) {
					sc.add(0, j, k)
				}
			}
		}
		if c.airline2 && n >= 2 && g[0].sepSpace && sc.glen(1) <= 4 {
			sc.add(0, 2, segDecoy) // "U2 81"
		}
		if c.decoyFirst && li <= 14 {
			sc.add(0, 1, segDecoy)
		} else if c.commaLeft && li <= 3 || c.minutes {
			sc.add(0, 1, segWeak)
		}
	}
	if (c.priceRight || c.commaRight) && n-i <= 7 && i < n-1 && sc.priceShape(i, n) {
		k := segDecoy
		if !c.priceRight {
			k = segWeak
		}
		sc.add(i, n, k)
	}
	if c.commaRight && !c.priceRight && i == n-1 {
		sc.add(i, n, segWeak)
	}
	if c.hours && i == n-1 {
		sc.add(i, n, segDecoy)
	}
	if sc.firstDigit(i) == '0' {
		// A national number with its trunk 0, or an international one:
		// "00" is an international prefix, a strong sign; a trunk 0 is a
		// weaker one.
		maxT, k := 12, segWeak
		if li >= 2 && li <= 4 && sc.digits[g[i].d0+1] == '0' {
			maxT, k = 17, segDecoy
		}
		for j := i + 2; j <= n; j++ {
			t := sc.span(i, j)
			if t > maxT {
				break
			}
			if t >= 9 {
				sc.add(i, j, k)
			}
		}
	}
	if i+3 <= n && (i == 0 && sc.date0 || i > 0 && sc.dateShape(i)) {
		sc.add(i, i+3, segDecoy)
	}
}

// addSecrets adds the secrets that start at group i: booking and card
// numbers, and a PIN where one may stand (state st0 at the start of the
// run, after a booking number elsewhere).
func (sc *scanner) addSecrets(i, n, st0 int) {
	// The first group boundary where the run from i holds at least ten
	// digits only moves right as i does, so finding it costs O(1) per
	// group over the run.
	if sc.jb <= i {
		sc.jb = i + 1
	}
	for sc.jb < n && sc.span(i, sc.jb) < 10 {
		sc.jb++
	}
	if sc.firstDigit(i) != '0' {
		if j := sc.jb; sc.span(i, j) == 10 && sc.noBlocked(i, j) {
			sc.add(i, j, segBooking)
		}
		if i > 0 || !sc.ctx.decoyFirst {
			sc.addCards(i) // "order 60121148135115" is an order
		}
	}
	if i > 0 && i == sc.ctx.pinTail && sc.noBlocked(i, n) {
		sc.addPIN(i, n, true) // pinTail checked the shape
	}
	if i > 0 && sc.ends[i] || i == 0 && st0 == 1 {
		for j := i + 1; j <= n && j-i <= 4; j++ {
			t := sc.span(i, j)
			if t > 4 {
				break
			}
			if t == 4 {
				if sc.noBlocked(i, j) && sc.pinEndOK(j) {
					sc.addPIN(i, j, false)
				}
				break
			}
		}
	}
}

// addPIN adds groups [i,j) as a PIN; named for one that its keyword
// follows, which may stand anywhere. A PIN named so by a keyword that
// announces no other PIN is as strong a reading as a booking number: a
// phone number that could take its digits ("0049 30 3698254 7719 ist die
// Geheimzahl") does not win over it.
func (sc *scanner) addPIN(i, j int, named bool) {
	sg := seg{i: int32(i), j: int32(j), kind: segPIN, named: named}
	l := sc.span(i, j)
	if named && sc.ctx.pinSole {
		sg.v = mkScore(l, 0, 0, 0, 0)
	} else {
		sg.v = mkScore(0, 0, 0, l, 0)
	}
	sc.segs = append(sc.segs, sg)
}

// pinEndOK reports whether a PIN may end after group j-1: the run ends
// there, or a separator with a space follows. "2024-05-17" or
// "12.03.2025" after a PIN keyword are dates.
func (sc *scanner) pinEndOK(j int) bool {
	g := sc.groups
	if j < len(g) {
		return g[j-1].sepSpace
	}
	// Several rules ask this of the run's end; the answer is kept.
	if sc.tailBlocked == 0 {
		sc.tailBlocked = 1
		if sc.pinTailBlocked(g[j-1].end) {
			sc.tailBlocked = 2
		}
	}
	return sc.tailBlocked == 1
}

// pinTailBlocked reports a separator without a space right after the run
// that leads to a placeholder. In the original text that separator led to
// more digits (so the four digits were part of a date-like number and not a
// PIN); this makes a second pass over redacted text reach the same verdict.
func (sc *scanner) pinTailBlocked(end int) bool {
	s := sc.s
	q, runes := end, 0
	for q < len(s) {
		r, n := decodeAt(s, q)
		if isTransparent(r) {
			q += n
			continue
		}
		c := sepClass(r)
		if c == sepNone || runes == maxSepRunes {
			break
		}
		if c == sepSpace {
			return false
		}
		runes++
		q += n
	}
	return runes > 0 && q < len(s) && s[q] == '['
}

// addCards adds the card numbers that start at group i: 13-19 digits in one
// group, 4-4-4-4 (with an optional short tail), 4-4-4 with a short tail,
// and the 4-6-4 / 4-6-5 of Diners and Amex; the digits must pass the Luhn
// check.
func (sc *scanner) addCards(i int) {
	n := len(sc.groups)
	li := sc.glen(i)
	if li >= 13 && li <= 19 {
		sc.addCard(i, i+1)
		return
	}
	if li != 4 || i+1 >= n {
		return
	}
	if i+2 < n && sc.glen(i+1) == 6 {
		if l := sc.glen(i + 2); l == 4 || l == 5 {
			sc.addCard(i, i+3)
		}
		return
	}
	k := 1
	for k < 4 && i+k < n && sc.glen(i+k) == 4 {
		k++
	}
	switch k {
	case 4:
		sc.addCard(i, i+4)
		if i+4 < n && sc.glen(i+4) <= 3 {
			sc.addCard(i, i+5)
		}
	case 3:
		if i+3 < n && sc.glen(i+3) <= 3 {
			sc.addCard(i, i+4)
		}
	}
}

// addCard adds groups [i,j) as a card number if they pass the checks.
func (sc *scanner) addCard(i, j int) {
	d := sc.digits[sc.groups[i].d0:sc.groups[j-1].d1]
	if d[0] != '0' && sc.noBlocked(i, j) && luhn(d) {
		sc.add(i, j, segCard)
	}
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

// priceShape reports whether groups [i,j) read as an amount: a first group,
// thousands groups of three digits with one kind of separator, and
// optionally cents after a dot ("1.250.000", "2 340", "1234.567.890",
// "129.99").
func (sc *scanner) priceShape(i, j int) bool {
	g := sc.groups
	if j-i == 1 {
		return true
	}
	if sc.glen(i) > 12 {
		return false
	}
	cls := g[i].sep
	for k := i + 1; k < j; k++ {
		l := sc.glen(k)
		if k == j-1 && l <= 2 && g[k-1].sep == sepDot && !g[k-1].sepSpace {
			return true // cents
		}
		if l != 3 || g[k-1].sep != cls {
			return false
		}
	}
	return true
}

// dateShape reports whether groups i, i+1, i+2 read as a date: day, month
// and year (or month, day, year; or year, month, day) joined by the same
// dots, dashes or slashes without spaces ("2025-03-02 - 48" has no date
// "03-02 - 48").
func (sc *scanner) dateShape(i int) bool {
	g := sc.groups
	c := g[i].sep
	if c == sepSpace || c != g[i+1].sep || g[i].sepSpace || g[i+1].sepSpace {
		return false
	}
	a, b, y := sc.glen(i), sc.glen(i+1), sc.glen(i+2)
	va, vb, vy := sc.value(i), sc.value(i+1), sc.value(i+2)
	switch {
	case a <= 2 && b <= 2 && (y == 2 || y == 4 && vy >= 1900 && vy <= 2099):
		return va >= 1 && vb >= 1 && (va <= 31 && vb <= 12 || va <= 12 && vb <= 31)
	case a == 4 && b <= 2 && y <= 2:
		return va >= 1900 && va <= 2099 && vb >= 1 && vb <= 12 && vy >= 1 && vy <= 31
	}
	return false
}

// value is the number in group k (at most four digits are asked for).
func (sc *scanner) value(k int) int {
	v := 0
	for _, d := range sc.digits[sc.groups[k].d0:sc.groups[k].d1] {
		v = v*10 + int(d-'0')
		if v > 1<<20 {
			break
		}
	}
	return v
}

// segScore is what segment sg adds to a reading.
func (sc *scanner) segScore(sg seg) score {
	i, j := int(sg.i), int(sg.j)
	l := sc.span(i, j)
	switch sg.kind {
	case segOther:
		return mkScore(0, l, 0, 0, 0)
	case segDecoy:
		return mkScore(0, 0, l, 0, 0)
	case segWeak:
		return mkScore(0, 0, 0, 0, l)
	case segPIN:
		return mkScore(0, 0, 0, l, 0)
	}
	// A secret that takes part of a date and leaves the rest
	// ("5/[12/2022 5288]") is a worse reading than any without it.
	if sc.cutsDate(i) || sc.cutsDate(j) {
		l -= 20
	}
	// So is a booking or card number that takes digits of a PIN its
	// keyword names right after it ("on 2027/12/23 [33 21 is my PIN]").
	if t := sc.ctx.pinTail; t > 0 && sc.ctx.pinSole && j > t {
		l -= 20
	}
	return mkScore(l, 0, 0, 0, 0)
}

// cutsDate reports whether a segment boundary at group k falls inside a
// date that starts the run ("5/12/2022 5288 100 277"). Dates further in are
// not looked at: there, date-like groups are as likely made of a booking
// number's and a PIN's digits ("…/8/5/98-20").
func (sc *scanner) cutsDate(k int) bool {
	return (k == 1 || k == 2) && sc.date0
}

// solve picks the best readings of the run and reports the secrets in them.
// fw[2k+st] is the best score of groups [0,k) that ends in state st, bw the
// best score of groups [k,n) from state st; state 1 means a PIN may come
// next. A secret segment is reported when it lies on some best reading, so
// where two readings tie, both are masked.
func (sc *scanner) solve(st0 int) {
	n := len(sc.groups)
	sc.cards = sc.cards[:0]
	sc.fw, sc.bw = resized(sc.fw, 2*(n+1)), resized(sc.bw, 2*(n+1))
	fw, bw := sc.fw, sc.bw
	for k := range fw {
		fw[k], bw[k] = noScore, noScore
	}
	fw[st0] = 0
	bw[2*n], bw[2*n+1] = 0, 0
	segs := sc.segs
	// Only a PIN depends on the state (it needs state 1), so every other
	// segment continues the better of the two states. noScore is so low
	// that sums with it never win, which spares the validity checks. The
	// segments are ordered by start, so when those from group i come up,
	// fw at i is final; each group read alone is a segment that solve
	// adds itself (buildSegs lists none).
	k := 0
	for i := range n {
		f1 := fw[2*i+1]
		f0 := max(fw[2*i], f1)
		fw[2*i+2] = max(fw[2*i+2], f0+sc.unitScore(i))
		for ; k < len(segs) && int(segs[k].i) == i; k++ {
			sg := &segs[k]
			f := f0
			if sg.needsState1() {
				f = f1
			}
			j := 2 * int(sg.j)
			if sg.kind == segBooking {
				j++
			}
			fw[j] = max(fw[j], f+sg.v)
		}
	}
	// The best reading ends in either state; the backward pass marks the
	// secret segments that lie on one (bw after a segment is final when it
	// comes up, as the segments are taken in reverse order).
	best := max(fw[2*n], fw[2*n+1])
	sc.onBest = resized(sc.onBest, len(segs))
	onBest := sc.onBest
	clear(onBest)
	cardOnBest := false
	k = len(segs) - 1
	for i := n - 1; i >= 0; i-- {
		t := bw[2*i+2] + sc.unitScore(i)
		b0, b1 := max(bw[2*i], t), max(bw[2*i+1], t)
		for ; k >= 0 && int(segs[k].i) == i; k-- {
			sg := &segs[k]
			j := 2 * int(sg.j)
			if sg.kind == segBooking {
				j++
			}
			t := bw[j] + sg.v
			b1 = max(b1, t)
			if !sg.needsState1() {
				b0 = max(b0, t)
			}
			if sg.kind >= segBooking {
				f := fw[2*i+1]
				if !sg.needsState1() {
					f = max(f, fw[2*i])
				}
				onBest[k] = f+t == best
				cardOnBest = cardOnBest || onBest[k] && sg.kind == segCard
			}
		}
		bw[2*i], bw[2*i+1] = b0, b1
	}
	for k, sg := range segs {
		if !cardOnBest {
			break
		}
		if onBest[k] && sg.kind == segCard {
			if c := len(sc.cards); c > 0 && sc.cards[c-1].j > sg.i {
				sc.cards[c-1].j = max(sc.cards[c-1].j, sg.j)
			} else {
				sc.cards = append(sc.cards, sg)
			}
		}
	}
	// A card number is the reading with the most digits; a booking number
	// that overlaps it and goes on to its end or beyond is masked too, so
	// that the card never leaves part of one in clear
	// ("06 [9168 5824 5124 36] 4449").
	if len(sc.cards) > 0 {
		p := 0
		for k, sg := range sc.segs {
			if sg.kind != segBooking || sc.onBest[k] {
				continue
			}
			for p < len(sc.cards) && sc.cards[p].j <= sg.i {
				p++
			}
			if p < len(sc.cards) && sc.cards[p].i < sg.j && sg.j >= sc.cards[p].j {
				sc.onBest[k] = true
			}
		}
		// And so is a PIN right after such a booking number.
		for k := range sc.ends {
			sc.ends[k] = false
		}
		for k, sg := range sc.segs {
			switch {
			case sg.kind == segBooking && sc.onBest[k]:
				sc.ends[sg.j] = true
			case sg.kind == segPIN && !sc.onBest[k] && sc.ends[sg.i]:
				sc.onBest[k] = true
			}
		}
	}
	sc.emitBest()
}

// emitBest reports the segments marked in onBest, merging those that
// overlap.
func (sc *scanner) emitBest() {
	a, b := -1, -1
	var kind segKind
	for k, sg := range sc.segs {
		if !sc.onBest[k] {
			continue
		}
		i, j := int(sg.i), int(sg.j)
		if i < b {
			b = max(b, j)
			kind = min(kind, sg.kind) // booking before card before PIN
			continue
		}
		if a >= 0 {
			sc.emit(kind, a, b)
			if sc.stop {
				return
			}
		}
		a, b, kind = i, j, sg.kind
	}
	if a >= 0 {
		sc.emit(kind, a, b)
	}
}

var kindOf = [...]Kind{segBooking: BookingNumber, segCard: CardNumber, segPIN: PIN}

// emit reports groups [a,b) as a secret.
func (sc *scanner) emit(k segKind, a, b int) {
	g := sc.groups
	start := g[a].start
	if a == 0 {
		start = sc.ctx.findStart
	}
	// The values of all findings are cut from one string at the end
	// (release), which saves an allocation per finding.
	// Findings are kept without pointers while scanning; release builds
	// the result, cutting all values from one string.
	sc.values = append(sc.values, sc.digits[g[a].d0:g[b-1].d1]...)
	sc.raw = append(sc.raw, rawFinding{k, start, g[b-1].end, g[b-1].d1 - g[a].d0})
	if k == segBooking && b == len(g) {
		sc.lastBookingEnd = g[b-1].end
	}
	if sc.stopFirst {
		sc.stop = true
	}
}

// followsBooking reports whether the current run comes right after a booking
// number, separated only by a few spaces and joining marks, as in
// "1234567890:1234" or "1234567890 (1234)".
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
		if sepClass(r) != sepNone || isTransparent(r) || isHash(r) {
			continue
		}
		switch r {
		case ':', '(', '|', 0xFF1A, 0xFF08:
			continue
		}
		// Not ',' or ';': "booking 1234567890, 2024" is more likely a year.
		return false
	}
	return true
}

// portAt reports a port number at p: one to five ASCII digits that end a
// number.
func portAt(s string, p int) bool {
	d := 0
	for p < len(s) && isASCIIDigit(s[p]) {
		d++
		p++
	}
	if d == 0 || d > 5 {
		return false
	}
	r, _ := decodeAt(s, p)
	return r < 0 || digitValue(r) < 0 && !isTransparent(r)
}

// ipWords announce an address: "IP 203.0.113.7:443", "remote=…",
// "from …".
var ipWords = []string{"ip", "ipv4", "addr", "address", "remote", "remoteaddr", "host", "from", "client", "peer", "server", "src", "dst", "source"}

// ipWordBefore reports one of ipWords right before p: after a space, '=',
// ':' or ": ".
func ipWordBefore(s string, p int) bool {
	k := p
	for n := 0; n < 2 && k > 0 && (s[k-1] == ' ' || s[k-1] == '=' || s[k-1] == ':'); n++ {
		k--
	}
	if k == p {
		return false
	}
	e := k
	for k > 0 && p-k < 16 && (isASCIILetter(s[k-1]) || s[k-1] == '_') {
		k--
	}
	if k > 0 && s[k-1] >= utf8.RuneSelf {
		return false
	}
	w := strings.ToLower(strings.ReplaceAll(s[k:e], "_", ""))
	for _, x := range ipWords {
		if w == x {
			return true
		}
	}
	return false
}

// ipBefore reports an IPv4 address after one of ipWords that ends at p
// ("remote=198.51.100.20" before its ":4000").
func ipBefore(s string, p int) bool {
	k := p
	for k > 0 && p-k < 16 && (isASCIIDigit(s[k-1]) || s[k-1] == '.') {
		k--
	}
	if !ipWordBefore(s, k) {
		return false
	}
	parts := strings.Split(s[k:p], ".")
	if len(parts) != 4 {
		return false
	}
	for _, o := range parts {
		if o == "" || len(o) > 3 || len(o) > 1 && o[0] == '0' {
			return false
		}
		v := 0
		for _, c := range []byte(o) {
			v = v*10 + int(c-'0')
		}
		if v > 255 {
			return false
		}
	}
	return true
}

// ipShape reports whether groups k..k+3 read as an IPv4 address: four
// numbers of 0 to 255, without leading zeros, joined by dots.
func (sc *scanner) ipShape(k int) bool {
	g := sc.groups
	for i := k; i < k+4; i++ {
		l := sc.glen(i)
		if l > 3 || l > 1 && sc.firstDigit(i) == '0' || sc.value(i) > 255 || g[i].end-g[i].start != l {
			return false // ASCII digits only, as addresses are written
		}
		if i < k+3 && (g[i+1].start != g[i].end+1 || sc.s[g[i].end] != '.') {
			return false // joined by one '.'
		}
	}
	return true
}

// minutesAt reports two digits (00 to 59) at p that end a number or are
// followed by a space: the minutes of a time, not the start of "41.6.7".
func minutesAt(s string, p int) bool {
	d, v := 0, 0
	for {
		r, n := decodeAt(s, p)
		if isTransparent(r) {
			p += n
			continue
		}
		if r >= 0 && digitValue(r) >= 0 {
			if d++; d > 2 {
				return false
			}
			v = v*10 + digitValue(r)
			p += n
			continue
		}
		if d != 2 || v > 59 {
			return false
		}
		if c := sepClass(r); c != sepNone && c != sepSpace {
			r2, _ := decodeAt(s, skipTransparent(s, p+n))
			return r2 < 0 || digitValue(r2) < 0
		}
		return true
	}
}

// countDigitsBefore counts the digits that end at p, up to three.
func countDigitsBefore(s string, p int) int {
	d := 0
	for d < 3 {
		r, n := decodeBefore(s, p)
		if isTransparent(r) {
			p -= n
			continue
		}
		if r < 0 || digitValue(r) < 0 {
			break
		}
		d++
		p -= n
	}
	return d
}

func isHash(r rune) bool { return r == '#' || r == 0xFF03 }

func isAt(r rune) bool { return r == '@' || r == 0xFF20 }

// context computes the facts about the current run that depend on the text
// around it. Every look is bounded: at most lookBackBytes before the run
// and a few runes after it.
func (sc *scanner) context() {
	s := sc.s
	g := sc.groups
	n := len(g)
	c := &sc.ctx
	*c = runCtx{}
	first := g[0].start
	c.findStart = first

	// Left side.
	q := skipTransparentBack(s, first)
	r, sz := decodeBefore(s, q)
	c.cleanLeft = r < 0 || isSpace(r) || r == '(' || r == 0xFF08
	if r == ':' || r == 0xFF1A { // "tel:0039...", not "18:00"
		r2, _ := decodeBefore(s, q-sz)
		c.cleanLeft = digitValue(r2) < 0
	}
	if isHash(r) {
		// "#1234567890": the '#' belongs to the finding.
		c.findStart = q - sz
		q = skipTransparentBack(s, q-sz)
		r, sz = decodeBefore(s, q)
		if isSpaceSep(r) || r == '\t' || r == ')' {
			sc.spacedLeft(q, first)
		}
	} else {
		switch {
		case isAt(r):
			c.blockFirst = true // a handle such as "@1234567890"
		case isWordRune(r) || r == '_':
			sc.gluedLeft(q, first)
		case r == ',' || r == 0xFF0C:
			if r2, _ := decodeBefore(s, q-sz); digitValue(r2) >= 0 {
				c.commaLeft = true
			}
		case r == ':' || r == 0xFF1A:
			if d := countDigitsBefore(s, q-sz); d >= 1 && d <= 2 && sc.glen(0) == 2 && sc.value(0) <= 59 && (n == 1 || g[0].sepSpace) {
				c.minutes = true // "14:30"
			}
			if r == ':' && sc.glen(0) <= 5 && ipBefore(s, q-sz) {
				c.blockFirst = true // the port of "remote=198.51.100.20:4000"
			}
		case r == '+' || r == 0xFF0B:
			c.phone = true
			c.phoneMin, c.phoneMax = phoneLength(s, first)
		case isCurrencySymbol(r):
			c.priceLeft = !amountBefore(s, q-sz, first)
		case r == ')' || r == 0xFF09 || r == '(' || r == 0xFF08 || isSpaceSep(r) || r == '\t' || sepClass(r) != sepNone:
			sc.spacedLeft(q, first)
		}
	}

	// Right side.
	last := g[n-1]
	q = skipTransparent(s, last.end)
	r, sz = decodeAt(s, q)
	switch {
	case isAt(r):
		c.blockLast = true // an e-mail address such as "1234567890@example.com"
	case r == ':' || r == 0xFF1A:
		if r == ':' {
			p := skipTransparent(s, q+sz)
			// "[" is a port masked with what follows it on a first pass.
			c.port = portAt(s, p) || p < len(s) && s[p] == '['
		}
		if last.len() <= 2 && sc.value(n-1) <= 24 {
			if minutesAt(s, q+sz) {
				c.hours = true // "14:30"
			} else if p := skipTransparent(s, q+sz); p < len(s) && s[p] == '[' {
				// The minutes went into a secret on a first pass
				// ("17.05.2024 14:[booking number]"): the date and hours
				// stay what they were.
				c.hoursMasked = true
			}
		}
	case r == ',' || r == 0xFF0C:
		p := q + sz
		digits := 0
		for digits < 3 {
			r2, n2 := decodeAt(s, p)
			if digitValue(r2) < 0 {
				break
			}
			digits++
			p += n2
		}
		if digits > 0 {
			c.commaRight = true
			c.priceRight = digits <= 2 && currencyAfter(s, p)
		}
	case isCurrencySymbol(r):
		c.priceRight = !digitAfterCurrency(s, q+sz) // "50€"
	case isSpaceSep(r):
		c.priceRight = currencyAfter(s, q)
	case isWordRune(r):
		c.priceRight = currencyWordAt(s, q) // "50EUR", "50zł"
	}
}

// currencyAfter reports a currency right at p (after at most one space)
// that is not itself followed by an amount: "1.234,56 €", "50 EUR", but
// not "1234567890 € 50".
func currencyAfter(s string, p int) bool {
	if r, n := decodeAt(s, p); isSpaceSep(r) {
		p += n
	}
	r, n := decodeAt(s, p)
	if isCurrencySymbol(r) {
		return !digitAfterCurrency(s, p+n)
	}
	if isWordRune(r) {
		return currencyWordAt(s, p)
	}
	return false
}

// digitAfterCurrency reports digits right after a currency at p, after at
// most one space: then the currency belongs to those digits.
func digitAfterCurrency(s string, p int) bool {
	r, n := decodeAt(s, p)
	if isSpaceSep(r) {
		r, _ = decodeAt(s, p+n)
	}
	return r >= 0 && digitValue(r) >= 0
}

// currencyWordAt reports a currency code as a whole word starting at p.
func currencyWordAt(s string, p int) bool {
	if p >= len(s) || !currencyFirst[s[p]] {
		return false
	}
	e := p
	for e < len(s) && e-p <= 8 {
		if c := s[e]; c < utf8.RuneSelf { // ASCII without decoding
			if c != '$' && !isASCIILetter(c) {
				break
			}
			e++
			continue
		}
		r, n := decodeAt(s, e)
		if !isWordRune(r) {
			break
		}
		e += n
	}
	if e == p || e-p > 8 {
		return false
	}
	return isCurrencyCode(s[p:e]) && !digitAfterCurrency(s, e)
}

// spacedLeft looks at the text before a run that starts after spaces or a
// parenthesis: a phone number it continues, a currency, an airline code or
// a noun such as "room". q is where the text before the run ends (before
// any invisible runes), first the offset of the run.
func (sc *scanner) spacedLeft(q, first int) {
	s := sc.s
	c := &sc.ctx
	if ok, digits, cc := sc.phoneBefore(q, first); ok {
		c.phone, c.phonePrefix = true, digits
		c.phoneMin, c.phoneMax = 8, 15
		if cc >= 0 {
			c.phoneMin, c.phoneMax = phoneLength(s, cc)
		}
		return
	}
	if len(sc.allowed) > 0 {
		c.paren = parenBefore(s, q, first)
	}
	lo := max(first-lookBackBytes, 0)
	p, spaces := q, 0
	for p > lo {
		r, n := decodeBefore(s, p)
		if isTransparent(r) && !(isMark(r) && markOnLetter(s, p-n)) {
			p -= n
			continue
		}
		if (isSpaceSep(r) || r == '\t') && spaces < maxSepRunes {
			spaces++
			p -= n
			continue
		}
		break
	}
	r, n := decodeBefore(s, p)
	switch {
	case spaces == 0:
		return
	case isCurrencySymbol(r):
		c.priceLeft = !amountBefore(s, p-n, first)
	case isWordRune(r):
		start, cut := wordBefore(s, p, lo)
		if cut {
			return
		}
		w := s[start:p]
		if isCurrencyCode(w) {
			c.priceLeft = !amountBefore(s, start, first)
			return
		}
		if isAirlineCode(s, start, p) {
			c.decoyFirst = true
		} else if isNoun(w) {
			c.decoyFirst = true
		}
	case r == ':' || r == '.' || r == 0xFF1A || isHash(r):
		// "room: 1204", "room no. 12", "order # 1234"
		p -= n
		for p > lo {
			r2, n2 := decodeBefore(s, p)
			if !isSpaceSep(r2) {
				break
			}
			p -= n2
		}
		start, cut := wordBefore(s, p, lo)
		if !cut && start < p && isNoun(s[start:p]) {
			c.decoyFirst = true
		}
	}
}

// amountBefore reports digits right before a currency that starts at p
// (after at most one space): "6.009,46 € 1234567890" is a price and then
// a number, and the currency belongs to the price.
func amountBefore(s string, p, first int) bool {
	if p < first-lookBackBytes {
		return false
	}
	r, n := decodeBefore(s, p)
	if isSpaceSep(r) {
		r, _ = decodeBefore(s, p-n)
	}
	return r >= 0 && digitValue(r) >= 0
}

// isAirlineCode reports whether s[start:end] is a two-letter airline code
// ("LH", "AZ") standing as a word of its own.
func isAirlineCode(s string, start, end int) bool {
	if end-start != 2 {
		return false
	}
	for k := start; k < end; k++ {
		if s[k] < 'A' || s[k] > 'Z' {
			return false
		}
	}
	r, _ := decodeBefore(s, start)
	return !isWordRune(r) && digitValue(r) < 0
}

// gluedLeft looks at letters (or '_') glued to the start of a run. A word
// glued to a number does not stop it from being a secret
// ("booking1234567890", "xyz1234567890"), except in a handle
// ("@user1234567890"), a hashtag ("#travel2025"), an identifier
// ("user_1234567890") or a flight number ("LH1234"), unless the glued word
// ends with a booking or PIN keyword ("#booking1234567890").
func (sc *scanner) gluedLeft(q, first int) {
	s := sc.s
	c := &sc.ctx
	lo := max(first-lookBackBytes/2, 0)
	ws, _ := wordBefore(s, q, lo)
	if ws == q { // "booking_1234567890": the word before the underscore
		if r, n := decodeBefore(s, q); r == '_' {
			if kw, _ := wordBefore(s, q-n, lo); kw < q-n && endsWithBookingKeyword(s[kw:q-n]) {
				return
			}
		}
	} else if endsWithBookingKeyword(s[ws:q]) {
		return
	}
	// The token the digits are glued into. The walk crosses at most three
	// digits: more could be a secret, masked on a first pass, and a second
	// pass must see the same token.
	t, underscore, digits := q, false, 0
	for t > lo {
		r, n := decodeBefore(s, t)
		if r == '_' {
			underscore = true
		} else if digitValue(r) >= 0 {
			if digits++; digits > 3 {
				break
			}
		} else if !isWordPart(r) && r != '.' && r != '-' {
			break
		}
		t -= n
	}
	r, _ := decodeBefore(s, t)
	switch {
	case isAt(r), isHash(r), underscore:
		c.blockFirst = true
	case ws < q:
		w := s[ws:q]
		if isCurrencyCode(w) {
			c.priceLeft = true // "Rp1.250.000"
		} else if isAirlineCode(s, ws, q) && sc.glen(0) <= 4 {
			c.decoyFirst = true // "KL1234"
		} else if q-ws == 1 && s[ws] >= 'A' && s[ws] <= 'Z' && sc.glen(0) == 1 {
			if r, _ := decodeBefore(s, ws); !isWordRune(r) && digitValue(r) < 0 {
				c.airline2 = true // "U2 81"
			}
		}
	}
}

// phoneBefore reports whether the run continues a phone number written
// before it: a '+' country code with parenthesized parts ("+1 (212) ",
// "+44 (0)"), a '+' followed by spaces, or a parenthesized trunk 0 ("(0) ").
// digits counts the digits of the number before the run, cc is where its
// country code starts (or -1).
func (sc *scanner) phoneBefore(q, first int) (ok bool, digits, cc int) {
	s := sc.s
	lo := max(first-32, 0)
	p := q
	paren, closed, trunk, seenOpen := false, false, false, false
	for p > lo {
		r, n := decodeBefore(s, p)
		switch {
		case r == '+' || r == 0xFF0B:
			return paren || digits == 0, digits, p
		case r == ')' || r == 0xFF09:
			paren, closed = true, true
		case r == '(' || r == 0xFF08:
			paren = true
			if closed && !seenOpen {
				// The parenthesis nearest to the run: just a trunk 0,
				// as in "(0) 20 7946 0958"?
				trunk = digits == 1 && strings.ContainsRune(s[p:q], '0')
			}
			seenOpen = true
		case digitValue(r) >= 0:
			digits++
		case isSpaceSep(r), isTransparent(r), r == '-', r == '.':
		default:
			return trunk, digits, -1
		}
		p -= n
	}
	return trunk, digits, -1
}

// parenBefore returns the digits of a parenthesized group such as "(800)"
// right before the run (after at most two spaces), or "".
func parenBefore(s string, q, first int) string {
	lo := max(first-16, 0)
	p := q
	for k := 0; k < 2; k++ {
		if r, n := decodeBefore(s, p); isSpaceSep(r) {
			p -= n
		}
	}
	if r, _ := decodeBefore(s, p); r != ')' {
		return ""
	}
	p--
	end := p
	for p > lo {
		r, n := decodeBefore(s, p)
		if r == '(' {
			return normalizedNumber(s[p:end])
		}
		if digitValue(r) < 0 {
			return ""
		}
		p -= n
	}
	return ""
}

// inURL reports whether offset p lies in a whitespace-delimited token that is
// a URL. Digits in links (status IDs, paths) are never secrets.
func (sc *scanner) inURL(p int) bool {
	if p >= sc.tokStart && p < sc.tokEnd {
		return sc.tokURL
	}
	s := sc.s
	start := p
	for start > 0 {
		if c := s[start-1]; c < utf8.RuneSelf { // ASCII without decoding
			if isSpace(rune(c)) {
				break
			}
			start--
			continue
		}
		r, n := decodeBefore(s, start)
		if isSpace(r) {
			break
		}
		start -= n
	}
	end := p
	for end < len(s) {
		if c := s[end]; c < utf8.RuneSelf {
			if isSpace(rune(c)) {
				break
			}
			end++
			continue
		}
		r, n := decodeAt(s, end)
		if isSpace(r) {
			break
		}
		end += n
	}
	sc.tokStart, sc.tokEnd = start, end
	t := s[start:end]
	// A link has a '/', ':', '?' or '#' after its host, or starts with
	// "www.".
	sc.tokURL = mayBeURL(t) && isURLToken(t)
	return sc.tokURL
}

// mayBeURL is a cheap first test for isURLToken: a link has a '/', ':',
// '?' or '#', or a "www." host.
func mayBeURL(t string) bool {
	for k := 0; k < len(t); k++ {
		switch t[k] {
		case '/', ':', '?', '#':
			return true
		case 'w', 'W':
			if k+4 <= len(t) && strings.EqualFold(t[k:k+4], "www.") {
				return true
			}
		}
	}
	return false
}

// isURLToken recognizes links: anything with a scheme ("https://"),
// "www." hosts and bare "host.tld/path" forms.
func isURLToken(t string) bool {
	if strings.Contains(t, "://") {
		return true
	}
	for len(t) > 0 && (t[0] == '(' || t[0] == '[' || t[0] == '{' || t[0] == '<' || t[0] == '"' || t[0] == '\'') {
		t = t[1:]
	}
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
		case isASCIILetter(c):
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

func isASCIIDigit(c byte) bool { return c-'0' < 10 }

// isASCIILetter reports an ASCII letter in either case.
func isASCIILetter(c byte) bool { return (c|0x20)-'a' < 26 }
