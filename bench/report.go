package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/router"
)

// Report is what `inboxbot bench --json` prints, one object per run, for
// tracking over time.
type Report struct {
	N int `json:"n"`
	// PipelineMsgsPerSec is bus → router (policy with redaction, without
	// the language detector) → store, as fast as possible.
	PipelineMsgsPerSec float64 `json:"pipeline_msgs_per_s"`
	// PipelineWriteBytesPerMsg is what that run wrote to disk per item:
	// the bus's file store and the SQLite file, WAL and checkpoints
	// included (Result.WriteBytesPerMsg).
	PipelineWriteBytesPerMsg float64 `json:"pipeline_write_bytes_per_msg"`
	// PipelineWithLanguageMsgsPerSec is the same with the language
	// detector loaded (its load time is not counted).
	PipelineWithLanguageMsgsPerSec float64 `json:"pipeline_with_language_msgs_per_s,omitempty"`
	// JetStreamMsgsPerSec is the raw work-queue publish+consume rate on
	// the same machine in the same run.
	JetStreamMsgsPerSec float64 `json:"jetstream_msgs_per_s"`
	// OfferedRate is the load offered for the latency run, items/s.
	OfferedRate int `json:"offered_rate"`
	// P50Ms and P99Ms are ingest→stored latencies at OfferedRate.
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	// PeakRSSMB is the peak resident set before the detector is loaded.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// PeakRSSWithLanguageMB is the peak after the language run.
	PeakRSSWithLanguageMB float64 `json:"peak_rss_with_language_mb,omitempty"`
	// LanguageLoadSeconds is how long the detector's models took to load.
	LanguageLoadSeconds float64 `json:"language_load_s,omitempty"`
}

// Policies builds the two policies a report compares: without and with
// the language detector.
type Policies struct {
	// Plain is the policy with a detector that costs nothing.
	Plain router.Policy
	// WithLanguage builds the full policy around a loaded detector; nil
	// skips the language run.
	WithLanguage func(d *language.Detector) (router.Policy, error)
	// Language configures the detector of the language run.
	Language language.Config
}

// Run measures everything a Report holds. ctx bounds the whole run.
func Run(ctx context.Context, n, rate int, ps Policies, progress func(string)) (Report, error) {
	dir, err := os.MkdirTemp("", "inboxbot-bench")
	if err != nil {
		return Report{}, err
	}
	defer os.RemoveAll(dir)
	rep := Report{N: n, OfferedRate: rate}
	progress(fmt.Sprintf("pipeline: %d items through bus → router → store", n))
	res, err := Pipeline(ctx, Options{N: n, Dir: filepath.Join(dir, "plain"), Policy: ps.Plain, Seed: 1})
	if err != nil {
		return rep, err
	}
	rep.PipelineMsgsPerSec, rep.PipelineWriteBytesPerMsg = res.MsgsPerSec, res.WriteBytesPerMsg
	progress(fmt.Sprintf("latency: %d items offered at %d/s", min(n, 5*rate), rate))
	lat, err := Pipeline(ctx, Options{N: min(n, 5*rate), Rate: rate, Dir: filepath.Join(dir, "latency"), Policy: ps.Plain, Seed: 2})
	if err != nil {
		return rep, err
	}
	rep.P50Ms, rep.P99Ms = lat.P50Ms, lat.P99Ms
	progress("jetstream: raw publish+consume")
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "js")}, nil)
	if err != nil {
		return rep, err
	}
	rep.JetStreamMsgsPerSec, err = JetStream(ctx, b, max(n, 20000))
	b.Close()
	if err != nil {
		return rep, err
	}
	rep.PeakRSSMB = PeakRSSMB()
	if ps.WithLanguage == nil {
		return rep, nil
	}
	progress("language: loading the detector's models")
	d, err := language.Load(ctx, ps.Language)
	if err != nil {
		return rep, err
	}
	rep.LanguageLoadSeconds = d.LoadTime().Seconds()
	p, err := ps.WithLanguage(d)
	if err != nil {
		return rep, err
	}
	progress(fmt.Sprintf("pipeline with language: %d items", n))
	res, err = Pipeline(ctx, Options{N: n, Dir: filepath.Join(dir, "language"), Policy: p, Seed: 3})
	if err != nil {
		return rep, err
	}
	rep.PipelineWithLanguageMsgsPerSec = res.MsgsPerSec
	rep.PeakRSSWithLanguageMB = PeakRSSMB()
	return rep, nil
}

// EnglishDetector is a language detector that costs nothing and calls
// everything English, for measuring the pipeline without the real one.
type EnglishDetector struct{}

// Detect returns English with full confidence.
func (EnglishDetector) Detect(context.Context, string, string) (language.Result, error) {
	return language.Result{Language: "en", Confidence: 1, English: language.English, EnglishConfidence: 1}, nil
}
