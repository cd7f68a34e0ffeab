package language

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

// TestModels checks the embedded store: its languages are the default set
// and a few lookups find what lingua's English models hold.
func TestModels(t *testing.T) {
	m, err := openModels()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, id := range m.ids {
		codes = append(codes, modelfile.Codes[id])
	}
	want := slices.Clone(DefaultLanguages)
	slices.SortFunc(want, func(a, b string) int { return modelfile.ID(a) - modelfile.ID(b) })
	if !slices.Equal(codes, want) {
		t.Errorf("stored languages %v, want the default set %v", codes, want)
	}
	en := m.slotOf(idEnglish)
	// logp returns English's log probability of the n-gram s, or NaN.
	logp := func(s string) float64 {
		rs := []rune(s)
		id, ok := m.unigram(rs[0])
		for l := 1; ok && l < len(rs); l++ {
			var c uint32
			if c, ok = m.unigram(rs[l]); ok {
				id, ok = m.child(l-1, id, c)
			}
		}
		if !ok {
			return math.NaN()
		}
		start, end := m.postings(len(rs)-1, id)
		for q := start; q < end; q++ {
			if slot, code := m.posting(len(rs)-1, q); slot == en {
				return m.logp(slot, len(rs)-1, code)
			}
		}
		return math.NaN()
	}
	for _, tc := range []struct {
		ngram string
		found bool
	}{{"e", true}, {"th", true}, {"the", true}, {"thin", true}, {"thing", true}, {"qqqqq", false}, {"ж", false}, {"日", false}} {
		lp := logp(tc.ngram)
		if found := !math.IsNaN(lp); found != tc.found || found && (lp > 0 || lp < -30) {
			t.Errorf("English %q: log probability %v, want found %v", tc.ngram, lp, tc.found)
		}
	}
	if a, b := logp("thing"), logp("thinx"); !(a > math.Log(0.01)) || !math.IsNaN(b) {
		t.Errorf("P(thing|thin) = %v, P(thinx|thin) = %v", math.Exp(a), b)
	}
	if _, ok := m.unigram('日'); !ok {
		t.Error("no unigram for 日 (Chinese and Japanese models)")
	}
}

// TestParseModelsRejects: a damaged store is refused with ErrModels, not
// read out of bounds.
func TestParseModelsRejects(t *testing.T) {
	withByte := func(i int, b byte) string {
		s := []byte(modelData[:4096])
		s[i] = b
		return string(s) + modelData[4096:]
	}
	for name, data := range map[string]string{
		"empty":     "",
		"magic":     "XXXX" + modelData[4:],
		"version":   withByte(4, 9),
		"sections":  withByte(8, 3),
		"truncated": modelData[:len(modelData)/2],
		"offset":    withByte(modelfile.HeaderSize-8, 0xff),
	} {
		if _, err := parseModels(data); !errors.Is(err, ErrModels) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestWordLists: the English word lists are sorted (binary search) and
// apart.
func TestWordLists(t *testing.T) {
	for _, l := range [][]string{englishWords, sharedEnglishWords} {
		if !slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) {
			t.Errorf("not sorted or repeated: %v", l)
		}
	}
	for _, w := range sharedEnglishWords {
		if _, ok := slices.BinarySearch(englishWords, w); ok {
			t.Errorf("%q in both lists", w)
		}
	}
	if got := englishCount("The staff DIDN’T answer, Layla is here", false); got != 4 {
		t.Errorf("englishCount = %d, want 4 (the, staff, didn't, here)", got)
	}
	if got := englishCount("Amsterdam is a city", true); got != 2 {
		t.Errorf("englishCount with shared words = %d, want 2", got)
	}
}

// FuzzDetect: any text gets a verdict, confidences in [0,1] that sum to
// one or are all zero, and no panic.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", "hello there", "日本語のテキスト abc", "Привет hello", "straße ÇA", "\xff\xfe", strings.Repeat("abc ", 100), "ǅ ﬁ ẞ", "İı"} {
		f.Add(s)
	}
	d, err := Start(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := d.detect(text)
		if r.English != English && r.English != NotEnglish && r.English != Unsure {
			t.Fatalf("verdict %q", r.English)
		}
		var sc scores
		d.sc.score(Clean(text), &sc)
		sum := 0.0
		for _, c := range sc.conf {
			if c < 0 || c > 1 || math.IsNaN(c) {
				t.Fatalf("confidence %v", c)
			}
			sum += c
		}
		if sum != 0 && math.Abs(sum-1) > 1e-9 {
			t.Fatalf("confidences sum to %v", sum)
		}
	})
}
