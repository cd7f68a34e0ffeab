package language

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// subsetDetector builds a detector over codes.
func subsetDetector(t *testing.T, codes []string) *Detector {
	t.Helper()
	d, err := Start(Config{Languages: codes})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCompareLanguageSets measures subsets of the stored languages on the
// held-out split: how well they catch the languages they know, and,
// leaving each test language out in turn, how a language outside the set
// fares (caught as not English, or called English). It takes a minute or
// so, so it runs only with LANGUAGE_COMPARE=1; its output is the table in
// README-section.md.
func TestCompareLanguageSets(t *testing.T) {
	if os.Getenv("LANGUAGE_COMPARE") == "" {
		t.Skip("set LANGUAGE_COMPARE=1 to compare language sets")
	}
	test29 := strings.Split("af,ar,ca,cs,da,de,et,fi,fr,hr,hu,id,it,ja,lt,nl,nb,pl,pt,ro,ru,sk,es,sv,sw,tl,tr,vi,ms", ",")
	sets := []struct {
		name  string
		codes []string
	}{
		{"test languages + English (30)", test29},
		{"default", DefaultLanguages},
	}
	samples := tweetSet(t, heldSplit)
	var b strings.Builder
	b.WriteString("| set | languages | English 4+ called not English | non-English 4+ caught | 1-3 words: English called not English / non-English caught | a language outside the set, 4+: caught / called English |\n|---|---|---|---|---|---|\n")
	for _, set := range sets {
		d := subsetDetector(t, set.codes)
		r := evaluate(d, samples)
		tot, caught, asEN := 0, 0, 0
		var worst []string
		for l3, l1 := range iso1 {
			if l3 == "eng" {
				continue
			}
			var sub []string
			for _, c := range d.Languages() {
				if c != l1 {
					sub = append(sub, c)
				}
			}
			var ss []sample
			for _, s := range samples {
				if s.lang == l3 {
					ss = append(ss, s)
				}
			}
			o := evaluate(subsetDetector(t, sub), ss).other["4+"]
			tot, caught, asEN = tot+o.n, caught+o.not, asEN+o.english
			worst = append(worst, fmt.Sprintf("%s %.0f%%/%.1f%%", l3, o.pct(o.not), o.pct(o.english)))
		}
		sort.Strings(worst)
		en, other := r.en["4+"], r.other["4+"]
		fmt.Fprintf(&b, "| %s | %d | %.2f%% | %.2f%% | %.2f%% / %.1f%% | %.1f%% / %.2f%% |\n", set.name, len(d.Languages()),
			en.pct(en.not), other.pct(other.not), r.en["1-3"].pct(r.en["1-3"].not), r.other["1-3"].pct(r.other["1-3"].not),
			100*float64(caught)/float64(tot), 100*float64(asEN)/float64(tot))
		t.Logf("%s: left out in turn (caught/called English): %s", set.name, strings.Join(worst, " "))
	}
	t.Logf("\n%s", b.String())
}
