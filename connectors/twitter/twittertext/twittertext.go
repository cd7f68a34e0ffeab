// Package twittertext counts a tweet's length the way Twitter does, so
// that the router's guard, the composer and the fake API agree on what
// fits. It is a leaf package: the fake (twfake) cannot import the
// connector, whose tests import the fake.
package twittertext

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLength is the most weighted characters a tweet may hold.
const MaxLength = 280

// LinkLength is what every link counts for (t.co shortening).
const LinkLength = 23

// Length is the length Twitter counts for s: every link is 23 characters,
// characters of Latin and the common punctuation blocks count 1, and all
// others (CJK, emoji) count 2.
func Length(s string) int {
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			n++ // the separating space; runs of spaces are rare in our texts
		}
		if isLink(w) {
			trimmed := strings.TrimRight(w, linkTrail)
			n += LinkLength + utf8.RuneCountInString(w[len(trimmed):])
			continue
		}
		for _, r := range w {
			n += runeWeight(r)
		}
	}
	return n
}

func runeWeight(r rune) int {
	switch {
	case r <= 4351, r >= 8192 && r <= 8205, r >= 8208 && r <= 8223, r >= 8242 && r <= 8247:
		return 1
	}
	return 2
}

// linkTrail is the punctuation that may follow a link without being part
// of it.
const linkTrail = ".,;:!?)"

// isLink reports whether Twitter would shorten w: a URL with a scheme, or
// a host name such as help.example.com.
func isLink(w string) bool {
	w = strings.TrimRight(w, linkTrail)
	if strings.Contains(w, "://") {
		return true
	}
	if strings.ContainsRune(w, '@') {
		return false
	}
	host, _, _ := strings.Cut(w, "/")
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot > len(host)-3 {
		return false
	}
	for _, r := range host[dot+1:] {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// HasLink reports whether s holds a link that X would shorten. A post
// with a link costs about 13 times a plain one on pay-per-use, so the
// connector meters it (and the fake bills it) by this rule.
func HasLink(s string) bool {
	for _, w := range strings.Fields(s) {
		if isLink(w) {
			return true
		}
	}
	return false
}

// DMLink returns the deep link that opens a direct message to the
// account with user id ourID, for public replies that invite a customer
// to continue in private.
func DMLink(ourID string) string {
	return "https://twitter.com/messages/compose?recipient_id=" + url.QueryEscape(ourID)
}
