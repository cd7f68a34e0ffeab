package redact

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unsafe"
)

// redactCases pair a text with its exact redaction. They cover every rule in
// several languages and the usual ways of disguising digits.
var redactCases = []struct {
	name, in, want string
}{
	// Booking numbers: contiguous and 4-3-3 with every separator.
	{"en contiguous", "booking 1234567890 please", "booking [booking number] please"},
	{"en spaces", "my booking is 1234 567 890.", "my booking is [booking number]."},
	{"it dots", "prenotazione 1234.567.890, grazie", "prenotazione [booking number], grazie"},
	{"id dashes", "nomor pemesanan 1234-567-890 belum", "nomor pemesanan [booking number] belum"},
	{"es en dash", "reserva 1234–567–890", "reserva [booking number]"},
	{"de hash", "Buchungsnummer #1234567890!", "Buchungsnummer [booking number]!"},
	{"fr double hash", "réservation ##1234567890", "réservation #[booking number]"},
	{"fullwidth hash", "予約番号＃1234567890", "予約番号[booking number]"},
	{"nbsp", "reserva 1234\u00a0567\u00a0890", "reserva [booking number]"},
	{"narrow nbsp", "Buchung 1234\u202f567\u202f890", "Buchung [booking number]"},
	{"thin space", "boeking 1234\u2009567\u2009890", "boeking [booking number]"},
	{"six-per-em space", "rezervasyon 1234\u2006567\u2006890", "rezervasyon [booking number]"},
	{"zero-width space", "booking 12\u200b34\u200b567\u200b890", "booking [booking number]"},
	{"zwnj zwj", "booking 1234\u200c567\u200d890", "booking [booking number]"},
	{"word joiner", "booking 1\u20602\u206034567890", "booking [booking number]"},
	{"soft hyphen", "Buchung 1234\u00ad567\u00ad890", "Buchung [booking number]"},
	{"bom", "booking \ufeff1234567890", "booking \ufeff[booking number]"},
	{"invisible group separators", "booking 1234\u200b \u200b567 890", "booking [booking number]"},
	{"fullwidth digits", "予約番号１２３４５６７８９０です", "予約番号[booking number]です"},
	{"arabic-indic", "رقم الحجز ١٢٣٤٥٦٧٨٩٠", "رقم الحجز [booking number]"},
	{"extended arabic-indic", "شماره رزرو ۱۲۳۴ ۵۶۷ ۸۹۰", "شماره رزرو [booking number]"},
	{"devanagari", "बुकिंग नंबर १२३४५६७८९० है", "बुकिंग नंबर [booking number] है"},
	{"bengali", "বুকিং ১২৩৪৫৬৭৮৯০", "বুকিং [booking number]"},
	{"mixed scripts", "booking 12３４5٦7८9０", "booking [booking number]"},
	{"cjk glued", "我的预订号1234567890谢谢", "我的预订号[booking number]谢谢"},
	{"two bookings", "1234567890 and 9876 543 210", "[booking number] and [booking number]"},
	{"booking after short group", "room 2 1234567890", "room 2 [booking number]"},
	{"booking in parentheses", "(1234567890)", "([booking number])"},
	{"booking line end", "ref:\n1234567890\n", "ref:\n[booking number]\n"},

	// PINs after keywords, in many languages.
	{"en pin", "PIN 1234", "PIN [PIN]"},
	{"en my pin is", "my pin is 1234 thanks", "my pin is [PIN] thanks"},
	{"en pin code", "pin code: 1234", "pin code: [PIN]"},
	{"en the pin =", "the pin = 1234", "the pin = [PIN]"},
	{"en PIN#", "PIN#1234", "PIN[PIN]"},
	{"en PIN:", "PIN:1234", "PIN:[PIN]"},
	{"en glued", "pin1234", "pin[PIN]"},
	{"en passcode", "passcode 9876", "passcode [PIN]"},
	{"it codice pin", "il codice PIN è 4321", "il codice PIN è [PIN]"},
	{"it il pin è", "il PIN è 4321", "il PIN è [PIN]"},
	{"id pin saya", "PIN saya 4321", "PIN saya [PIN]"},
	{"id pin nya", "pin nya 4321 ya", "pin nya [PIN] ya"},
	{"id kode pin adalah", "kode PIN adalah 4321", "kode PIN adalah [PIN]"},
	{"es codigo pin", "mi código PIN es 0042", "mi código PIN es [PIN]"},
	{"de pin lautet", "die PIN lautet 5555.", "die PIN lautet [PIN]."},
	{"de pin-code", "PIN-Code: 5555", "PIN-Code: [PIN]"},
	{"fr code pin est", "le code PIN est 8080", "le code PIN est [PIN]"},
	{"pt senha", "a senha é 8080", "a senha é [PIN]"},
	{"pt codigo pin", "o código PIN é 8080", "o código PIN é [PIN]"},
	{"nl pincode", "mijn pincode is 1357", "mijn pincode is [PIN]"},
	{"tr sifre without accent", "sifre 2468", "sifre [PIN]"},
	{"tr sifrem after", "2468 sifrem", "[PIN] sifrem"},
	{"tr pin kodu", "PIN kodu 2468", "PIN kodu [PIN]"},
	{"pl pin-kod", "PIN-kod 2468", "PIN-kod [PIN]"},
	{"sv pin-kod", "min PIN-kod är 2468", "min PIN-kod är [PIN]"},
	{"fi pin-koodi", "PIN-koodi on 2468", "PIN-koodi on [PIN]"},
	{"ru pin", "мой ПИН-код 2468", "мой ПИН-код [PIN]"},
	{"zh mima", "密码是2468", "密码是[PIN]"},
	{"zh pin ma", "PIN码 2468", "PIN码 [PIN]"},
	{"pin spaced digits", "PIN 4 3 2 1", "PIN [PIN]"},
	{"pin dashed digits", "PIN 43-21", "PIN [PIN]"},
	{"pin zero-width digits", "PIN 4\u200b3\u200b2\u200b1", "PIN [PIN]"},
	{"pin fullwidth", "ＰＩＮ：４３２１", "ＰＩＮ：[PIN]"},
	{"pin arabic-indic", "PIN ٤٣٢١", "PIN [PIN]"},
	{"pin devanagari", "पिन ४३२१", "पिन [PIN]"},
	{"pin then more digits", "PIN 1234 5678", "PIN [PIN] 5678"},
	{"pin four fillers", "PIN for my room is 1234", "PIN for my room is [PIN]"},

	// PINs right after a booking number.
	{"after slash", "1234567890/1234", "[booking number]/[PIN]"},
	{"after space", "1234567890 1234", "[booking number] [PIN]"},
	{"after keyword", "1234567890 pin 1234", "[booking number] pin [PIN]"},
	{"in parentheses", "1234567890 (PIN 1234)", "[booking number] (PIN [PIN])"},
	{"after dash", "1234567890 - 1234", "[booking number] - [PIN]"},
	{"after grouped", "1234 567 890 / 12 34", "[booking number] / [PIN]"},
	{"after colon", "1234567890:1234", "[booking number]:[PIN]"},
	{"year after comma", "booking 1234567890, 2024", "booking [booking number], 2024"},
	{"date after booking", "1234567890 2024-05-17", "[booking number] 2024-05-17"},
	{"time after booking", "1234567890 14:30", "[booking number] 14:30"},

	// Card numbers.
	{"card 4-4-4-4", "card 4111 1111 1111 1111 exp", "card [card number] exp"},
	{"card dashes", "4111-1111-1111-1111", "[card number]"},
	{"card contiguous", "cc 4111111111111111", "cc [card number]"},
	{"card amex 4-6-5", "amex 3782 822463 10005", "amex [card number]"},
	{"card 19 digits", "6011 0009 9013 9424 009", "[card number]"},
	{"card nbsp", "5500\u00a00000\u00a00000\u00a00004", "[card number]"},
	{"card fullwidth", "カード４１１１１１１１１１１１１１１１", "カード[card number]"},
	{"card then booking", "4111111111111111 1234567890", "[card number] [booking number]"},
}

