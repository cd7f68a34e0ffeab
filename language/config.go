package language

import (
	"errors"
	"fmt"
)

// Config chooses the detector's languages and the ratios of its
// three-way rule (the `policy.language` section).
type Config struct {
	// Languages are the ISO 639-1 codes the detector knows, among the
	// stored ones (DefaultLanguages); "all" stands for all of those.
	// English is always added. Default DefaultLanguages.
	Languages []string `yaml:"languages"`
	// Ratio is how many times more likely than English the detector's
	// first choice must be for a text of four or more words to be called
	// not English (when nothing speaks for English). Default 3.3.
	Ratio float64 `yaml:"ratio"`
	// ShortRatio is the same for texts of two or three words, whose
	// evidence is thinner. Default 12.
	ShortRatio float64 `yaml:"short_ratio"`
	// WordRatio is the same for texts of one word, which are as often a
	// name ("layla", "hokkaido") as a word of some language. Default 100.
	WordRatio float64 `yaml:"word_ratio"`
}

// DefaultLanguages is the default language set (see the package doc for
// the measurements behind it):
//   - the 29 languages of the test set, which are those the company's
//     customers commonly write in;
//   - English;
//   - Latin-script languages that are easily confused with those or with
//     English, so that texts in them do not fall to the nearest in-set
//     language (or to English);
//   - Ukrainian, so that Ukrainian customers are not labelled Russian;
//   - languages with a script of their own (Greek, Hebrew, Thai, Korean,
//     ...) and Chinese: lingua's rules recognise them by their script
//     alone, so their models are rarely read.
//
// These are the languages of the model store (models.bin); another set
// means generating it again. Latin-script languages outside the set are
// still caught as not English nine times in ten, and are rarely (about
// 1%) called English.
var DefaultLanguages = []string{
	// The 29 languages of the test set.
	"af", "ar", "ca", "cs", "da", "de", "et", "fi", "fr", "hr", "hu", "id", "it",
	"ja", "lt", "nl", "nb", "pl", "pt", "ro", "ru", "sk", "es", "sv", "sw", "tl",
	"tr", "vi", "ms",
	// English and close confusables.
	"en", "bs", "sl", "nn", "lv", "is", "cy", "sq", "eo", "la", "ga", "eu",
	// Cyrillic.
	"uk",
	// Recognised by script.
	"el", "he", "th", "ko", "hy", "ka", "bn", "gu", "pa", "ta", "te", "zh",
}

// The defaults of Config's ratios, tuned on the tuning split of the test
// set (see the package doc), and the largest ratio (which in effect never
// calls a text not English).
const (
	DefaultRatio      = 3.3
	DefaultShortRatio = 12
	DefaultWordRatio  = 100
	maxRatio          = 1e6
)

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if len(c.Languages) == 0 {
		c.Languages = append([]string(nil), DefaultLanguages...)
	}
	if c.Ratio == 0 {
		c.Ratio = DefaultRatio
	}
	if c.ShortRatio == 0 {
		c.ShortRatio = DefaultShortRatio
	}
	if c.WordRatio == 0 {
		c.WordRatio = DefaultWordRatio
	}
	return c
}

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, err := parseLanguages(c.Languages); err != nil {
		bad("languages: %v", err)
	}
	for _, r := range []struct {
		key string
		v   float64
	}{{"ratio", c.Ratio}, {"short_ratio", c.ShortRatio}, {"word_ratio", c.WordRatio}} {
		if r.v != 0 && (r.v < 1 || r.v > maxRatio) {
			bad("%s: %v is outside [1, %v]", r.key, r.v, maxRatio)
		}
	}
	d := c.WithDefaults()
	if d.ShortRatio < d.Ratio {
		bad("short_ratio: %v is below ratio (%v); shorter texts need the stricter (higher) one", d.ShortRatio, d.Ratio)
	}
	if d.WordRatio < d.ShortRatio {
		bad("word_ratio: %v is below short_ratio (%v); shorter texts need the stricter (higher) one", d.WordRatio, d.ShortRatio)
	}
	return errors.Join(errs...)
}
