package redact

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct {
		in    string
		kinds []Kind
	}{
		{"", nil},
		{"no secret here, room 1204", []Kind{""}},
		{"1234567890", []Kind{BookingNumber}},
		{"booking 1234 567 890/4321 thanks", []Kind{"", BookingNumber, "", PIN, ""}},
		{"card 4111 1111 1111 1111", []Kind{"", CardNumber}},
		{"already [booking number] and [card •••• 4242]", []Kind{""}},
	}
	for _, tc := range tests {
		segs := Mask(tc.in)
		var kinds []Kind
		var joined strings.Builder
		for _, s := range segs {
			kinds = append(kinds, s.Kind)
			joined.WriteString(s.Text)
			if s.Kind == "" && s.Text == "" {
				t.Errorf("Mask(%q): an empty plain segment", tc.in)
			}
			if s.Kind != "" && s.Text != Placeholder(s.Kind) {
				t.Errorf("Mask(%q): hidden %s shows %q", tc.in, s.Kind, s.Text)
			}
		}
		if joined.String() != String(tc.in) {
			t.Errorf("Mask(%q) joined = %q, want String's %q", tc.in, joined.String(), String(tc.in))
		}
		if len(kinds) != len(tc.kinds) {
			t.Errorf("Mask(%q) kinds = %v, want %v", tc.in, kinds, tc.kinds)
			continue
		}
		for i := range kinds {
			if kinds[i] != tc.kinds[i] {
				t.Errorf("Mask(%q) kinds = %v, want %v", tc.in, kinds, tc.kinds)
				break
			}
		}
	}
}
