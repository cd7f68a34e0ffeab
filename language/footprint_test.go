package language

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/internal/procstat"
)

// BenchmarkDetectorLoad measures what the detector costs: the time from
// Start to ready, the peak RSS (VmHWM) while loading and the RSS after,
// and, after detecting 10,000 tweet-shaped texts one by one, the time per
// text, the overall peak and the RSS once garbage is collected. Run it
// alone, in its own process, or the figures include other tests' memory:
//
//	go test -run '^$' -bench DetectorLoad -benchtime 1x ./language/
//
// LANGUAGE_SET ("all", or comma-separated codes) measures another set.
func BenchmarkDetectorLoad(b *testing.B) {
	cfg := Config{}
	if s := os.Getenv("LANGUAGE_SET"); s != "" {
		cfg.Languages = strings.Split(s, ",")
	}
	samples := tweetSet(b, tuneSplit)
	for len(samples) < 10000 {
		samples = append(samples, samples...)
	}
	samples = samples[:10000]
	base := procstat.MiB("VmRSS")
	for i := 0; i < b.N; i++ {
		start := time.Now()
		d, err := Start(cfg)
		if err != nil {
			b.Fatal(err)
		}
		started := time.Since(start)
		if err := d.Wait(context.Background()); err != nil {
			b.Fatal(err)
		}
		ready := time.Since(start)
		hwm, loaded := procstat.MiB("VmHWM"), procstat.MiB("VmRSS")
		start = time.Now()
		for _, s := range samples {
			d.detect(s.text)
		}
		per := time.Since(start) / time.Duration(len(samples))
		hwmEnd := procstat.MiB("VmHWM")
		runtime.GC()
		debug.FreeOSMemory()
		after := procstat.MiB("VmRSS")
		b.ReportMetric(float64(len(d.Languages())), "languages")
		b.ReportMetric(started.Seconds()*1000, "start_ms")
		b.ReportMetric(ready.Seconds(), "ready_s")
		b.ReportMetric(hwm, "peak_load_MiB")
		b.ReportMetric(hwmEnd, "peak_MiB")
		b.ReportMetric(loaded, "loaded_MiB")
		b.ReportMetric(after, "after10k_MiB")
		b.ReportMetric(float64(per.Microseconds()), "us/text")
		b.Logf("base RSS %.0f MiB; GOMAXPROCS %d", base, runtime.GOMAXPROCS(0))
	}
}
