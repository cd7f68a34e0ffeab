package chart_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/agent/chart"
)

// wellFormed parses the markup as XML, as a browser parses inline SVG's
// structure, and fails on any error.
func wellFormed(t *testing.T, markup string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(markup))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%s", err, markup)
		}
	}
}

var valueRE = regexp.MustCompile(`<rect class="bar"[^>]* data-value="(\d+)"`)

func TestBars(t *testing.T) {
	b := chart.Bars{ID: "opened", Title: "Opened <per day>", Labels: []string{"11-28", "11-29", "11-30"},
		Series: []chart.Series{{Name: "twitter", Values: []int{1, 0, 4}}, {Name: `face"book`, Values: []int{2, 3, 0}}}}
	out := string(b.SVG())
	wellFormed(t, out)
	if !strings.Contains(out, `data-total="10"`) || b.Total() != 10 {
		t.Errorf("total not 10: %s", out)
	}
	sum := 0
	for _, m := range valueRE.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	if sum != 10 {
		t.Errorf("bars add up to %d, want 10", sum)
	}
	if n := strings.Count(out, `<rect class="bar"`); n != 4 {
		t.Errorf("%d bars drawn, want 4 (zeros are not drawn)", n)
	}
	if strings.Contains(out, "<per day>") || strings.Contains(out, `face"book`) {
		t.Errorf("labels not escaped: %s", out)
	}
	for _, col := range []string{`data-label="11-28" data-value="3"`, `data-label="11-29" data-value="3"`, `data-label="11-30" data-value="4"`} {
		if !strings.Contains(out, col) {
			t.Errorf("column %s missing", col)
		}
	}
}

func TestEmptyCharts(t *testing.T) {
	for name, out := range map[string]string{
		"bars":   string(chart.Bars{ID: "x", Labels: []string{"a"}}.SVG()),
		"ranges": string(chart.Ranges{ID: "y"}.SVG()),
		"split":  string(chart.Split{ID: "z", Parts: []chart.Part{{Name: "a"}}}.SVG()),
	} {
		wellFormed(t, out)
		if !strings.Contains(out, "Nothing in this period") || !strings.Contains(out, `data-total="0"`) {
			t.Errorf("%s: empty chart drawn as %s", name, out)
		}
	}
}

func TestRangesAndSplit(t *testing.T) {
	r := chart.Ranges{ID: "frt", Title: "First response", LowName: "median", HighName: "90th percentile",
		Rows:   []chart.Range{{Label: "alice", Low: 60, High: 600, N: 12}, {Label: "<bob>", Low: 30, High: 90, N: 3}},
		Format: func(f float64) string { return fmt.Sprintf("%.0fs", f) }}
	out := string(r.SVG())
	wellFormed(t, out)
	if !strings.Contains(out, `data-total="15"`) || !strings.Contains(out, `data-label="alice" data-n="12" data-low="60" data-high="600"`) ||
		!strings.Contains(out, "600s") || strings.Contains(out, "<bob>") {
		t.Errorf("ranges: %s", out)
	}
	s := chart.Split{ID: "auto", Parts: []chart.Part{{Name: "automatic", Value: 1}, {Name: "agents", Value: 3}}}
	out = string(s.SVG())
	wellFormed(t, out)
	if !strings.Contains(out, `data-total="4"`) || !strings.Contains(out, "25%") || !strings.Contains(out, "75%") {
		t.Errorf("split: %s", out)
	}
}

func ExamplePercent() {
	fmt.Println(chart.Percent(1, 3), chart.Percent(0, 0))
	// Output: 33% 0%
}
