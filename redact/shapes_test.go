package redact

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The shape families of the specification, each checked on its own: every
// grouping, separator, script and invisible character, glued keywords and
// neighbouring numbers, for booking numbers and PINs; and every decoy family,
// which must come back byte for byte.

var specGroupings = [][]int{
	{10}, {4, 3, 3}, {3, 3, 4}, {2, 4, 4}, {2, 2, 2, 2, 2}, {5, 5}, {1, 3, 3, 3}, {3, 4, 3},
	{2, 3, 2, 3}, {1, 9}, {4, 4, 2}, {3, 3, 3, 1}, {4, 6}, {6, 4}, {2, 8}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
}

var specSeparators = []string{
	" ", "  ", "   ", "\u00a0", "\u2009", "\u202f", "\u3000", "\u2007", "\t",
	".", " . ", "·", "・", "．",
	"-", " - ", "–", "—", "−", "‐", "－", " – ",
	"/", " / ", "／", "\\",
	". ", " .", "-/", "\u00a0-\u00a0",
}

// specScripts map ASCII digits to other decimal digits.
var specScripts = map[string]rune{
	"fullwidth": 0xFF10, "arabic-indic": 0x660, "extended-arabic-indic": 0x6F0, "devanagari": 0x966,
	"bengali": 0x9E6, "thai": 0xE50, "gurmukhi": 0xA66, "tamil": 0xBE6, "myanmar": 0x1040, "khmer": 0x17E0,
	"math-bold": 0x1D7CE,
}

var specInvisibles = map[string]string{
	"zwsp": "\u200b", "zwnj": "\u200c", "zwj": "\u200d", "word joiner": "\u2060", "soft hyphen": "\u00ad",
	"lrm": "\u200e", "rlm": "\u200f", "lre/pdf": "\u202a", "rli": "\u2067", "vs16": "\ufe0f", "vs1": "\ufe00",
	"combining acute": "\u0301", "combining enclosing keycap": "\u20e3", "bom": "\ufeff", "cgj": "\u034f",
	"hangul filler": "\u3164", "tag": "\U000E0041",
}

// grouped writes digits in the given grouping with sep between groups.
func grouped(digits string, grouping []int, sep string) string {
	var b strings.Builder
	k := 0
	for i, g := range grouping {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[k : k+g])
		k += g
	}
	return b.String()
}

// inScript writes the ASCII digits of s in the script whose zero is z
// (ASCII runes other than digits are kept).
func inScript(s string, z rune) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(z + r - '0')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// withInvisible puts inv after every rune of s.
func withInvisible(s, inv string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
		b.WriteString(inv)
	}
	return b.String()
}

type shapeCase struct{ name, in, want string }

func checkShapeCases(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, c := range cases {
		got, fs := Redact(c.in)
		if got != c.want {
			t.Errorf("%s:\n in   %q\n got  %q\n want %q", c.name, c.in, got, c.want)
			continue
		}
		checkFindings(t, c.in, fs)
		if again := String(got); again != got {
			t.Errorf("%s: not idempotent: %q -> %q", c.name, got, again)
		}
		if c.in != c.want && !Contains(c.in) {
			t.Errorf("%s: Contains(%q) = false", c.name, c.in)
		}
	}
}

func TestBookingGroupingsAndSeparators(t *testing.T) {
	var cases []shapeCase
	for _, g := range specGroupings {
		for _, sep := range specSeparators {
			num := grouped("4725918306", g, sep)
			for _, frame := range [][2]string{
				{"my booking is ", " thanks"}, {"", ""}, {"prenotazione ", "."}, {"(", ")"}, {"Buchung: ", "!"},
			} {
				cases = append(cases, shapeCase{
					name: fmt.Sprintf("%v %q", g, sep),
					in:   frame[0] + num + frame[1],
					want: frame[0] + "[booking number]" + frame[1],
				})
			}
		}
	}
	checkShapeCases(t, cases)
}

