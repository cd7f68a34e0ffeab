package sqlstore

import (
	"testing"
	"time"
)

// TestHistogramPercentiles: the nearest rank's bucket, reported at its
// middle, whatever order the buckets come in.
func TestHistogramPercentiles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		h        histogram
		n        int
		p50, p90 time.Duration
	}{
		{"one value", histogram{{lo: 40 * time.Second, n: 1}}, 1, 45 * time.Second, 45 * time.Second},
		// Ten values: rank 5 is in the 2-minute bucket, rank 9 in the
		// hour bucket (a minute wide), rank 10 would be the day one.
		{"ten values", histogram{
			{lo: 25 * time.Hour, n: 1}, {lo: time.Hour, n: 4}, {lo: 2 * time.Minute, n: 5},
		}, 10, 2*time.Minute + 5*time.Second, time.Hour + 30*time.Second},
		{"two days", histogram{{lo: 48 * time.Hour, n: 2}, {lo: 3 * time.Minute, n: 2}}, 4,
			3*time.Minute + 5*time.Second, 48*time.Hour + 450*time.Second},
		{"empty", nil, 0, 0, 0},
	} {
		n, p50, p90 := tc.h.percentiles()
		if n != tc.n || p50 != tc.p50 || p90 != tc.p90 {
			t.Errorf("%s: n %d p50 %v p90 %v, want %d %v %v", tc.name, n, p50, p90, tc.n, tc.p50, tc.p90)
		}
	}
}
