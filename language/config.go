package language

import (
	"errors"
	"fmt"
)

// Config chooses the detector's languages and the thresholds of its
// three-way rule (the `policy.language` section).
type Config struct {
	// Languages are the ISO 639-1 codes the detector knows; "all" stands
	// for all 75 languages of lingua. English is always added. Default
	// DefaultLanguages: see the package doc for the trade-off.
	Languages []string `yaml:"languages"`
	// Threshold is the English confidence below which a text of four or
	// more words is called not English. Default 0.04.
	Threshold float64 `yaml:"threshold"`
	// ShortThreshold is the same for texts of one to three words, where
	// confidences are spread thinner. Default 0.01.
	ShortThreshold float64 `yaml:"short_threshold"`
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
//     ...) and Chinese: lingua recognises them by their script alone, so
//     they are not preloaded and cost no memory in practice.
//
// Latin-script languages outside the set are still caught as not English
// nine times in ten, and are rarely (about 1%) called English.
var DefaultLanguages = []string{
	// The 29 languages of the test set.
	"af", "ar", "ca", "cs", "da", "de", "et", "fi", "fr", "hr", "hu", "id", "it",
	"ja", "lt", "nl", "nb", "pl", "pt", "ro", "ru", "sk", "es", "sv", "sw", "tl",
	"tr", "vi", "ms",
	// English and close confusables.
	"en", "bs", "sl", "nn", "lv", "is", "cy", "sq", "eo", "la", "ga", "eu",
	// Cyrillic.
	"uk",
	// Recognised by script; not preloaded.
	"el", "he", "th", "ko", "hy", "ka", "bn", "gu", "pa", "ta", "te", "zh",
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if len(c.Languages) == 0 {
		c.Languages = append([]string(nil), DefaultLanguages...)
	}
	if c.Threshold == 0 {
		c.Threshold = 0.04
	}
	if c.ShortThreshold == 0 {
		c.ShortThreshold = 0.01
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
	if c.Threshold < 0 || c.Threshold >= 0.5 {
		bad("threshold: %v is outside [0, 0.5)", c.Threshold)
	}
	if c.ShortThreshold < 0 || c.ShortThreshold >= 0.5 {
		bad("short_threshold: %v is outside [0, 0.5)", c.ShortThreshold)
	}
	if c.ShortThreshold > c.Threshold && c.Threshold > 0 {
		bad("short_threshold: %v is above threshold (%v); short texts need the stricter (lower) one", c.ShortThreshold, c.Threshold)
	}
	return errors.Join(errs...)
}
