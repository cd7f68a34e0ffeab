package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/router"
)

// cmdBench measures the ingest pipeline on this machine: bus → router
// (the configured policy) → store, its latency at an offered load, the raw
// JetStream rate, peak RSS, and the same pipeline with the language
// detector.
func cmdBench(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("bench", e)
	n := fs.Int("n", 10000, "synthetic items per run")
	rate := fs.Int("rate", 1000, "offered load for the latency run, items/s")
	withLang := fs.Bool("language", true, "also measure with the language detector loaded")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file (for go tool pprof)")
	if _, ok := parse(fs, args); !ok {
		return exitUsage
	}
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	accounts := router.StaticAccounts{Twitter: "1", Facebook: "page"}
	plain, err := router.NewPolicy(cfg.Policy, router.Deps{Detector: bench.EnglishDetector{}, Accounts: accounts})
	if err != nil {
		return fail(e, "%v", err)
	}
	ps := bench.Policies{Plain: plain, Language: cfg.Policy.Language.Detector()}
	if *withLang {
		ps.WithLanguage = func(d *language.Detector) (router.Policy, error) {
			return router.NewPolicy(cfg.Policy, router.Deps{Detector: d, Accounts: accounts})
		}
	}
	progress := func(s string) {
		if !*asJSON {
			fmt.Fprintln(e.stderr, "…", s)
		}
	}
	var rep bench.Report
	err = withCPUProfile(*cpuProfile, func() (err error) {
		rep, err = bench.Run(ctx, *n, *rate, ps, progress)
		return err
	})
	if err != nil {
		return fail(e, "bench: %v", err)
	}
	if *asJSON {
		return writeJSON(e, rep)
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintf(e.stdout, "routed and stored (redaction, no language detector): %8.0f msgs/s\n", rep.PipelineMsgsPerSec)
	fmt.Fprintf(e.stdout, "written to disk per message (bus and SQLite):        %8.0f bytes\n", rep.PipelineWriteBytesPerMsg)
	if rep.PipelineWithLanguageMsgsPerSec > 0 {
		fmt.Fprintf(e.stdout, "routed and stored with the language detector:       %8.0f msgs/s (models ready in %.2f ms)\n", rep.PipelineWithLanguageMsgsPerSec, 1000*rep.LanguageLoadSeconds)
	}
	fmt.Fprintf(e.stdout, "raw JetStream publish+consume:                       %8.0f msgs/s (pipeline at %.0f%%)\n", rep.JetStreamMsgsPerSec, 100*rep.PipelineMsgsPerSec/rep.JetStreamMsgsPerSec)
	fmt.Fprintf(e.stdout, "ingest→stored at %d msgs/s offered:                p50 %.1f ms, p99 %.1f ms\n", rep.OfferedRate, rep.P50Ms, rep.P99Ms)
	fmt.Fprintf(e.stdout, "peak RSS: %.0f MB without the detector", rep.PeakRSSMB)
	if rep.PeakRSSWithLanguageMB > 0 {
		fmt.Fprintf(e.stdout, ", %.0f MB with it", rep.PeakRSSWithLanguageMB)
	}
	fmt.Fprintf(e.stdout, "\n\n%s\n", out)
	return exitOK
}

// withCPUProfile runs fn while writing a CPU profile to path ("" for
// none), and reports a profile that could not be written in full.
func withCPUProfile(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	runErr := fn()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil && runErr == nil {
		return fmt.Errorf("writing the CPU profile: %w", err)
	}
	return runErr
}
