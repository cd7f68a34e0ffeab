package redact

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The corpus generator. It writes messages in the 15 languages of
// genLangs with secrets in every shape family of the specification and
// decoys of every kind, and labels each secret (its kind, its digits and the
// byte offset of every one of its digits) and each decoy (its byte span).
// TestGeneratedCorpus composes the families systematically; the property
// test TestRandomSecretsProperty composes them at random.

// secretLabel is one secret in a generated text.
type secretLabel struct {
	kind   Kind
	digits string // ASCII
	offs   []int  // byte offset of each digit in the text
	family string // the shape family it was written in
}

// decoyLabel is one decoy in a generated text: the bytes [start,end) must
// come back unchanged.
type decoyLabel struct {
	kind       string
	start, end int
}

type genText struct {
	lang, position string
	text           string
	secrets        []secretLabel
	decoys         []decoyLabel
}

// textBuilder assembles a text and its labels.
type textBuilder struct {
	b       strings.Builder
	secrets []secretLabel
	decoys  []decoyLabel
}

func (tb *textBuilder) plain(s string) { tb.b.WriteString(s) }

func (tb *textBuilder) decoy(kind, s string) {
	start := tb.b.Len()
	tb.b.WriteString(s)
	tb.decoys = append(tb.decoys, decoyLabel{kind, start, tb.b.Len()})
}

// rendered is a number written in some shape, with the offsets of its
// digits in text.
type rendered struct {
	text   string
	offs   []int
	digits string
	kind   Kind
	family string
}

func (tb *textBuilder) secret(r rendered) {
	base := tb.b.Len()
	tb.b.WriteString(r.text)
	offs := make([]int, len(r.offs))
	for i, o := range r.offs {
		offs[i] = base + o
	}
	tb.secrets = append(tb.secrets, secretLabel{r.kind, r.digits, offs, r.family})
}

// Shape dimensions.

var genBookingGroupings = [][]int{
	{10}, {4, 3, 3}, {3, 3, 4}, {2, 4, 4}, {2, 2, 2, 2, 2}, {5, 5}, {1, 3, 3, 3}, {3, 4, 3}, {2, 3, 2, 3},
	{4, 4, 2}, {3, 3, 3, 1}, {4, 2, 4}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {2, 2, 3, 3}, {3, 7}, {6, 4},
}

var genPINGroupings = [][]int{{4}, {2, 2}, {1, 1, 1, 1}, {1, 3}, {3, 1}, {2, 1, 1}}

var genSeps = []string{
	" ", "  ", "   ", "\u00a0", "\u2009", "\u202f", "\u3000", "\t",
	".", " . ", "·", "・", "．", ". ",
	"-", " - ", "–", "—", "−", "‐", "－", " – ",
	"/", " / ", "／",
}

var genScriptNames = []string{"fullwidth", "arabic-indic", "extended-arabic-indic", "devanagari", "bengali", "thai", "tamil", "khmer", "math-bold"}

var genInvisibleNames = []string{"zwsp", "zwnj", "zwj", "word joiner", "soft hyphen", "lrm", "rlm", "lre/pdf", "rli", "vs16", "combining acute", "bom", "cgj"}

// numStyle is how a number is written.
type numStyle struct {
	grouping []int
	seps     []string // one per gap
	script   string   // "" for ASCII, "mixed", or a key of specScripts
	inv      string   // an invisible character, or ""
	invAll   bool     // after every rune rather than at random places
}

func (st numStyle) family() string {
	var f []string
	f = append(f, fmt.Sprint(st.grouping))
	if len(st.seps) > 0 {
		f = append(f, fmt.Sprintf("sep%q", st.seps[0]))
	}
	if st.script != "" {
		f = append(f, st.script)
	}
	if st.inv != "" {
		f = append(f, "inv:"+st.inv)
	}
	return strings.Join(f, " ")
}

