package logging

import (
	"log/slog"
	"strings"
)

// Platform ids are numbers that look like secrets to the redactor: a
// 19-digit tweet id passes the Luhn check one time in ten (a card number),
// a 10-digit Page or user id reads as a booking number. Masking them in
// logs hides nothing (they are public) and leaves an operator unable to
// find the item a line is about. So an attribute keeps its value when its
// key names an id and its value has the shape of one; everything else,
// and every message, is still redacted.

// idKeys are attribute keys that hold platform or store ids, besides
// "id" and keys ending in "_id" or "_ids".
var idKeys = map[string]bool{
	"target": true, "recipient": true, "page": true, "thread": true,
	"subject": true, "cursor": true, "psid": true, "user": true,
	"account": true, "key": true, "mid": true,
}

// maxIDLen bounds an id value: ids are short; a long value is text.
const maxIDLen = 128

// isPlatformID reports whether a is an id-typed attribute: its key names
// an id and its value is an integer or a single token of ASCII letters,
// digits and the separators ids use ("123_456", "t_10", "facebook:hide:12",
// "inbox.in.twitter.mention"). A value with a space or any other rune is
// text, and is redacted whatever its key.
func isPlatformID(a slog.Attr) bool {
	if !idKey(a.Key) {
		return false
	}
	switch a.Value.Kind() {
	case slog.KindInt64, slog.KindUint64:
		return true
	case slog.KindString:
		return idToken(a.Value.String())
	}
	return false
}

func idKey(k string) bool {
	k = strings.ToLower(k)
	return k == "id" || strings.HasSuffix(k, "_id") || strings.HasSuffix(k, "_ids") || idKeys[k]
}

func idToken(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c == '_', c == ':', c == '.', c == '-', c == ',':
		default:
			return false
		}
	}
	return true
}
