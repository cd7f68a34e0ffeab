package store

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a search query.
const (
	// MaxQueryBytes bounds the query text.
	MaxQueryBytes = 200
	// MaxQueryTerms bounds the words, phrases, handles and ids of a query.
	MaxQueryTerms = 8
)

// Query is a parsed search query.
//
// Words and "quoted phrases" must all occur in one message of the
// conversation, or all in its customer's name and handle; a word ending
// in '*' is a prefix. @handle matches customers whose handle starts so.
// A word with a digit in it is an id: a conversation id, or a platform id
// of a message, thread or customer, matched exactly. Digits are not
// searchable in text: private messages hold booking numbers and PINs in
// clear, and search must not find them. A handle's digits count
// ("@guest123"): handles and names are not secret.
type Query struct {
	// Terms are the words and phrases.
	Terms []Term
	// Handles are the @handle prefixes.
	Handles []Term
	// IDs are the words with a digit, as written.
	IDs []string
}

// Term is a word or phrase: tokens that must follow each other.
type Term struct {
	// Tokens are lower case letters and digits: digits other than 0-9
	// for words and phrases, all of them for handles.
	Tokens []string
	// Prefix makes the last token match any word it starts.
	Prefix bool
}

// QueryError says why a search query cannot run. It matches ErrInvalid.
type QueryError struct {
	// Reason is written for whoever typed the query.
	Reason string
}

// Error returns the reason.
func (e *QueryError) Error() string { return "search: " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *QueryError) Is(target error) bool { return target == ErrInvalid }

// ParseQuery parses a search query (see Query). It fails with a
// *QueryError when the query is too long, has too many terms, or has
// nothing searchable in it.
func ParseQuery(s string) (Query, error) {
	var q Query
	if len(s) > MaxQueryBytes {
		return q, &QueryError{Reason: fmt.Sprintf("the query is longer than %d bytes", MaxQueryBytes)}
	}
	if !utf8.ValidString(s) {
		return q, &QueryError{Reason: "the query is not valid UTF-8"}
	}
	for rest := strings.TrimSpace(s); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		var word string
		if rest[0] == '"' {
			// A phrase runs to the closing quote, or to the end.
			phrase, after, _ := strings.Cut(rest[1:], `"`)
			rest = after
			if t := (Term{Tokens: tokens(phrase, false)}); len(t.Tokens) > 0 {
				q.Terms = append(q.Terms, t)
			}
			continue
		}
		if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
			word, rest = rest[:i], rest[i:]
		} else {
			word, rest = rest, ""
		}
		switch {
		case strings.HasPrefix(word, "@"):
			if t := (Term{Tokens: tokens(word[1:], true), Prefix: true}); len(t.Tokens) > 0 {
				q.Handles = append(q.Handles, t)
			}
		case strings.ContainsAny(word, "0123456789"):
			q.IDs = append(q.IDs, strings.Trim(word, `"'.,;:!?()[]{}<>#`))
		default:
			t := Term{Tokens: tokens(word, false), Prefix: strings.HasSuffix(word, "*")}
			if len(t.Tokens) > 0 {
				q.Terms = append(q.Terms, t)
			}
		}
	}
	q.IDs = slices.DeleteFunc(q.IDs, func(id string) bool { return id == "" })
	switch n := len(q.Terms) + len(q.Handles) + len(q.IDs); {
	case n == 0:
		return q, &QueryError{Reason: "nothing to search for: type words, a \"phrase\", an @handle or an id"}
	case n > MaxQueryTerms:
		return q, &QueryError{Reason: fmt.Sprintf("the query has more than %d words, phrases, handles and ids", MaxQueryTerms)}
	}
	return q, nil
}

// tokens splits text as the search indexes do: runs of letters, marks
// and digits, in lower case; the digits 0-9 split too unless digits is
// set (messages' index leaves them out, customers' keeps them).
func tokens(text string, digits bool) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)) || (!digits && '0' <= r && r <= '9')
	})
}

// SearchPage is one page of search results.
type SearchPage struct {
	Conversations []Conversation `json:"conversations"`
	// Matches names, by conversation id, the message that matched, when
	// one did.
	Matches map[int64]int64 `json:"-"`
	// More is true when more conversations match beyond this page.
	More bool `json:"more"`
}
