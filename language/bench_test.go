package language

import (
	"testing"
)

// BenchmarkDetect measures the detector on one core: the tweet-shaped
// test texts one after another, each with the whole three-way rule
// (cleaning, scoring, the rescue of names). texts/s is the figure the
// issue's target (5,000 per core) is about.
func BenchmarkDetect(b *testing.B) {
	d := loadTestDetector(b)
	samples := tweetSet(b, tuneSplit)
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		d.detect(samples[i%len(samples)].text)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
}