func TestRedactCases(t *testing.T) {
	for _, c := range redactCases {
		got, fs := Redact(c.in)
		if got != c.want {
			t.Errorf("%s: Redact(%q) = %q, want %q (findings %v)", c.name, c.in, got, c.want, fs)
		}
		if len(fs) == 0 {
			t.Errorf("%s: no findings", c.name)
		}
		if !Contains(c.in) {
			t.Errorf("%s: Contains = false", c.name)
		}
	}
}

// unchangedCases must come back byte for byte.
var unchangedCases = []string{
	// Phones.
	"call +39 02 9129 4973 please",
	"tel 02 233 31 342",
	"+1 (212) 555-0187",
	"+62 812 3456 7890",
	"0049 30 12345678",
	"+1234567890",
	"+39 1234567890",
	"0039 1234 567 890",
	"(0) 1234567890",
	"WhatsApp +44 7700 900123",
	// Prices.
	"€1.234,56", "Rp 1.250.000", "USD 1,299.00", "$129.99", "Rp 1.250.000.000",
	"1.234.567,89 €", "EUR 1234.567.890", "total 1.234.567,89", "paid 1234567890 US$",
	// Dates, times, years.
	"2024-05-17", "17.05.2024", "17/05/2024", "14:30", "in 2024", "check-in 2024-05-17 14:30",
	"I forgot my PIN since 12.03.2025", "PIN reset on 2024-05-17", "PIN? 17.05.2024",
	// Rooms, flights, postcodes.
	"room 1204", "room 1234", "LH 1234", "LH1234", "flight AZ 610", "10115 Berlin",
	"00184 Roma", "1012 AB Amsterdam", "my PIN is fine, room 1234",
	// Keywords that are not PIN keywords.
	"spinning 1234", "pinned 2024", "Pinterest 1234", "opinion 1234",
	"I forgot my PIN, how do I find it? 2025-03-12",
	"PIN and then a lot of other words 1234",
	"PIN for my new room is 1234",
	// Handles, hashtags, URLs, e-mail.
	"@user1234567890", "@1234567890", "#travel2025", "#hotel_1234567890",
	"https://x.com/status/1234567890123456789",
	"www.example.com/1234567890",
	"see example.com/b/1234567890 now",
	"<https://t.co/AbC123xYz?id=1234567890>",
	"mail 1234567890@example.com",
	"user_1234567890",
	// Numbers of other lengths and shapes.
	"12345678901", "123456789", "0987 654 321", "0123456789", "1234 5678",
	"4111 1111 1111 1112", "0000 0000 0000 0000",
	// Placeholders and lookalikes.
	"[PIN] 1234", "[booking number] [PIN]", "PIN [PIN] 5678",
	"", "no digits at all", "日本語のテキスト",
}

