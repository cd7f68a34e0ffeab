package language

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// bucket names a length bucket by the words left after Clean.
func bucket(words int) string {
	switch {
	case words <= 3:
		return "1-3"
	case words <= 10:
		return "4-10"
	}
	return "11+"
}

// tally counts verdicts for one group of samples.
type tally struct {
	n, english, not, unsure, langOK int
}

func (c tally) pct(k int) float64 {
	if c.n == 0 {
		return 0
	}
	return 100 * float64(k) / float64(c.n)
}

// report is what a detector did on the test set.
type report struct {
	en, other map[string]*tally // by bucket
	hotel     tally
	perLang   map[string]*tally // non-English, 4+ words
	missed    []string          // English called not English (4+ words), for the log
	elapsed   time.Duration
}

func newReport() *report {
	r := &report{en: map[string]*tally{}, other: map[string]*tally{}, perLang: map[string]*tally{}}
	for _, b := range []string{"1-3", "4-10", "11+", "4+"} {
		r.en[b], r.other[b] = &tally{}, &tally{}
	}
	return r
}

func (c *tally) add(res Result, want string) {
	c.n++
	switch res.English {
	case English:
		c.english++
	case NotEnglish:
		c.not++
	default:
		c.unsure++
	}
	if res.Language == want {
		c.langOK++
	}
}

// evaluate runs d over the samples on every core.
func evaluate(d *Detector, samples []sample) *report {
	results := make([]Result, len(samples))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = d.detect(samples[i].text)
			}
		}()
	}
	for i := range samples {
		next <- i
	}
	close(next)
	wg.Wait()
	r := newReport()
	r.elapsed = time.Since(start)
	for i, s := range samples {
		res := results[i]
		b := bucket(res.Words)
		want := iso1[s.lang]
		switch {
		case s.hotel:
			r.hotel.add(res, want)
		case s.lang == "eng":
			r.en[b].add(res, want)
			if b != "1-3" {
				r.en["4+"].add(res, want)
				if res.English == NotEnglish {
					r.missed = append(r.missed, fmt.Sprintf("%s (%s %.3f, en %.3f)", s.text, res.Language, res.Confidence, res.EnglishConfidence))
				}
			}
		default:
			r.other[b].add(res, want)
			if b != "1-3" {
				r.other["4+"].add(res, want)
				if r.perLang[s.lang] == nil {
					r.perLang[s.lang] = &tally{}
				}
				r.perLang[s.lang].add(res, want)
			}
		}
	}
	return r
}

// table renders the figures as the Markdown that README-section.md shows.
func (r *report) table() string {
	var b strings.Builder
	b.WriteString("| words | English texts | called English | unsure | called not English | non-English texts | caught (not English) | unsure | called English | right language |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range []string{"1-3", "4-10", "11+", "4+"} {
		e, o := r.en[k], r.other[k]
		fmt.Fprintf(&b, "| %s | %d | %.2f%% | %.2f%% | %.2f%% | %d | %.2f%% | %.2f%% | %.2f%% | %.1f%% |\n",
			k, e.n, e.pct(e.english), e.pct(e.unsure), e.pct(e.not),
			o.n, o.pct(o.not), o.pct(o.unsure), o.pct(o.english), o.pct(o.langOK))
	}
	h := r.hotel
	fmt.Fprintf(&b, "\nEnglish with foreign hotel names: %d texts, %.1f%% English, %.1f%% unsure, %.1f%% not English.\n",
		h.n, h.pct(h.english), h.pct(h.unsure), h.pct(h.not))
	var langs []string
	for l := range r.perLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	b.WriteString("\nNon-English caught, 4+ words, by language:")
	for _, l := range langs {
		c := r.perLang[l]
		fmt.Fprintf(&b, " %s %.1f%%", l, c.pct(c.not))
	}
	b.WriteString("\n")
	return b.String()
}

// testDetector loads the detector for the accuracy tests once. The
// LANGUAGE_SET environment variable ("all" or comma-separated codes) lets
// the figures for another language set be measured the same way.
var testDetector = sync.OnceValues(func() (*Detector, error) {
	cfg := Config{}
	if s := os.Getenv("LANGUAGE_SET"); s != "" {
		cfg.Languages = strings.Split(s, ",")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return Load(ctx, cfg)
})

func loadTestDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := testDetector()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAccuracyOnTweets is the acceptance test of the three-way rule on
// tweet-shaped texts without a platform hint: of the texts of four or
// more words, at most 0.5% of English ones may be called not English, and
// at least 97% of the others must be.
func TestAccuracyOnTweets(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the language models")
	}
	d := loadTestDetector(t)
	samples := tweetSet(t)
	r := evaluate(d, samples)
	t.Logf("%d texts in %s (%d languages)\n%s", len(samples), r.elapsed.Round(time.Millisecond), len(d.Languages()), r.table())
	en, other := r.en["4+"], r.other["4+"]
	if got := en.pct(en.not); got > 0.5 {
		t.Errorf("English (4+ words) called not English: %.2f%%, want at most 0.5%%", got)
	}
	for i, m := range r.missed {
		if i == 20 {
			break
		}
		t.Logf("English called not English: %s", m)
	}
	if got := other.pct(other.not); got < 97 {
		t.Errorf("non-English (4+ words) caught: %.2f%%, want at least 97%%", got)
	}
	if r.hotel.not > 0 {
		t.Errorf("%d English texts with foreign hotel names called not English", r.hotel.not)
	}
}
