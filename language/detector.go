package language

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/pemistahl/lingua-go"
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
	// Masked reports that the verdict came from the text with its
	// capitalised names masked (see MaskNames).
	Masked bool
}

// Detector detects languages. Its models load in the background; Detect
// waits for them. It is safe for concurrent use.
type Detector struct {
	cfg   Config
	langs []lingua.Language
	known map[string]bool // ISO 639-1 codes of langs

	ready    chan struct{}
	det      lingua.LanguageDetector // set before ready is closed
	loadTime time.Duration           // set before ready is closed
}

// Start checks cfg and starts loading the models of its languages in the
// background. It returns at once, so that a server is ready for HTTP and
// ingest while the models load (a few seconds, see the package doc).
func Start(cfg Config) (*Detector, error) {
	d, err := newDetector(cfg)
	if err != nil {
		return nil, err
	}
	go d.load()
	return d, nil
}

// Load is Start followed by waiting for the models, for commands and
// tests that need the detector at once. ctx bounds the wait; the loading
// itself cannot be cancelled and goes on in the background.
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

func newDetector(cfg Config) (*Detector, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("language: %w", err)
	}
	langs, err := parseLanguages(cfg.Languages)
	if err != nil {
		return nil, fmt.Errorf("language: %w", err)
	}
	known := make(map[string]bool, len(langs))
	for _, l := range langs {
		known[isoCode(l)] = true
	}
	return &Detector{cfg: cfg, langs: langs, known: known, ready: make(chan struct{})}, nil
}

// load reads the models two languages at a time, then builds the detector
// over them. lingua keeps models in process-wide maps, so a detector built
// for a pair fills them for the final detector too. Loading pairs in turn,
// instead of every language at once as WithPreloadedLanguageModels does,
// keeps the peak of decoding garbage low on a shared machine; the garbage
// is returned to the OS at the end, which is what makes the steady RSS
// much lower than the peak.
func (d *Detector) load() {
	start := time.Now()
	var preload []lingua.Language
	for _, l := range d.langs {
		if !byScript[l] {
			preload = append(preload, l)
		}
	}
	for i := 0; i < len(preload); i += 2 {
		pair := []lingua.Language{preload[i], lingua.English}
		if i+1 < len(preload) {
			pair[1] = preload[i+1]
		}
		if pair[0] == pair[1] { // English last and alone: already loaded
			continue
		}
		lingua.NewLanguageDetectorBuilder().FromLanguages(pair...).WithPreloadedLanguageModels().Build()
		runtime.GC()
	}
	d.det = lingua.NewLanguageDetectorBuilder().FromLanguages(d.langs...).Build()
	debug.FreeOSMemory()
	d.loadTime = time.Since(start)
	close(d.ready)
}

// byScript are the languages that lingua recognises by their script
// alone, before any model is consulted: those with a script of their own,
// Japanese (kana) and Chinese (Han without kana). Their models are not
// preloaded; lingua loads them on first use should its rules ever fall
// through to the models (a text mixing scripts in equal parts), which
// bounds what they can add to memory.
var byScript = map[lingua.Language]bool{
	lingua.Armenian: true, lingua.Bengali: true, lingua.Georgian: true, lingua.Greek: true,
	lingua.Gujarati: true, lingua.Hebrew: true, lingua.Korean: true, lingua.Punjabi: true,
	lingua.Tamil: true, lingua.Telugu: true, lingua.Thai: true, lingua.Japanese: true,
	lingua.Chinese: true,
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
	out := make([]string, len(d.langs))
	for i, l := range d.langs {
		out[i] = isoCode(l)
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

// threshold is the English confidence below which a text of n words is
// not English.
func (d *Detector) threshold(n int) float64 {
	if n <= 3 {
		return d.cfg.ShortThreshold
	}
	return d.cfg.Threshold
}

// detect applies the three-way rule to text.
func (d *Detector) detect(text string) Result {
	r := d.score(Clean(text))
	if r.English == English || r.Words == 0 {
		return r
	}
	// Rescue English around foreign names: score the text again without
	// its capitalised words. The masked text can only make a text English
	// or unsure, never non-English. A text of nothing but names has no
	// language evidence left, so it is unsure.
	masked, ok := MaskNames(text)
	if !ok {
		return r
	}
	m := d.score(Clean(masked))
	switch {
	case m.English == English:
		m.Masked = true
		return m
	case r.English == NotEnglish && (m.English == Unsure || m.Words == 0):
		r.English, r.Masked = Unsure, true
	}
	return r
}

// score applies the three-way rule to cleaned text.
func (d *Detector) score(cleaned string) Result {
	r := Result{Words: Words(cleaned), English: Unsure}
	if r.Words == 0 {
		return r
	}
	vals := d.det.ComputeLanguageConfidenceValues(cleaned)
	top := vals[0]
	if top.Value() > 0 {
		r.Language, r.Confidence = isoCode(top.Language()), top.Value()
	}
	for _, v := range vals {
		if v.Language() == lingua.English {
			r.EnglishConfidence = v.Value()
			break
		}
	}
	switch {
	case r.Language == "en":
		r.English = English
	case r.EnglishConfidence < d.threshold(r.Words):
		r.English = NotEnglish
	}
	return r
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
	if !d.known[hint] {
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

// isoCode returns l's ISO 639-1 code in lower case.
func isoCode(l lingua.Language) string {
	return strings.ToLower(l.IsoCode639_1().String())
}

// parseLanguages turns ISO 639-1 codes (or "all") into lingua languages,
// always including English.
func parseLanguages(codes []string) ([]lingua.Language, error) {
	var out []lingua.Language
	var errs []error
	for _, c := range codes {
		if strings.EqualFold(c, "all") {
			out = append(out, lingua.AllLanguages()...)
			continue
		}
		l := lingua.GetLanguageFromIsoCode639_1(lingua.GetIsoCode639_1FromValue(c))
		if l == lingua.Unknown {
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownLanguage, c))
			continue
		}
		out = append(out, l)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out = append(out, lingua.English)
	slices.Sort(out)
	return slices.Compact(out), nil
}
