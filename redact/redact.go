package redact

import "strings"

// Kind names what a finding is.
type Kind string

// The kinds of secrets the package finds. The values are stable because they
// are written to JSON output and logs.
const (
	// BookingNumber is a 10-digit reservation number; with the PIN it
	// opens the booking, so it must not stay in public or stored text.
	BookingNumber Kind = "booking_number"
	// PIN is the 4-digit code that goes with a booking number.
	PIN Kind = "pin"
	// CardNumber is a payment card number, which card-industry rules
	// forbid storing in clear.
	CardNumber Kind = "card_number"
)

// Finding is one secret found in a text: its kind and byte offsets
// [Start,End) in the original string. Value holds the normalized ASCII digits
// so that callers can compare a secret with a record in memory; it is tagged
// so that it never reaches JSON output.
type Finding struct {
	Kind  Kind   `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Value string `json:"-"` // normalized ASCII digits; memory only
}

// Placeholders contain no digits and no separator at either end, so a second
// pass over redacted text cannot read them as part of a number.
const (
	placeholderBooking = "[booking number]"
	placeholderPIN     = "[PIN]"
	placeholderCard    = "[card number]"
)

// Placeholder returns the text that replaces a secret of kind k, so that
// other parts of the service can recognize redacted text.
func Placeholder(k Kind) string {
	switch k {
	case BookingNumber:
		return placeholderBooking
	case PIN:
		return placeholderPIN
	case CardNumber:
		return placeholderCard
	}
	return "[redacted]"
}

// Find returns the secrets in s, sorted by Start and never overlapping, or
// nil when there are none.
func Find(s string) []Finding {
	sc := getScanner(s)
	sc.run(0)
	return sc.release()
}

// Contains reports whether s holds any secret. It stops at the first one,
// which makes it the cheap check for guarding outgoing replies.
func Contains(s string) bool {
	sc := getScanner(s)
	sc.stopFirst = true
	sc.run(0)
	return len(sc.release()) > 0
}

// Redact returns s with every secret replaced by its placeholder, and the
// findings with offsets into the original s. Text without findings is
// returned as the very same string, and all bytes outside findings
// (including invalid UTF-8) are kept as they are.
func Redact(s string) (string, []Finding) {
	f := Find(s)
	return apply(s, 0, f), f
}

// String returns s with every secret replaced by its placeholder.
func String(s string) string {
	out, _ := Redact(s)
	return out
}

// apply writes s[from:] with the findings replaced.
func apply(s string, from int, fs []Finding) string {
	if len(fs) == 0 {
		return s[from:]
	}
	var b strings.Builder
	b.Grow(len(s) - from + 16*len(fs))
	last := from
	for _, f := range fs {
		b.WriteString(s[last:f.Start])
		b.WriteString(Placeholder(f.Kind))
		last = f.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// findFrom finds the secrets in s that start at or after from, reading the
// text before from as context only. Copy and the log handler use it to keep
// a line's (or an attribute key's) surroundings in view.
func findFrom(s string, from int) []Finding {
	sc := getScanner(s)
	sc.run(from)
	found := sc.release()
	for i := range found {
		if found[i].Start < from { // a '#' that belongs to the context
			found[i].Start = from
		}
	}
	return found
}