func TestBookingScripts(t *testing.T) {
	var cases []shapeCase
	for name, z := range specScripts {
		for _, g := range [][]int{{10}, {4, 3, 3}, {2, 2, 2, 2, 2}, {5, 5}} {
			num := inScript(grouped("8142503967", g, " "), z)
			cases = append(cases, shapeCase{name, "booking " + num + " ok", "booking [booking number] ok"})
		}
	}
	// Mixed within one number.
	mixed := []string{"12３４5٦7८9০", "８１４٢５०３９６７", "8 1 4 ๒ ๕ ० ३ ٩ ６ ７", "81٤2-50३-96７"}
	for _, m := range mixed {
		cases = append(cases, shapeCase{"mixed", "ref " + m, "ref [booking number]"})
	}
	checkShapeCases(t, cases)
}

func TestBookingInvisibles(t *testing.T) {
	var cases []shapeCase
	for name, inv := range specInvisibles {
		for _, g := range [][]int{{10}, {4, 3, 3}, {2, 2, 2, 2, 2}} {
			num := grouped("5930174826", g, " ")
			// After every digit and separator, and in the keyword.
			in := withInvisible("booking", inv) + " " + withInvisible(num, inv) + " please"
			out := String(in)
			if strings.Contains(readable(out), "5930174826") || !strings.Contains(out, "[booking number]") {
				t.Errorf("%s %v: %q -> %q", name, g, in, out)
			}
			cases = append(cases, shapeCase{name, "booking " + inv + num + " please", "booking " + inv + "[booking number] please"})
		}
	}
	checkShapeCases(t, cases)
}

func TestBookingGlued(t *testing.T) {
	cases := []shapeCase{
		{"booking", "booking1234567890", "booking[booking number]"},
		{"Booking", "Booking1234567890 pls", "Booking[booking number] pls"},
		{"BOOKING", "BOOKING1234567890", "BOOKING[booking number]"},
		{"bookingnr", "bookingnr1234567890", "bookingnr[booking number]"},
		{"bookingNR", "bookingNR1234 567 890", "bookingNR[booking number]"},
		{"nr.", "nr.1234567890", "nr.[booking number]"},
		{"Nr.", "Nr. 1234567890", "Nr. [booking number]"},
		{"hash", "#1234567890", "[booking number]"},
		{"n°", "n°1234567890", "n°[booking number]"},
		{"nº", "Nº1234567890", "Nº[booking number]"},
		{"ref:", "ref:1234567890", "ref:[booking number]"},
		{"REF:", "REF:1234-567-890", "REF:[booking number]"},
		{"ref-", "ref-1234567890", "ref-[booking number]"},
		{"conf", "conf#1234567890", "conf[booking number]"},
		{"prenotazione", "prenotazione1234567890", "prenotazione[booking number]"},
		{"reserva", "Reserva1234567890", "Reserva[booking number]"},
		{"buchungsnummer", "Buchungsnummer1234567890", "Buchungsnummer[booking number]"},
		{"réservation", "réservation1234567890", "réservation[booking number]"},
		{"rezervasyon", "rezervasyon1234567890", "rezervasyon[booking number]"},
		{"бронь", "бронь1234567890", "бронь[booking number]"},
		{"予約番号", "予約番号1234567890", "予約番号[booking number]"},
		{"预订号", "预订号１２３４５６７８９０", "预订号[booking number]"},
		{"حجز", "حجز1234567890", "حجز[booking number]"},
		{"बुकिंग", "बुकिंग1234567890", "बुकिंग[booking number]"},
		{"hashtag keyword", "#booking1234567890", "#booking[booking number]"},
		{"underscore keyword", "booking_1234567890", "booking_[booking number]"},
		{"zero-width in keyword", "boo\u200bking\u200b1234567890", "boo\u200bking\u200b[booking number]"},
		{"other word", "xyz1234567890", "xyz[booking number]"},
		{"letters after", "1234567890abc", "[booking number]abc"},
		{"glued pin", "1234567890pin1234", "[booking number]pin[PIN]"},
	}
	checkShapeCases(t, cases)
}

