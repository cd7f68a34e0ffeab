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
// so that it never reaches JSON output. Where a run of digits reads equally
// well as two different secrets ("12 34 56 78 90 12 34": which ten digits
// are the booking number?), both are masked by one finding; its Kind is the
// first of booking number, card number, PIN among them and its Value holds
// all their digits, so it may be longer than the kind's usual length.
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

// Redactor finds and masks secrets with options, such as numbers that must
// never be masked. The package-level functions use a Redactor without
// options; a nil *Redactor behaves like one. A Redactor is safe for
// concurrent use.
type Redactor struct {
	allowed []string // normalized digits
}

// Option configures a Redactor.
type Option func(*Redactor)

// WithAllowed names numbers that are never secrets, typically the company's
// own contact numbers (policy.contact.phone): a ten-digit toll-free number
// such as "800 555 0199" would otherwise read as a booking number. Each
// number may be written in any form ("+1 800-555-0199"); it is matched in
// the text written in full, with "00" for '+', without its country code, or
// in national form with a trunk 0. Numbers of fewer than six digits are
// ignored.
func WithAllowed(numbers ...string) Option {
	return func(r *Redactor) {
		for _, n := range numbers {
			d := normalizedNumber(n)
			d = strings.TrimPrefix(d, "00")
			if len(d) >= 6 {
				r.allowed = append(r.allowed, d)
			}
		}
	}
}

// New returns a Redactor with the given options.
func New(opts ...Option) *Redactor {
	r := &Redactor{}
	for _, o := range opts {
		o(r)
	}
	return r
}

func (rd *Redactor) allowedNumbers() []string {
	if rd == nil {
		return nil
	}
	return rd.allowed
}

// normalizedNumber returns the digits of s in ASCII.
func normalizedNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
		}
	}
	return b.String()
}

// std is the Redactor behind the package-level functions.
var std = New()

// Find returns the secrets in s, sorted by Start and never overlapping, or
// nil when there are none.
func (rd *Redactor) Find(s string) []Finding {
	sc := getScanner(s, rd.allowedNumbers())
	sc.run(0)
	return sc.release()
}

// Contains reports whether s holds any secret. It stops at the first one,
// which makes it the cheap check for guarding outgoing replies.
func (rd *Redactor) Contains(s string) bool {
	sc := getScanner(s, rd.allowedNumbers())
	sc.stopFirst = true
	sc.run(0)
	return len(sc.release()) > 0
}

// Redact returns s with every secret replaced by its placeholder, and the
// findings with offsets into the original s. Text without findings is
// returned as the very same string, and all bytes outside findings
// (including invalid UTF-8) are kept as they are.
func (rd *Redactor) Redact(s string) (string, []Finding) {
	f := rd.Find(s)
	return apply(s, 0, f), f
}

// String returns s with every secret replaced by its placeholder.
func (rd *Redactor) String(s string) string {
	out, _ := rd.Redact(s)
	return out
}

// Find returns the secrets in s, sorted by Start and never overlapping, or
// nil when there are none.
func Find(s string) []Finding { return std.Find(s) }

// Contains reports whether s holds any secret. It stops at the first one,
// which makes it the cheap check for guarding outgoing replies.
func Contains(s string) bool { return std.Contains(s) }

// Redact returns s with every secret replaced by its placeholder, and the
// findings with offsets into the original s. Text without findings is
// returned as the very same string, and all bytes outside findings
// (including invalid UTF-8) are kept as they are.
func Redact(s string) (string, []Finding) { return std.Redact(s) }

// String returns s with every secret replaced by its placeholder.
func String(s string) string { return std.String(s) }

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
func (rd *Redactor) findFrom(s string, from int) []Finding {
	sc := getScanner(s, rd.allowedNumbers())
	sc.run(from)
	found := sc.release()
	for i := range found {
		if found[i].Start < from { // a '#' that belongs to the context
			found[i].Start = from
		}
	}
	return found
}
