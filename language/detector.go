package language

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

// Verdict says whether a text is English. Its values are the strings
// stored in router.Decision.English.
type Verdict string

// The three verdicts. Unsure is treated as English by the policy (a false
// "please write in English" to an English speaker is the worse error), but
// flagged so that agents see it.
const (
	// English: English is the detector's first choice.
	English Verdict = "true"
	// NotEnglish: English's confidence is below the threshold.
	NotEnglish Verdict = "false"
	// Unsure: no letters, or neither of the above.
	Unsure Verdict = "unsure"
)

// Result is the language of one text.
type Result struct {
	// Language is the detected language as an ISO 639-1 code, or "" when
	// there is none (no letters, or a script outside the language set).
	Language string
	// Confidence is the detector's confidence in Language, in [0,1].
	Confidence float64
	// English is the three-way verdict.
	English Verdict
	// EnglishConfidence is the detector's confidence in English, in [0,1].
	EnglishConfidence float64
	// Words is the number of words left after Clean.
	Words int
	// Masked reports that the verdict came from the text without its
	// names: its capitalised words (MaskNames) or its words in letters
	// English does not use (see the package doc).
	Masked bool
}

// Detector detects languages. It is safe for concurrent use.
type Detector struct {
	cfg        Config
	ids        []int   // language IDs of cfg.Languages, in lingua's order
	configured langSet // the same as a set
	sc         scorer

	ready    chan struct{}
	loadTime time.Duration // set before ready is closed
}

// Start checks cfg and opens the models of its languages. The models are
// read in place from the binary, so this takes well under a millisecond
// and the detector is ready when Start returns; Wait and ErrNotReady
// remain for callers that start detectors of other kinds.
func Start(cfg Config) (*Detector, error) {
	start := time.Now()
	d, err := newDetector(cfg)
	if err != nil {
		return nil, err
	}
	m, err := openModels()
	if err != nil {
		return nil, err
	}
	d.sc = newEngine(m, d.ids)
	d.loadTime = time.Since(start)
	close(d.ready)
	return d, nil
}

// Load is Start followed by waiting for the models, bounded by ctx.
func Load(ctx context.Context, cfg Config) (*Detector, error) {
	d, err := Start(cfg)
	if err != nil {
		return nil, err
	}
	if err := d.Wait(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// newDetector checks cfg and returns a detector without models.
func newDetector(cfg Config) (*Detector, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("language: %w", err)
	}
	ids, err := parseLanguages(cfg.Languages)
	if err != nil {
		return nil, fmt.Errorf("language: %w", err)
	}
	d := &Detector{cfg: cfg, ids: ids, ready: make(chan struct{})}
	for _, id := range ids {
		d.configured.add(id)
	}
	return d, nil
}

// Ready reports whether the models are loaded.
func (d *Detector) Ready() bool {
	select {
	case <-d.ready:
		return true
	default:
		return false
	}
}

// Wait blocks until the models are loaded or ctx ends. Its error wraps
// ErrNotReady and ctx's error.
func (d *Detector) Wait(ctx context.Context) error {
	select {
	case <-d.ready:
		return nil
	default:
	}
	select {
	case <-d.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrNotReady, ctx.Err())
	}
}

// LoadTime is how long the models took to load, or 0 before they are in.
func (d *Detector) LoadTime() time.Duration {
	if !d.Ready() {
		return 0
	}
	return d.loadTime
}

// Languages returns the ISO 639-1 codes of the languages the detector
// knows.
func (d *Detector) Languages() []string {
	out := make([]string, len(d.ids))
	for i, id := range d.ids {
		out[i] = modelfile.Codes[id]
	}
	return out
}

// Detect returns the language of text. hint is the platform's own guess
// (Twitter's "lang"), or "". It waits for the models, bounded by ctx.
func (d *Detector) Detect(ctx context.Context, text, hint string) (Result, error) {
	if err := d.Wait(ctx); err != nil {
		return Result{}, err
	}
	return d.withHint(d.detect(text), NormalizeHint(hint)), nil
}

// withHint combines r with the platform's guess. Twitter's lang is a good
// signal, but it too is wrong on short tweets, so it settles only what the
// detector left open or breaks ties toward caution:
//   - "en": an unsure text is English; a non-English one becomes unsure;
//   - another language the detector knows: an English text becomes
//     unsure; an unsure text of 4+ words is not English (in that language),
//     unless English was the detector's first choice; a non-English text
//     takes the hint's language.
//
// A hint the detector does not know ("und", "qme", "zxx") is ignored.
func (d *Detector) withHint(r Result, hint string) Result {
	if hint == "" || r.Words == 0 {
		return r
	}
	if hint == "en" {
		switch r.English {
		case Unsure:
			r.English = English
			r.Language, r.Confidence = "en", max(r.EnglishConfidence, HintConfidence)
		case NotEnglish:
			r.English = Unsure
		}
		return r
	}
	if id := modelfile.ID(hint); id < 0 || !d.configured.has(id) {
		return r
	}
	switch r.English {
	case English:
		r.English = Unsure
	case Unsure:
		if r.Words >= 4 && r.Language != "en" {
			r.English = NotEnglish
			r.Language, r.Confidence = hint, HintConfidence
		}
	case NotEnglish:
		if r.Language != hint {
			r.Language, r.Confidence = hint, HintConfidence
		}
	}
	return r
}

// HintConfidence is the confidence given to a language taken from the
// platform's hint rather than from the detector.
const HintConfidence = 0.8

// NormalizeHint maps a platform language tag to an ISO 639-1 code, or ""
// when it names no language. Twitter uses "in" for Indonesian and "iw" for
// Hebrew (the pre-1989 codes), "und" when it cannot tell, and q* and zxx
// codes for tweets of hashtags, media or links only.
func NormalizeHint(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if base, _, ok := strings.Cut(tag, "-"); ok { // "zh-cn", "en-gb"
		tag = base
	}
	switch tag {
	case "in":
		return "id"
	case "iw":
		return "he"
	case "ji":
		return "yi"
	case "nb", "no":
		return "nb"
	}
	if len(tag) != 2 {
		return ""
	}
	return tag
}

// parseLanguages turns ISO 639-1 codes (or "all": every stored
// language) into language IDs in lingua's order, always including
// English. A code must name a stored language.
func parseLanguages(codes []string) ([]int, error) {
	m, err := openModels()
	if err != nil {
		return nil, err
	}
	var out []int
	var errs []error
	for _, c := range codes {
		if strings.EqualFold(c, "all") {
			out = append(out, m.ids...)
			continue
		}
		id := modelfile.ID(strings.ToLower(c))
		switch {
		case id < 0:
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownLanguage, c))
			continue
		case m.slotOf(id) < 0:
			errs = append(errs, fmt.Errorf("%w: %q is not among the %d stored languages", ErrUnknownLanguage, c, len(m.ids)))
			continue
		}
		out = append(out, id)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out = append(out, idEnglish)
	slices.Sort(out)
	return slices.Compact(out), nil
}
