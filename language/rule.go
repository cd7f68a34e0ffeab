package language

import (
	"math"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

// detect applies the three-way rule to text (see the package doc):
// English when the detector's first choice is English, for the text or
// for the text without its names; not English when the first choice is
// far more likely than English and nothing speaks for English; unsure
// otherwise.
func (d *Detector) detect(text string) Result {
	cleaned := Clean(text)
	r := d.score(cleaned)
	if r.Words == 0 || r.English == English {
		return r
	}
	vetoed := englishWordsVeto(cleaned, r.Words)
	if r.Words <= 3 {
		// A short text that is half English words, even ones other
		// languages share, is left to the platform's hint.
		vetoed = vetoed || 2*englishCount(cleaned, true) >= r.Words
	}
	// The text without its capitalised names: English there is English.
	if masked, ok := MaskNames(text); ok {
		mc := Clean(masked)
		if m := d.score(mc); m.Words > 0 {
			if m.English == English {
				m.Masked = true
				return m
			}
			vetoed = vetoed || englishWordsVeto(mc, m.Words)
		}
	}
	// The text without its words in letters English does not use: names
	// again, in texts written in lower case. Their n-grams, and lingua's
	// rules on special letters, can drown a short English sentence; but
	// so could a foreign text's few plain words, so English here must
	// also be in English words.
	if plain, ok := withoutForeignLetters(cleaned); ok {
		if p := d.score(plain); p.Words > 0 {
			if p.English == English && 2*englishCount(plain, false) >= p.Words {
				p.Masked = true
				return p
			}
			vetoed = vetoed || p.English == English || englishWordsVeto(plain, p.Words)
		}
	}
	if !vetoed && r.ratio() >= d.ratio(r.Words) {
		r.English = NotEnglish
	}
	return r
}

// englishWordsVeto reports whether a third or more of the words of
// cleaned text are common English words (englishWords): then it is never
// called not English, whatever its n-grams say.
func englishWordsVeto(cleaned string, words int) bool {
	e := englishCount(cleaned, false)
	return e > 0 && 3*e >= words
}

// ratio returns how many times more likely the first choice is than
// English (+Inf when English has no chance, or no language fits).
func (r Result) ratio() float64 {
	if r.EnglishConfidence <= 0 {
		return math.Inf(1)
	}
	return r.Confidence / r.EnglishConfidence
}

// ratio is how many times more likely than English the first choice of
// a text of n words must be for the text to be not English.
func (d *Detector) ratio(n int) float64 {
	switch {
	case n == 1:
		return d.cfg.WordRatio
	case n <= 3:
		return d.cfg.ShortRatio
	}
	return d.cfg.Ratio
}

// score returns the detector's languages for cleaned text: English when
// it is the first choice, else unsure for now.
func (d *Detector) score(cleaned string) Result {
	r := Result{Words: Words(cleaned), English: Unsure}
	if r.Words == 0 {
		return r
	}
	var sc scores
	d.sc.score(cleaned, &sc)
	if sc.top >= 0 {
		r.Language, r.Confidence = modelfile.Codes[sc.top], sc.conf[sc.top]
	}
	r.EnglishConfidence = sc.conf[idEnglish]
	if r.Language == "en" {
		r.English = English
	}
	return r
}