func TestUnchanged(t *testing.T) {
	for _, s := range unchangedCases {
		got, fs := Redact(s)
		if got != s || fs != nil {
			t.Errorf("Redact(%q) = %q, %v; want unchanged", s, got, fs)
			continue
		}
		if len(s) > 0 && unsafe.StringData(got) != unsafe.StringData(s) {
			t.Errorf("Redact(%q) returned a copy, want the same string", s)
		}
		if Contains(s) {
			t.Errorf("Contains(%q) = true", s)
		}
	}
}

// TestFindingOffsets checks Start, End and Value for the new shapes:
// offsets are byte offsets into the original text, around invisible runes
// and digits of other scripts.
func TestFindingOffsets(t *testing.T) {
	cases := []struct {
		in    string
		spans []string // the text each finding covers
		kinds []Kind
		vals  []string
	}{
		{"booking1234567890 ok", []string{"1234567890"}, []Kind{BookingNumber}, []string{"1234567890"}},
		{"ref #12\u200b34 56\u00ad78 90!", []string{"#12\u200b34 56\u00ad78 90"}, []Kind{BookingNumber}, []string{"1234567890"}},
		{"P\u200bIN is ١٢ . ३४", []string{"١٢ . ३४"}, []Kind{PIN}, []string{"1234"}},
		{"12345 67890/1 2 3 4.", []string{"12345 67890", "1 2 3 4"}, []Kind{BookingNumber, PIN}, []string{"1234567890", "1234"}},
		{"+1 (212) 555-0187 1234 567 890", []string{"1234 567 890"}, []Kind{BookingNumber}, []string{"1234567890"}},
		{"€ 2.340,00 1234567890", []string{"1234567890"}, []Kind{BookingNumber}, []string{"1234567890"}},
		{"KL1234 1234 567 890", []string{"1234 567 890"}, []Kind{BookingNumber}, []string{"1234567890"}},
		{"１２３４ ５６７ ８９０ (PIN ４３２１)", []string{"１２３４ ５６７ ８９０", "４３２１"}, []Kind{BookingNumber, PIN}, []string{"1234567890", "4321"}},
	}
	for _, c := range cases {
		fs := Find(c.in)
		if len(fs) != len(c.spans) {
			t.Errorf("Find(%q) = %+v, want %d findings", c.in, fs, len(c.spans))
			continue
		}
		for i, f := range fs {
			if got := c.in[f.Start:f.End]; got != c.spans[i] || f.Kind != c.kinds[i] || f.Value != c.vals[i] {
				t.Errorf("Find(%q)[%d] = %s %q %q, want %s %q %q", c.in, i, f.Kind, got, f.Value, c.kinds[i], c.spans[i], c.vals[i])
			}
		}
	}
}