// render writes the ASCII digits d in style st.
func render(rng *rand.Rand, d string, st numStyle) (string, []int) {
	var b strings.Builder
	var offs []int
	inv := specInvisibles[st.inv]
	maybeInv := func() {
		if inv != "" && (st.invAll || rng.IntN(3) == 0) {
			b.WriteString(inv)
		}
	}
	k := 0
	for gi, g := range st.grouping {
		if gi > 0 {
			sep := st.seps[(gi-1)%len(st.seps)]
			for _, r := range sep {
				b.WriteRune(r)
				maybeInv()
			}
		}
		for range g {
			c := rune(d[k])
			k++
			z := rune('0')
			switch st.script {
			case "":
			case "mixed":
				z = []rune{'0', 0xFF10, 0x660, 0x966, 0xE50, 0x9E6}[rng.IntN(6)]
			default:
				z = specScripts[st.script]
			}
			offs = append(offs, b.Len())
			b.WriteRune(z + c - '0')
			maybeInv()
		}
	}
	return b.String(), offs
}

func randDigits(rng *rand.Rand, n int, firstNonZero bool) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	if firstNonZero && b[0] == '0' {
		b[0] = byte('1' + rng.IntN(9))
	}
	return string(b)
}

// randStyle picks a style at random, except for the dimension fixed by fam
// (a family name such as "grouping", "sep", "script", "invisible"), which is
// taken from index k of that dimension.
func randStyle(rng *rand.Rand, groupings [][]int, fam string, k int) numStyle {
	st := numStyle{grouping: groupings[rng.IntN(len(groupings))]}
	sep := genSeps[rng.IntN(len(genSeps))]
	if rng.IntN(3) == 0 {
		sep = " "
	}
	st.seps = []string{sep}
	if rng.IntN(6) == 0 { // a different separator in every gap
		st.seps = nil
		for range 9 {
			st.seps = append(st.seps, genSeps[rng.IntN(len(genSeps))])
		}
	}
	switch rng.IntN(10) {
	case 0, 1:
		st.script = genScriptNames[rng.IntN(len(genScriptNames))]
	case 2:
		st.script = "mixed"
	}
	if rng.IntN(5) == 0 {
		st.inv = genInvisibleNames[rng.IntN(len(genInvisibleNames))]
		st.invAll = rng.IntN(2) == 0
	}
	switch fam {
	case "grouping":
		st.grouping = groupings[k%len(groupings)]
	case "sep":
		st.seps = []string{genSeps[k%len(genSeps)]}
	case "script":
		if k%(len(genScriptNames)+1) == len(genScriptNames) {
			st.script = "mixed"
		} else {
			st.script = genScriptNames[k%len(genScriptNames)]
		}
	case "invisible":
		st.inv = genInvisibleNames[k%len(genInvisibleNames)]
		st.invAll = k%2 == 0
	}
	return st
}

// Secrets.

// gluePrefixes are written right before a booking number, with nothing in
// between.
var gluePrefixes = []string{
	"booking", "Booking", "BOOKING", "bookingnr", "bookingNr.", "nr.", "Nr.", "#", "n°", "Nº", "No.", "ref:", "REF:", "Ref#",
	"conf#", "prenotazione", "reserva", "Buchungsnummer", "réservation", "rezervasyon", "бронь", "予約番号", "预订号",
	"حجز", "बुकिंग", "b\u200booking", "boo\u00adking", "#booking", "booking_", "xyz",
}

// withInvisibleInside puts a zero-width character or soft hyphen inside the
// first word of kw.
func withInvisibleInside(rng *rand.Rand, kw string) string {
	rs := []rune(kw)
	if len(rs) < 2 {
		return kw
	}
	i := 1 + rng.IntN(len(rs)-1)
	if !isWordRune(rs[i-1]) || !isWordRune(rs[i]) {
		return kw
	}
	inv := []string{"\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\u200e", "\ufeff"}[rng.IntN(7)]
	return string(rs[:i]) + inv + string(rs[i:])
}