func TestBookingNextToNumbers(t *testing.T) {
	cases := []shapeCase{
		{"phone +1", "+1 (212) 555-0187 1234567890", "+1 (212) 555-0187 [booking number]"},
		{"phone +1 grouped", "+1 (212) 555-0187 1234 567 890", "+1 (212) 555-0187 [booking number]"},
		{"price", "€ 2.340,00 1234567890", "€ 2.340,00 [booking number]"},
		{"price 2", "€1.234,56 12 34 56 78 90", "€1.234,56 [booking number]"},
		{"price 3", "Rp 1.250.000 1234 567 890", "Rp 1.250.000 [booking number]"},
		{"price 4", "USD 1,299.00 1234567890", "USD 1,299.00 [booking number]"},
		{"price 5", "$129.99 1234 567 890", "$129.99 [booking number]"},
		{"price after", "1234567890 1.234,56 €", "[booking number] 1.234,56 €"},
		{"flight glued", "KL1234 1234 567 890", "KL1234 [booking number]"},
		{"flight spaced", "LH 1234 12 34 56 78 90", "LH 1234 [booking number]"},
		{"flight 3-3-4", "AZ 610 123 456 7890", "AZ 610 [booking number]"},
		{"phone +39", "+39 02 9129 4973 12 34 56 78 90", "+39 02 9129 4973 [booking number]"},
		{"phone +39 slash", "+39 02 9129 4973/1234567890", "+39 02 9129 4973/[booking number]"},
		{"phone +44", "+44 20 7946 0958 1234 567 890", "+44 20 7946 0958 [booking number]"},
		{"phone +44 (0)", "+44 (0)20 7946 0958 1234567890", "+44 (0)20 7946 0958 [booking number]"},
		{"phone +62", "+62 812 3456 7890 12 34 56 78 90", "+62 812 3456 7890 [booking number]"},
		{"phone 00", "0039 02 9129 4973 1234567890", "0039 02 9129 4973 [booking number]"},
		{"phone trunk", "02 9129 4973 1234 567 890", "02 9129 4973 [booking number]"},
		{"phone trunk 2", "02 9129 4973 12 34 56 78 90", "02 9129 4973 [booking number]"},
		{"phone trunk fr", "06 12 34 56 78 1234567890", "06 12 34 56 78 [booking number]"},
		{"phone after", "1234567890 02 9129 4973", "[booking number] 02 9129 4973"},
		{"phone 00 after", "1234567890 0039 02 9129 4973", "[booking number] 0039 02 9129 4973"},
		{"date", "17.05.2024 1234567890", "17.05.2024 [booking number]"},
		{"date time", "17.05.2024 14:30 1234567890", "17.05.2024 14:30 [booking number]"},
		{"iso date", "2024-05-17 12 34 56 78 90", "2024-05-17 [booking number]"},
		{"time", "14:30 1234 567 890", "14:30 [booking number]"},
		{"time after", "1234567890 14:30", "[booking number] 14:30"},
		{"room", "room 304 1234567890", "room 304 [booking number]"},
		{"room 2", "Zimmer 12 1234 567 890", "Zimmer 12 [booking number]"},
		{"order", "order 12345678 1234567890", "order 12345678 [booking number]"},
		{"postcode", "10115 Berlin 1234567890", "10115 Berlin [booking number]"},
		{"two", "1234567890 2345678901", "[booking number] [booking number]"},
		{"card then booking", "4111 1111 1111 1111 1234 567 890", "[card number] [booking number]"},
		{"year", "2024 1234567890", "2024 [booking number]"},
	}
	checkShapeCases(t, cases)
}