func TestFindKindsAndValues(t *testing.T) {
	s := "Booking #1234 567 890, PIN ４３-２１, card 4111-1111-1111-1111."
	got := Find(s)
	want := []Finding{
		{Kind: BookingNumber, Start: strings.Index(s, "#"), End: strings.Index(s, "890") + 3, Value: "1234567890"},
		{Kind: PIN, Start: strings.Index(s, "４"), End: strings.Index(s, "１") + len("１"), Value: "4321"},
		{Kind: CardNumber, Start: strings.Index(s, "4111"), End: strings.LastIndex(s, "1111") + 4, Value: "4111111111111111"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Find(%q)\n got %+v\nwant %+v", s, got, want)
	}
}

// normalizedDigits keeps the ASCII value of each digit in s.
func normalizedDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
		}
	}
	return b.String()
}

func checkFindings(t *testing.T, s string, fs []Finding) {
	t.Helper()
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.End <= f.Start || f.End > len(s) {
			t.Fatalf("%q: bad or overlapping finding %+v after %d", s, f, prev)
		}
		prev = f.End
		span := s[f.Start:f.End]
		if got := normalizedDigits(span); got != f.Value {
			t.Errorf("%q: span %q has digits %q, Value %q", s, span, got, f.Value)
		}
		// Two readings of one run that tie are masked together, as one
		// finding with the digits of both.
		want := map[Kind]func(int) bool{
			BookingNumber: func(n int) bool { return n >= 10 },
			PIN:           func(n int) bool { return n >= 4 },
			CardNumber:    func(n int) bool { return n >= 13 },
		}[f.Kind]
		if want == nil || !want(len(f.Value)) {
			t.Errorf("%q: finding %+v has wrong kind or length", s, f)
		}
		// A span starts with a digit or '#' and ends with a digit.
		first := []rune(span)[0]
		last := []rune(span)[len([]rune(span))-1]
		if !(digitValue(first) >= 0 || isHash(first)) || digitValue(last) < 0 {
			t.Errorf("%q: span %q does not cover just the secret", s, span)
		}
	}
}