// genBooking writes a booking number: an optional keyword (spaced or
// glued), then the number in a style.
func genBooking(rng *rand.Rand, tb *textBuilder, l *genLang, fam string, k int, keyword bool) {
	d := randDigits(rng, 10, true)
	st := randStyle(rng, genBookingGroupings, fam, k)
	family := "booking " + st.family()
	glue := fam == "glued" || (fam == "" && keyword && rng.IntN(5) == 0)
	switch {
	case glue:
		p := gluePrefixes[k%len(gluePrefixes)]
		if fam != "glued" {
			p = gluePrefixes[rng.IntN(len(gluePrefixes))]
		}
		family = "booking glued " + p
		tb.plain(p)
	case keyword:
		kw := l.booking[rng.IntN(len(l.booking))]
		if rng.IntN(5) == 0 {
			kw = withInvisibleInside(rng, kw)
			family += " kw-invisible"
		}
		tb.plain(kw + []string{" ", ": ", " ", " #"}[rng.IntN(4)])
	}
	text, offs := render(rng, d, st)
	tb.secret(rendered{text, offs, d, BookingNumber, family})
}

// pinAfterBooking are the ways a PIN follows a booking number.
var pinAfterBooking = [][2]string{
	{"/", ""}, {" / ", ""}, {" pin ", ""}, {", PIN ", ""}, {" (PIN ", ")"}, {" - ", ""}, {" ", ""}, {":", ""},
	{" PIN: ", ""}, {" (", ")"}, {"／", ""}, {", pin: ", ""},
}

// pinNamedAfter are the ways customers name a PIN after its digits ("1234
// is my PIN"), by language.
var pinNamedAfter = map[string][]string{
	"en": {"is my PIN", "is the pin", "- that's my PIN", "(PIN)"},
	"it": {"è il mio PIN", "è il codice PIN"},
	"id": {"adalah PIN saya", "itu PIN-nya"},
	"es": {"es mi PIN", "es el código PIN"},
	"de": {"ist meine PIN", "ist die Geheimzahl"},
	"fr": {"est mon code PIN", "c'est mon PIN"},
	"pt": {"é o meu PIN", "é a senha"},
	"nl": {"is mijn pincode", "is de PIN"},
	"tr": {"benim şifrem", "PIN kodum"},
	"pl": {"to mój PIN", "to kod PIN"},
	"ru": {"мой ПИН", "это ПИН-код"},
	"ar": {"هو الرقم السري", "الرمز السري"},
	"hi": {"मेरा पिन है", "पिन है"},
	"zh": {"是我的密码", "是PIN码"},
	"ja": {"が暗証番号です", "は暗証番号"},
}

// genPIN writes a PIN after a keyword, or a booking number and its PIN.
func genPIN(rng *rand.Rand, tb *textBuilder, l *genLang, fam string, k int, afterBooking bool) {
	d := randDigits(rng, 4, false)
	st := randStyle(rng, genPINGroupings, fam, k)
	family := "pin " + st.family()
	if afterBooking {
		genBooking(rng, tb, l, "", 0, rng.IntN(2) == 0)
		how := pinAfterBooking[rng.IntN(len(pinAfterBooking))]
		if fam == "after" {
			how = pinAfterBooking[k%len(pinAfterBooking)]
		}
		family = fmt.Sprintf("pin after booking %q", how[0])
		tb.plain(how[0])
		text, offs := render(rng, d, st)
		tb.secret(rendered{text, offs, d, PIN, family})
		tb.plain(how[1])
		return
	}
	if fam == "named-after" {
		after := pinNamedAfter[l.code]
		text, offs := render(rng, d, st)
		tb.secret(rendered{text, offs, d, PIN, "pin named after"})
		tb.plain(" " + after[k%len(after)])
		return
	}
	kw := l.pin[rng.IntN(len(l.pin))]
	if rng.IntN(4) == 0 {
		kw = "PIN"
	}
	if fam == "keyword-invisible" || rng.IntN(6) == 0 {
		kw = withInvisibleInside(rng, kw)
		family += " kw-invisible"
	}
	tb.plain(kw + []string{" ", ": ", " ", " = ", ":", " is "}[rng.IntN(6)])
	text, offs := render(rng, d, st)
	tb.secret(rendered{text, offs, d, PIN, family})
}