func TestPINShapes(t *testing.T) {
	cases := []shapeCase{
		{"zero-width keyword", "P\u200bIN is 4321", "P\u200bIN is [PIN]"},
		{"soft hyphen keyword", "P\u00adI\u00adN: 4321", "P\u00adI\u00adN: [PIN]"},
		{"combining keyword", "P\u0301IN 4321", "P\u0301IN [PIN]"},
		{"vs keyword", "PIN\ufe0f 4321", "PIN\ufe0f [PIN]"},
		{"fullwidth keyword", "ＰＩＮ 4321", "ＰＩＮ [PIN]"},
		{"spaced", "PIN 1 2 3 4", "PIN [PIN]"},
		{"dashed", "PIN 12-34", "PIN [PIN]"},
		{"dotted", "PIN 12 . 34", "PIN [PIN]"},
		{"wide", "PIN 1\u30002\u30003\u30004", "PIN [PIN]"},
		{"fullwidth", "PIN １２３４", "PIN [PIN]"},
		{"thai", "PIN ๑๒๓๔", "PIN [PIN]"},
		{"mixed", "PIN 1٢３४", "PIN [PIN]"},
		{"invisible", "PIN 1\u200b2\u00ad3\u200d4", "PIN [PIN]"},
		{"glued", "pin1234", "pin[PIN]"},
		{"after slash", "1234567890/1234", "[booking number]/[PIN]"},
		{"after slash spaced", "1234 567 890 / 12 34", "[booking number] / [PIN]"},
		{"after pin", "1234567890 pin 1234", "[booking number] pin [PIN]"},
		{"after comma PIN", "1234567890, PIN 1234", "[booking number], PIN [PIN]"},
		{"after paren PIN", "1234567890 (PIN 1234)", "[booking number] (PIN [PIN])"},
		{"after paren", "1234567890 (1234)", "[booking number] ([PIN])"},
		{"after grouped 2-2-2-2-2", "12 34 56 78 90 / 4321", "[booking number] / [PIN]"},
		{"after dash", "1234567890 - 4321", "[booking number] - [PIN]"},
		{"after colon", "1234567890:4321", "[booking number]:[PIN]"},
		{"after fullwidth", "１２３４５６７８９０／４３２１", "[booking number]／[PIN]"},
		{"after spaced pin", "1234567890 1 2 3 4", "[booking number] [PIN]"},
		{"after year-like", "1234567890 2024", "[booking number] [PIN]"},
		{"keyword then booking then pin", "PIN: 1234567890 1234", "PIN: [booking number] [PIN]"},
	}
	// A PIN keyword in each language customers write in.
	for _, kw := range []string{
		"PIN", "my PIN is", "codice PIN", "il PIN è", "PIN saya", "kode PIN", "PIN-nya", "código PIN", "clave",
		"die PIN lautet", "PIN-Code", "Geheimzahl", "code PIN", "le code PIN est", "senha", "o PIN é",
		"pincode", "mijn pincode is", "PIN kodu", "şifre", "şifrem", "kod PIN", "PIN-kod", "PIN-koodi",
		"ПИН", "ПИН-код", "пин-код", "الرقم السري", "رمز PIN", "पिन", "पिन नंबर", "密码", "密码是", "PIN码", "暗証番号", "暗証番号は",
		"비밀번호", "passcode", "Pin", "pIN",
	} {
		cases = append(cases, shapeCase{"keyword " + kw, kw + " 7391 ok", kw + " [PIN] ok"})
	}
	checkShapeCases(t, cases)
}

// TestPINNamedAfter: a PIN whose keyword comes after it, as customers
// also write, is found; the digits before a keyword that belongs to other
// digits, or that name another thing, are not a PIN.
func TestPINNamedAfter(t *testing.T) {
	checkShapeCases(t, []shapeCase{
		{"english", "1234 is my PIN", "[PIN] is my PIN"},
		{"english, end of sentence", "hi, 4321 is the pin. thanks", "hi, [PIN] is the pin. thanks"},
		{"german", "4321 ist meine PIN!", "[PIN] ist meine PIN!"},
		{"italian", "4321 è il mio PIN", "[PIN] è il mio PIN"},
		{"indonesian", "4321 adalah PIN saya", "[PIN] adalah PIN saya"},
		{"chinese", "4321是我的密码", "[PIN]是我的密码"},
		{"japanese", "4321が暗証番号です", "[PIN]が暗証番号です"},
		{"parenthesised", "4321 (PIN)", "[PIN] (PIN)"},
		{"spaced digits", "1 2 3 4 is my PIN", "[PIN] is my PIN"},
		{"fullwidth, invisible keyword", "１２３４ is my P​IN", "[PIN] is my P​IN"},
		{"after a date", "on 17.05.2024 1234 is my PIN", "on 17.05.2024 [PIN] is my PIN"},
		{"after a date, no booking number across", "from 2027/12/23 33 21 is my PIN", "from 2027/12/23 [PIN] is my PIN"},
		{"after a price", "paid Rp1.378.000 4928 is my PIN", "paid Rp1.378.000 [PIN] is my PIN"},
		{"after a phone of open length", "call 0049 30 3698254 7719 ist die Geheimzahl", "call 0049 30 3698254 [PIN] ist die Geheimzahl"},
		{"both sides of one keyword", "1204 PIN 4321", "[PIN] PIN [PIN]"},
		{"a phone's end before another PIN's keyword", "call 09 2166 0819 and the PIN is 0200", "call 09 2166 0819 and the PIN is [PIN]"},
		{"noun before", "room 1234 is next to the PIN pad", "room 1234 is next to the PIN pad"},
		{"room then PIN", "room 1204 PIN 4321", "room 1204 PIN [PIN]"},
		{"postcode", "3183 AB Amsterdam, my PIN 4321", "3183 AB Amsterdam, my PIN [PIN]"},
		{"too many words between", "2024 was the year I lost my PIN", "2024 was the year I lost my PIN"},
		{"another sentence", "I paid 1234. My PIN is 5678", "I paid 1234. My PIN is [PIN]"},
		{"another line", "1234\nmy PIN", "1234\nmy PIN"},
	})
}