func TestOffsets(t *testing.T) {
	for _, c := range redactCases {
		checkFindings(t, c.in, Find(c.in))
	}
	for _, row := range loadCorpus(t) {
		fs := Find(row.Text)
		checkFindings(t, row.Text, fs)
		for _, sec := range row.Secrets {
			found := false
			for _, f := range fs {
				if f.Value == sec {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no finding with value %s", row.ID, sec)
			}
		}
	}
}

func TestIdempotent(t *testing.T) {
	var inputs []string
	for _, c := range redactCases {
		inputs = append(inputs, c.in)
	}
	inputs = append(inputs, unchangedCases...)
	inputs = append(inputs,
		"PIN 1234 5678 9012", "PIN 1234-1234567890", "PIN 12.34.1234567890",
		"1234567890 1234 5678", "PIN: 1234567890 1234", "pin pin pin 1 2 3 4 5 6 7 8",
	)
	for _, s := range inputs {
		once := String(s)
		if twice := String(once); twice != once {
			t.Errorf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
		if fs := Find(once); fs != nil {
			t.Errorf("redacted %q still has findings %v", once, fs)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	cases := []struct{ in, want string }{
		{"\xff\xfe PIN 1234 \xc3", "\xff\xfe PIN [PIN] \xc3"},
		{"booking\xe2\x82 1234567890\x80", "booking\xe2\x82 [booking number]\x80"},
		{"\x801234567890\x80", "\x80[booking number]\x80"},
		{"12\xff34567890", "12\xff34567890"},
		{"\xed\xa0\x80 4111 1111 1111 1111", "\xed\xa0\x80 [card number]"},
	}
	for _, c := range cases {
		got, fs := Redact(c.in)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
		checkFindings(t, c.in, fs)
	}
}

func TestDigitValue(t *testing.T) {
	zeros := map[string]rune{
		"ASCII": '0', "Arabic-Indic": 0x660, "Extended Arabic-Indic": 0x6F0,
		"NKo": 0x7C0, "Devanagari": 0x966, "Bengali": 0x9E6, "Gurmukhi": 0xA66,
		"Tamil": 0xBE6, "Thai": 0xE50, "Tibetan": 0xF20, "Myanmar": 0x1040,
		"Khmer": 0x17E0, "Mongolian": 0x1810, "Fullwidth": 0xFF10,
		"Math bold": 0x1D7CE, "Math double-struck": 0x1D7D8, "Math monospace": 0x1D7F6,
	}
	for name, z := range zeros {
		for v := 0; v < 10; v++ {
			if got := digitValue(z + rune(v)); got != v {
				t.Errorf("%s: digitValue(%U) = %d, want %d", name, z+rune(v), got, v)
			}
		}
	}
	for _, r := range []rune{'a', '/', ':', 0x2460 /* ① */, 0xB2 /* ² */, 0x2155, 0xFFFD, -1, 0x10FFFF} {
		if got := digitValue(r); got != -1 {
			t.Errorf("digitValue(%U) = %d, want -1", r, got)
		}
	}
	// Every Nd rune gets a value, and the ten runes of each run count 0..9.
	for r := rune(0); r <= unicode.MaxRune; r++ {
		v := digitValue(r)
		if unicode.IsDigit(r) != (v >= 0) {
			t.Fatalf("digitValue(%U) = %d, IsDigit = %v", r, v, unicode.IsDigit(r))
		}
		if v > 0 && digitValue(r-1) != v-1 {
			t.Fatalf("digitValue(%U) = %d but digitValue(%U) = %d", r, v, r-1, digitValue(r-1))
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for k, want := range map[Kind]string{
		BookingNumber: "[booking number]", PIN: "[PIN]", CardNumber: "[card number]",
	} {
		p := Placeholder(k)
		if p != want {
			t.Errorf("Placeholder(%q) = %q, want %q", k, p, want)
		}
		if strings.IndexFunc(p, unicode.IsDigit) >= 0 {
			t.Errorf("placeholder %q contains a digit", p)
		}
	}
}

func TestCopyEqualsString(t *testing.T) {
	// Copy works line by line but keeps the previous lines in view, so it
	// must agree with redacting the text at once.
	long := strings.Repeat("filler words here ", 20)
	texts := []string{
		"Booking number:\n1234567890\nPIN:\n1234\n",
		"PIN\n" + long + "\n4321\n",
		long + "PIN:\n1234 " + long + "\n1234567890/1234\nlast line without newline 1234567890",
		"#\n1234567890\n",
	}
	for _, row := range loadCorpus(t) {
		texts = append(texts, strings.Repeat(row.Text+"\n", 2))
	}
	// Look-backs as wide as they go: invisible runes between '#' and the
	// digits, a keyword far back, placeholders, keywords on the previous
	// line.
	inv := strings.Repeat("\u200b", maxTransparentSkip)
	texts = append(texts,
		strings.Repeat("x", 300)+"\nPIN "+strings.Repeat("a ", 3)+"#"+inv+"1234\n",
		"PIN:\n"+inv+"#"+inv+"4321\n",
		strings.Repeat("[PIN] ", 60)+"\n1234 5678\n",
		"+1 (212)\n555-0187 1234567890\n",
		"my booking is\n12 34 56 78 90 / 4321\n",
	)
	var gen strings.Builder
	for i, m := range generateCorpus() {
		if i%7 == 0 {
			gen.WriteString(m.text)
			gen.WriteString("\n")
		}
	}
	texts = append(texts, gen.String())
	var all strings.Builder
	for _, s := range texts {
		all.WriteString(s)
		all.WriteString("\n")
	}
	texts = append(texts, all.String())
	for _, s := range texts {
		var b strings.Builder
		if err := Copy(&b, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
		if want := String(s); b.String() != want {
			t.Errorf("Copy(%q) = %q, want %q", s, b.String(), want)
		}
	}
}
