package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRedact checks the properties every input must have: no panic, valid
// findings, idempotence, nothing left to find after redaction, bytes outside
// findings kept, and Copy agreeing with String.
func FuzzRedact(f *testing.F) {
	for _, c := range redactCases {
		f.Add(c.in)
	}
	for _, s := range unchangedCases {
		f.Add(s)
	}
	for _, s := range []string{
		"PIN 1234 5678", "[PIN] 1234", "PIN [PIN] 5678", "PIN 1234-1234567890",
		"PIN 12.34.1234567890", "1234567890 1234 5678", "1234567890-1234-5678",
		"#1234567890#1234", "pin\n1234", "PIN\u200b:\u200b1\u200b2\u200b3\u200b4",
		"1 2 3 4 5 6 7 8 9 0", "1234 567 890 1234 567 890", "+1234 567 890 1234",
		"Rp 1234.567.890,00", "(12) 1234567890", "4111 1111 1111 1111 1234567890 1234",
		"\xff1234567890\xfe", "pin\xff1234", "ＰＩＮ１２３４", "密码1234567890",
		"www.x.com/1234567890 1234567890", "x@1234567890", "1234567890@x",
		"PIN-1234-5678", "1234567890\u00ad\u00ad1234", "PIN ##1234",
	} {
		f.Add(s)
	}
	// A seed for every shape family of the specification and every decoy
	// family.
	for _, g := range specGroupings {
		f.Add("booking " + grouped("4725918306", g, " . ") + " / 12-34")
	}
	for _, sep := range specSeparators {
		f.Add("ref " + grouped("4725918306", []int{2, 2, 2, 2, 2}, sep) + sep + "1234")
	}
	for _, z := range specScripts {
		f.Add(inScript("PIN 1 2 3 4, booking 1234 567 890", z))
	}
	for _, inv := range specInvisibles {
		f.Add(withInvisible("P"+"IN 1234 booking1234567890", inv))
	}
	for _, list := range decoyCases {
		for _, d := range list {
			f.Add(d + " 12 34 56 78 90")
			f.Add("1234 567 890 " + d)
		}
	}
	for _, p := range gluePrefixes {
		f.Add(p + "1234567890/1234")
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, fs := Redact(s)
		if len(fs) == 0 && out != s {
			t.Fatalf("no findings but text changed: %q -> %q", s, out)
		}
		prev := 0
		var rebuilt strings.Builder
		for _, f := range fs {
			if f.Start < prev || f.End <= f.Start || f.End > len(s) {
				t.Fatalf("%q: bad finding %+v", s, f)
			}
			if !utf8.ValidString(s[f.Start:f.End]) {
				t.Fatalf("%q: finding %+v covers invalid UTF-8", s, f)
			}
			if got := normalizedDigits(s[f.Start:f.End]); got != f.Value {
				t.Fatalf("%q: finding %+v covers digits %q", s, f, got)
			}
			rebuilt.WriteString(s[prev:f.Start])
			rebuilt.WriteString(Placeholder(f.Kind))
			prev = f.End
		}
		rebuilt.WriteString(s[prev:])
		if rebuilt.String() != out {
			t.Fatalf("%q: output %q does not match findings", s, out)
		}
		if again := String(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
		if more := Find(out); more != nil {
			t.Fatalf("redacted %q of %q still has findings %+v", out, s, more)
		}
		if Contains(s) != (len(fs) > 0) {
			t.Fatalf("Contains(%q) disagrees with Find", s)
		}
		var b strings.Builder
		if err := Copy(&b, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
		if b.String() != out {
			t.Fatalf("Copy(%q) = %q, String = %q", s, b.String(), out)
		}
	})
}

// TestTokenSoup checks the FuzzRedact properties on texts assembled from the
// pieces the rules care about (digits, separators, keywords, placeholders,
// phone and price marks), which byte-level mutation reaches only slowly.
func TestTokenSoup(t *testing.T) {
	pieces := []string{
		"1", "12", "123", "1234", "4111", "1111", "567", "890", "1234567890", "4111111111111111",
		"٣", "５", "७", " ", " ", "\u00a0", "\u2009", ".", "-", "–", "/", ":", ",", "(", ")",
		"#", "+", "@", "_", "€", "$", "Rp ", "00", "\u200b", "\u00ad", "\ufeff", "\n",
		"PIN", "pin", " PIN ", "kode PIN ", "code", "is", "room ", "x", "é", "密码", "https://",
		"www.", ".com/", "[PIN]", "[booking number]", "[card number]", "[", "]", "\xff", "?",
		// The new families: wider separators, marks, glued keywords,
		// phone and price neighbours, dates and times.
		" . ", " - ", "·", "\u3000", "\u0301", "\ufe0f", "\u200e", "booking", "nr.", "n°", "ref:",
		"+39 ", "(0) ", "0039 ", "17.05.2024", "14:30", "2.340,00", "LH", "U2 ", "order ", "0",
		"12 34", "4321", " / ",
	}
	rng := uint64(42)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	iterations := 30000
	if testing.Short() {
		iterations = 3000
	}
	for it := 0; it < iterations; it++ {
		var b strings.Builder
		for k, n := 0, 1+next(14); k < n; k++ {
			b.WriteString(pieces[next(len(pieces))])
		}
		s := b.String()
		out, fs := Redact(s)
		checkFindings(t, s, fs)
		if again := String(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
		if more := Find(out); more != nil {
			t.Fatalf("redacted %q of %q still has findings %+v", out, s, more)
		}
		var c strings.Builder
		if err := Copy(&c, strings.NewReader(s)); err != nil || c.String() != out {
			t.Fatalf("Copy(%q) = %q, %v; String = %q", s, c.String(), err, out)
		}
	}
}