func TestCardShapes(t *testing.T) {
	checkShapeCases(t, []shapeCase{
		{"contiguous", "card 4111111111111111", "card [card number]"},
		{"4-4-4-4", "card 4111 1111 1111 1111", "card [card number]"},
		{"dashes", "5500-0000-0000-0004", "[card number]"},
		{"amex", "3782 822463 10005", "[card number]"},
		{"13", "4222222222222", "[card number]"},
		{"19", "6011 0009 9013 9424 009", "[card number]"},
		{"not luhn", "4111 1111 1111 1112", "4111 1111 1111 1112"},
		{"fullwidth", "４１１１１１１１１１１１１１１１", "[card number]"},
	})
}

// decoyCases must come back byte for byte.
var decoyCases = map[string][]string{
	"phone": {
		"+39 02 9129 4973", "02 9129 4973", "+44 20 7946 0958", "+1 (212) 555-0187", "+1 212 555 0187",
		"+44 (0)20 7946 0958", "+44 (0) 20 7946 0958", "020 7946 0958", "+49 30 12345678", "0049 30 12345678",
		"030 12345678", "+33 1 23 45 67 89", "06 12 34 56 78", "+62 812 3456 7890", "0812-3456-7890",
		"+7 495 123-45-67", "+90 212 123 45 67", "+48 22 123 45 67", "+31 20 123 4567", "+34 912 345 678",
		"+351 21 123 4567", "+86 10 1234 5678", "+81 3-1234-5678", "+971 4 123 4567", "+91 98765 43210",
		"+66 2 123 4567", "+39 347 123 4567", "0039 347 123 4567", "+393471234567", "+1-212-555-0187",
		"+44 7700 900123", "07700 900123", "+39 1234567890", "(0) 1234567890", "+７ ４９５ １２３ ４５ ６７",
		"+39 02 9129 4973 / +39 02 9129 4974", "tel. 02 233 31 342",
	},
	"price": {
		"€1.234,56", "€ 2.340,00", "Rp 1.250.000", "Rp1.250.000", "USD 1,299.00", "$129.99", "1.234,56 €",
		"1.234.567,89 €", "EUR 1234.567.890", "Rp 1.250.000.000", "£45", "₹ 12,500", "R$ 1.299,90",
		"1 250 000 ₽", "2.500 TL", "1 299 zł", "¥150000", "AED 1,250", "129,99 €", "€ 1 234 567 890",
		"$ 1 234 567 890", "1234567890 €", "50EUR", "USD1299",
	},
	"date": {
		"17.05.2024", "17/05/2024", "2024-05-17", "5/17/2024", "17-05-2024", "17.5.24", "2024/05/17",
		"17 . 05 . 2024",
	},
	"time":     {"14:30", "9:05", "14:30:15", "2024-05-17 14:30", "17.05.2024 14:30", "14.30"},
	"flight":   {"LH 1234", "LH1234", "flight AZ 610", "KL 1602", "U2 8123", "EK 92"},
	"postcode": {"10115 Berlin", "00184 Roma", "1012 AB Amsterdam", "75008 Paris", "SW1A 1AA", "10001-1234", "34000"},
	"room":     {"room 1204", "room 304", "Zimmer 12", "camera 1204", "kamar 1234"},
	"other id": {
		"order 12345678", "ordine 123456789", "12345678901", "123456789012", "#A1234567", "ticket 123-456-789",
		"order 1234 5678 9012", "id 123456789",
	},
	"handle":      {"@user1234567890", "@1234567890", "@BookingHelp", "x@1234567890", "mail 1234567890@example.com", "user_1234567890"},
	"hashtag":     {"#travel2025", "#hotel_1234567890", "#summer1234567890"},
	"ip and port": {"IP 198.51.100.20:4000", "remote=203.0.113.7:51234", "from 10.0.0.1:8080", "remote: 198.51.100.21:4000"},
	"url": {
		"https://x.com/i/status/1234567890123456789", "www.example.com/1234567890", "see example.com/b/1234567890 now",
		"<https://t.co/AbC123xYz?id=1234567890>", "https://example.com/r/1234 567 890",
	},
}

