package redact

// Segment is a run of text for display: plain text, or a secret hidden
// behind its placeholder.
type Segment struct {
	// Text is the run's text; for a hidden secret, its placeholder.
	Text string
	// Kind is the hidden secret's kind, or "" for plain text.
	Kind Kind
}

// Mask splits s for display with every secret hidden behind its
// placeholder; joined, the segments' texts are rd.String(s). It is the one
// rule for showing stored text whose secrets are kept (booking numbers
// and PINs in private messages, which agents need): lists, previews,
// events and API responses show the masked text, and a thread marks the
// hidden segments, which an agent may reveal. Plain segments are never
// empty; s without secrets is one plain segment (none when s is empty).
func (rd *Redactor) Mask(s string) []Segment {
	found := rd.Find(s)
	segs := make([]Segment, 0, 2*len(found)+1)
	last := 0
	for _, f := range found {
		if f.Start > last {
			segs = append(segs, Segment{Text: s[last:f.Start]})
		}
		segs = append(segs, Segment{Text: Placeholder(f.Kind), Kind: f.Kind})
		last = f.End
	}
	if last < len(s) {
		segs = append(segs, Segment{Text: s[last:]})
	}
	return segs
}

// Mask splits s for display with every secret hidden; see Redactor.Mask.
func Mask(s string) []Segment { return std.Mask(s) }