// genCard writes a Luhn-valid card number.
func genCard(rng *rand.Rand, tb *textBuilder, l *genLang) {
	shapes := [][]int{{16}, {4, 4, 4, 4}, {4, 6, 5}, {4, 4, 4, 4, 3}, {13}, {4, 4, 4, 3}, {19}}
	g := shapes[rng.IntN(len(shapes))]
	n := 0
	for _, x := range g {
		n += x
	}
	d := []byte(randDigits(rng, n-1, true))
	// The check digit.
	for c := byte('0'); c <= '9'; c++ {
		if luhn(append(d[:n-1:n-1], c)) {
			d = append(d[:n-1], c)
			break
		}
	}
	st := numStyle{grouping: g, seps: []string{[]string{" ", "-", "\u00a0", " "}[rng.IntN(4)]}}
	if rng.IntN(8) == 0 {
		st.script = "fullwidth"
	}
	tb.plain([]string{"card ", "carta ", "kartu ", "Karte ", "cc: ", ""}[rng.IntN(6)])
	text, offs := render(rng, string(d), st)
	tb.secret(rendered{text, offs, string(d), CardNumber, fmt.Sprintf("card %v", g)})
}

// Decoys.

// fillPattern replaces X by a digit, N by a nonzero digit.
func fillPattern(rng *rand.Rand, p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case 'X':
			b.WriteByte(byte('0' + rng.IntN(10)))
		case 'N':
			b.WriteByte(byte('1' + rng.IntN(9)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var phonePatterns = []string{
	"+39 0N XXXX XXXX", "+39 3XX XXX XXXX", "+44 20 XXXX XXXX", "+44 7XXX XXXXXX", "+1 (NXX) NXX-XXXX",
	"+1 NXX NXX XXXX", "+1-NXX-NXX-XXXX", "+49 30 XXXXXXXX", "+33 N XX XX XX XX", "+62 8XX XXXX XXXX",
	"+34 9XX XXX XXX", "+351 2X XXX XXXX", "+31 20 XXX XXXX", "+90 212 XXX XX XX", "+48 22 XXX XX XX",
	"+7 495 XXX-XX-XX", "+971 4 XXX XXXX", "+91 9XXXX XXXXX", "+86 10 XXXX XXXX", "+81 3-XXXX-XXXX",
	"+44 (0)20 XXXX XXXX", "+44 (0) 20 XXXX XXXX", "0039 0N XXXX XXXX", "0049 30 XXXXXXX", "0N XXXX XXXX",
	"020 XXXX XXXX", "030 XXXXXXXX", "06 XX XX XX XX", "08XX-XXXX-XXXX", "07XXX XXXXXX", "+39NXXXXXXXXX",
	"0N XXX XX XXX", "+62 21 XXXX XXXX", "021-XXXX-XXXX",
}

var pricePatterns = []string{
	"€N.XXX,XX", "€ N.XXX,XX", "Rp N.XXX.000", "Rp NXX.000", "Rp1.XXX.000", "USD N,XXX.XX", "$NXX.XX", "N.XXX,XX €",
	"£NX", "₹ NX,XXX", "R$ N.XXX,XX", "N XXX ₽", "N.XXX TL", "N XXX zł", "¥NXXXX", "AED N,XXX", "NXX,XX €",
	"NXX€", "€NXX", "€ N XXX", "N.XXX.XXX,XX €", "EUR NXX", "NXX EUR", "$ NX.XX", "₺N.XXX",
}

var datePatterns = []string{"DD.MM.20YY", "DD/MM/20YY", "20YY-MM-DD", "D.M.YY", "DD-MM-20YY", "20YY/MM/DD", "M/D/20YY"}

func genDate(rng *rand.Rand) string {
	p := datePatterns[rng.IntN(len(datePatterns))]
	day, month := 1+rng.IntN(28), 1+rng.IntN(12)
	r := strings.NewReplacer(
		"DD", fmt.Sprintf("%02d", day), "MM", fmt.Sprintf("%02d", month), "YY", fmt.Sprintf("%02d", 20+rng.IntN(10)),
		"D", fmt.Sprint(day), "M", fmt.Sprint(month),
	)
	return r.Replace(p)
}

func genTime(rng *rand.Rand) string {
	return fmt.Sprintf("%d:%02d", rng.IntN(24), rng.IntN(60))
}

var airlines = []string{"LH", "AZ", "KL", "AF", "BA", "IB", "TK", "LO", "SU", "EK", "AI", "CA", "JL", "GA", "TP", "U2", "FR"}

func genFlight(rng *rand.Rand) string {
	a := airlines[rng.IntN(len(airlines))]
	num := fmt.Sprint(1 + rng.IntN([]int{9, 99, 999, 9999}[rng.IntN(4)]))
	if rng.IntN(3) == 0 && a[1] >= 'A' {
		return a + num
	}
	return a + " " + num
}

var postcodePatterns = [][2]string{
	{"NXXXX", " Berlin"}, {"00XXX", " Roma"}, {"NXXX", " AB Amsterdam"}, {"750XX", " Paris"}, {"NXXXX", " Jakarta"},
	{"XX-XXX", " Warszawa"}, {"NXXXX", " İstanbul"}, {"NXX XX", " Stockholm"}, {"NXXXXX", " Москва"},
}

// decoyKinds are the kinds of decoy the generator writes.
var decoyKinds = []string{"phone", "price", "date", "time", "datetime", "flight", "postcode", "room", "order", "handle", "hashtag", "url", "company", "ip"}

// companyNumber is the company's own contact number, allowed in the corpus.
const companyNumber = "+1 800 555 0199"

var companyForms = []string{"+1 800 555 0199", "800 555 0199", "1-800-555-0199", "(800) 555-0199", "+1 (800) 555-0199", "800.555.0199", "8005550199"}

// genDecoy writes a decoy of the given kind with the words that introduce
// it in language l.
func genDecoy(rng *rand.Rand, tb *textBuilder, l *genLang, kind string) {
	pick := func(words []string) string { return words[rng.IntN(len(words))] + " " }
	switch kind {
	case "phone":
		tb.plain(pick(l.phone))
		tb.decoy(kind, fillPattern(rng, phonePatterns[rng.IntN(len(phonePatterns))]))
	case "price":
		tb.plain(pick(l.paid))
		tb.decoy(kind, fillPattern(rng, pricePatterns[rng.IntN(len(pricePatterns))]))
	case "date":
		tb.plain(pick(l.on))
		tb.decoy(kind, genDate(rng))
	case "time":
		tb.plain(pick(l.at))
		tb.decoy(kind, genTime(rng))
	case "datetime":
		tb.plain(pick(l.on))
		tb.decoy(kind, genDate(rng)+" "+genTime(rng))
	case "flight":
		tb.plain(pick(l.flight))
		tb.decoy(kind, genFlight(rng))
	case "postcode":
		p := postcodePatterns[rng.IntN(len(postcodePatterns))]
		tb.plain(pick(l.postcode) + "Hauptstraße 5, ")
		tb.decoy(kind, fillPattern(rng, p[0]))
		tb.plain(p[1])
	case "room":
		tb.plain(pick(l.room))
		tb.decoy(kind, fmt.Sprint(1+rng.IntN([]int{9, 99, 999, 1999}[rng.IntN(4)])))
	case "order":
		tb.plain(pick(l.order))
		n := []int{6, 7, 8, 9, 11, 12, 13, 14}[rng.IntN(8)]
		tb.decoy(kind, randDigits(rng, n, true))
	case "handle":
		tb.decoy(kind, []string{"@user", "@travel_", "@", "@Sofia"}[rng.IntN(4)]+randDigits(rng, 4+rng.IntN(7), true))
	case "hashtag":
		tb.decoy(kind, []string{"#travel", "#summer", "#hotel_", "#trip"}[rng.IntN(4)]+randDigits(rng, 4+rng.IntN(7), true))
	case "url":
		u := []string{
			"https://x.com/i/status/" + randDigits(rng, 19, true),
			"www.example.com/b/" + randDigits(rng, 10, true),
			"https://t.co/" + "AbC" + randDigits(rng, 7, false),
			"example.com/r/" + randDigits(rng, 10, true) + "?p=" + randDigits(rng, 4, false),
		}[rng.IntN(4)]
		tb.decoy(kind, u)
	case "ip":
		tb.plain([]string{"from ", "IP ", "remote=", "IP: "}[rng.IntN(4)])
		tb.decoy(kind, fmt.Sprintf("%d.%d.%d.%d:%d", 1+rng.IntN(254), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254), 1+rng.IntN(65535)))
	case "company":
		tb.plain(pick(l.phone))
		tb.decoy(kind, companyForms[rng.IntN(len(companyForms))])
	default:
		panic(kind)
	}
}

// Messages.

// secretFamilies are the shape families the corpus composes with every
// language and position; each name is a dimension of genBooking, genPIN or
// genCard, and the corpus walks through the values of that dimension.
var secretFamilies = []string{
	"booking grouping", "booking sep", "booking script", "booking invisible", "booking glued", "booking bare",
	"pin keyword", "pin grouping", "pin sep", "pin script", "pin invisible", "pin keyword-invisible", "pin after",
	"pin named-after",
	"card",
}

// laterFamilies are the families added to secretFamilies after the corpus
// was first drawn (see generateCorpus).
var laterFamilies = map[string]bool{"pin named-after": true}

// positions of the secret in a message.
func genPositions() []string {
	p := []string{"start", "middle", "end", "line"}
	for _, k := range decoyKinds {
		p = append(p, "after "+k, "before "+k)
	}
	return p
}

func filler(rng *rand.Rand, l *genLang) string { return l.fillers[rng.IntN(len(l.fillers))] }

// joiner is what stands between two parts of a message.
func joiner(rng *rand.Rand) string {
	return []string{", ", ". ", " ", "! ", " - ", "; ", "\n"}[rng.IntN(7)]
}

// genSecret writes one secret of family fam (index k within its dimension).
// bare asks for a booking number without a keyword, as when it stands right
// next to another number.
func genSecret(rng *rand.Rand, tb *textBuilder, l *genLang, fam string, k int, bare bool) {
	kind, dim, _ := strings.Cut(fam, " ")
	switch kind {
	case "booking":
		switch dim {
		case "bare":
			genBooking(rng, tb, l, "", k, false)
		case "glued":
			genBooking(rng, tb, l, "glued", k, true)
		default:
			genBooking(rng, tb, l, dim, k, !bare && rng.IntN(4) != 0)
		}
	case "pin":
		genPIN(rng, tb, l, dim, k, dim == "after")
	case "card":
		genCard(rng, tb, l)
	}
}

// genMessage writes one message: the secret of family fam at position pos,
// in language l, with decoys around it.
func genMessage(rng *rand.Rand, l *genLang, fam string, k int, pos string) genText {
	var tb textBuilder
	otherDecoy := func() string { return decoyKinds[rng.IntN(len(decoyKinds))] }
	switch {
	case pos == "start":
		genSecret(rng, &tb, l, fam, k, false)
		tb.plain(joiner(rng) + filler(rng, l) + joiner(rng))
		genDecoy(rng, &tb, l, otherDecoy())
		tb.plain(joiner(rng) + filler(rng, l))
	case pos == "middle":
		tb.plain(filler(rng, l) + joiner(rng))
		genSecret(rng, &tb, l, fam, k, false)
		tb.plain(joiner(rng) + filler(rng, l) + joiner(rng))
		genDecoy(rng, &tb, l, otherDecoy())
	case pos == "end":
		tb.plain(filler(rng, l) + joiner(rng))
		genDecoy(rng, &tb, l, otherDecoy())
		tb.plain(joiner(rng) + filler(rng, l) + joiner(rng))
		genSecret(rng, &tb, l, fam, k, false)
		if rng.IntN(2) == 0 {
			tb.plain([]string{".", "!", "?", " 🙏", ")"}[rng.IntN(5)])
		}
	case pos == "line":
		tb.plain(filler(rng, l) + ":\n")
		genSecret(rng, &tb, l, fam, k, rng.IntN(2) == 0)
		tb.plain("\n")
		genDecoy(rng, &tb, l, otherDecoy())
		tb.plain("\n" + filler(rng, l))
	case strings.HasPrefix(pos, "after "):
		// "... <decoy> <secret> ...": right next to it.
		tb.plain(filler(rng, l) + joiner(rng))
		genDecoy(rng, &tb, l, strings.TrimPrefix(pos, "after "))
		tb.plain(" ")
		genSecret(rng, &tb, l, fam, k, true)
		tb.plain(joiner(rng) + filler(rng, l))
	case strings.HasPrefix(pos, "before "):
		tb.plain(filler(rng, l) + joiner(rng))
		genSecret(rng, &tb, l, fam, k, true)
		tb.plain(" ")
		genDecoy(rng, &tb, l, strings.TrimPrefix(pos, "before "))
		tb.plain(joiner(rng) + filler(rng, l))
	default:
		panic(pos)
	}
	return genText{lang: l.code, position: pos, text: tb.b.String(), secrets: tb.secrets, decoys: tb.decoys}
}

// Evaluation.

type corpusStats struct {
	texts, secrets, leaks, partial, decoys, changed, notIdempotent int
	leakFamilies, changedKinds                                     map[string]int
	examples                                                       []string
}

func (st *corpusStats) example(format string, args ...any) {
	if len(st.examples) < 40 {
		st.examples = append(st.examples, fmt.Sprintf(format, args...))
	}
}

// evaluate redacts every text and counts leaks (a secret with four
// consecutive digits not covered by a finding, or whose digits are readable
// in the output), partial covers (any digit left) and changed decoys.
func evaluate(r *Redactor, texts []genText) corpusStats {
	st := corpusStats{leakFamilies: map[string]int{}, changedKinds: map[string]int{}}
	for _, t := range texts {
		st.texts++
		out, fs := r.Redact(t.text)
		covered := func(off int) bool {
			i := sort.Search(len(fs), func(i int) bool { return fs[i].End > off })
			return i < len(fs) && fs[i].Start <= off
		}
		rd := readable(out)
		for _, s := range t.secrets {
			st.secrets++
			run, longest, left := 0, 0, 0
			for _, o := range s.offs {
				if covered(o) {
					run = 0
					continue
				}
				left++
				run++
				longest = max(longest, run)
			}
			leaked := longest >= 4 || (s.kind != PIN && strings.Contains(rd, s.digits))
			if leaked {
				st.leaks++
				st.leakFamilies[s.family]++
				st.example("LEAK %s [%s %s] %s %q -> %q", s.kind, t.lang, t.position, s.family, t.text, out)
			} else if left > 0 {
				st.partial++
			}
		}
		for _, d := range t.decoys {
			st.decoys++
			for _, f := range fs {
				if f.Start < d.end && d.start < f.End {
					st.changed++
					st.changedKinds[d.kind]++
					st.example("DECOY %s [%s %s] %q in %q -> %q", d.kind, t.lang, t.position, t.text[d.start:d.end], t.text, out)
					break
				}
			}
		}
		if r.String(out) != out {
			st.notIdempotent++
			st.example("IDEMPOTENCE %q -> %q -> %q", t.text, out, r.String(out))
		}
	}
	return st
}

// normalizedRest returns text without its findings and decoys, digits in
// ASCII, and invisible characters, spaces and punctuation removed: what is
// left of the digits can only come from secrets.
func normalizedRest(text string, fs []Finding, decoys []decoyLabel) string {
	gone := make([]bool, len(text)+1) // bytes removed
	for _, f := range fs {
		for k := f.Start; k < f.End; k++ {
			gone[k] = true
		}
	}
	for _, d := range decoys {
		for k := d.start; k < d.end; k++ {
			gone[k] = true
		}
	}
	// Like readable: letters and digits only, so that a secret split by
	// spaces or dots still shows; a removed span leaves a letter, so that
	// digits on either side of it do not join.
	var b strings.Builder
	for k := 0; k < len(text); {
		if gone[k] {
			b.WriteString("X")
			for k < len(text) && gone[k] {
				k++
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(text[k:])
		k += n
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
		} else if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
