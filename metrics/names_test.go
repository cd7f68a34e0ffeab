package metrics

import (
	"slices"
	"testing"
)

func TestSeries(t *testing.T) {
	s := New().Series()
	for name, want := range map[string][]string{
		"inboxbot_ingested_total":                 {"platform", "kind"},
		"inboxbot_component_state":                {"component", "state"},
		"inboxbot_token_expiry_timestamp_seconds": {"platform", "token"},
		"inboxbot_store_seconds_bucket":           {"op", "le"},
		"inboxbot_store_seconds_count":            {"op"},
		"process_resident_memory_bytes":           {},
		"go_goroutines":                           {},
	} {
		got, ok := s[name]
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%s: %v (%v), want %v", name, got, ok, want)
		}
	}
	if _, ok := s["inboxbot_store_seconds"]; ok {
		t.Error("a histogram's bare name is not a series")
	}
}