func TestDecoysUnchanged(t *testing.T) {
	for family, list := range decoyCases {
		for _, d := range list {
			for _, frame := range [][2]string{{"", ""}, {"please call ", " today"}, {"(", ")"}} {
				s := frame[0] + d + frame[1]
				if got, fs := Redact(s); got != s {
					t.Errorf("%s: Redact(%q) = %q, %v", family, s, got, fs)
				}
			}
		}
	}
}

func TestAllowedNumbers(t *testing.T) {
	r := New(WithAllowed("+1 800-555-0199", "+39 02 9129 4973"))
	for _, s := range []string{
		"call 800 555 0199", "call 1 800 555 0199", "call +1 800 555 0199", "8005550199", "800-555-0199 or 1234567890",
		"02 9129 4973", "0039 02 9129 4973",
	} {
		got := r.String(s)
		if !strings.Contains(got, "555") && !strings.Contains(got, "9129") {
			t.Errorf("allowed number damaged: %q -> %q", s, got)
		}
		if strings.Contains(readable(got), "1234567890") {
			t.Errorf("booking kept: %q -> %q", s, got)
		}
	}
	if got := String("call 800 555 0199"); got != "call [booking number]" {
		t.Errorf("without the option: %q", got)
	}
	if got := r.String("booking 1234567890"); got != "booking [booking number]" {
		t.Errorf("with the option: %q", got)
	}
}

func TestRedactorAPI(t *testing.T) {
	r := New(WithAllowed("+1 800 555 0199"))
	in := "call 800-555-0199\nbooking 1234567890\n"
	want := "call 800-555-0199\nbooking [booking number]\n"
	if got := r.String(in); got != want {
		t.Errorf("String = %q", got)
	}
	var b strings.Builder
	if err := r.Copy(&b, strings.NewReader(in)); err != nil || b.String() != want {
		t.Errorf("Copy = %q, %v", b.String(), err)
	}
	b.Reset()
	if err := r.CopyJSONL(&b, strings.NewReader(`{"text":"call 800 555 0199, PIN 1234"}`+"\n")); err != nil ||
		!strings.Contains(b.String(), "800 555 0199") || strings.Contains(b.String(), "1234\"") {
		t.Errorf("CopyJSONL = %q, %v", b.String(), err)
	}
	if !r.Contains("PIN 1234") || r.Contains("call 800 555 0199") {
		t.Error("Contains disagrees")
	}
	var logs strings.Builder
	slog.New(r.NewHandler(slog.NewTextHandler(&logs, nil))).Info("call 800 555 0199", "text", "booking 1234567890, PIN 1234")
	if out := logs.String(); !strings.Contains(out, "800 555 0199") || strings.Contains(out, "1234567890") || strings.Contains(out, "1234\"") {
		t.Errorf("handler output: %s", out)
	}
	logs.Reset()
	slog.New(NewHandler(slog.NewTextHandler(&logs, nil))).Info("login", "remote", "198.51.100.20:4000", "ip", "203.0.113.7")
	if out := logs.String(); !strings.Contains(out, "198.51.100.20:4000") || !strings.Contains(out, "203.0.113.7") {
		t.Errorf("handler masked an address: %s", out)
	}
	var nilR *Redactor
	if nilR.String("booking 1234567890") != "booking [booking number]" {
		t.Error("a nil *Redactor does not redact")
	}
	// Short allowed numbers are ignored rather than shielding PINs.
	if got := New(WithAllowed("1234")).String("PIN 1234"); got != "PIN [PIN]" {
		t.Errorf("WithAllowed(short) = %q", got)
	}
}
