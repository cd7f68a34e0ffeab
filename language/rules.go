package language

import (
	"strings"
	"unicode"
)

// This file is lingua-go's rule engine (v1.4.0 detector.go:
// splitTextIntoWords, detectLanguageWithRules, filterLanguagesByRules),
// rewritten without maps and regular expressions: before any model is
// consulted, a text's scripts and letters may settle its language, or
// narrow the candidates. It must decide as lingua does; the agreement test
// (TestAgreementWithLingua) holds it to that.

// langSet is a set of language IDs.
type langSet [2]uint64

func (s *langSet) add(id int)           { s[id>>6] |= 1 << (id & 63) }
func (s langSet) has(id int) bool       { return s[id>>6]&(1<<(id&63)) != 0 }
func (s langSet) empty() bool           { return s[0]|s[1] == 0 }
func (s langSet) and(t langSet) langSet { return langSet{s[0] & t[0], s[1] & t[1]} }

// alphabetOf returns the alphabet r belongs to, or numAlphabets. The
// scripts are disjoint, so there is at most one.
func alphabetOf(r rune) alphabet {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return latin
		}
		return numAlphabets
	}
	if r < 0x250 { // Latin-1 and Latin Extended-A and -B
		if unicode.Is(unicode.Latin, r) {
			return latin
		}
		return numAlphabets
	}
	for a, t := range scriptTables {
		if unicode.Is(t, r) {
			return alphabet(a)
		}
	}
	return numAlphabets
}

// cjkSingle reports whether r is a word by itself in lingua's splitting:
// Han, Hangul, Hiragana and Katakana characters are.
func cjkSingle(r rune) bool {
	return r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
		unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// splitWords lower-cases text into s.text and splits it into words as
// lingua does (its regular expression
// \p{Han}|\p{Hangul}|\p{Hiragana}|\p{Katakana}|\p{L}+ on the lower-cased
// text): a CJK character alone, or a run of letters.
func (s *scratch) splitWords(text string) {
	s.text, s.words = s.text[:0], s.words[:0]
	for _, r := range text {
		s.text = append(s.text, unicode.ToLower(r))
	}
	for i := 0; i < len(s.text); {
		r := s.text[i]
		switch {
		case cjkSingle(r):
			s.words = append(s.words, span{i, i + 1, true})
			i++
		case unicode.IsLetter(r):
			j, special := i+1, r >= 0x80
			for j < len(s.text) && unicode.IsLetter(s.text[j]) {
				special = special || s.text[j] >= 0x80
				j++
			}
			s.words = append(s.words, span{i, j, special})
			i = j
		default:
			i++
		}
	}
}

// span is a word: s.text[start:end]; special if it has letters outside
// ASCII.
type span struct {
	start, end int
	special    bool
}

// count is a number of votes for a language.
type count struct {
	id, n int
}

// votes is a small multiset of language IDs.
type votes []count

func (v *votes) add(id, n int) {
	for i := range *v {
		if (*v)[i].id == id {
			(*v)[i].n += n
			return
		}
	}
	*v = append(*v, count{id, n})
}

func (v votes) get(id int) int {
	for _, c := range v {
		if c.id == id {
			return c.n
		}
	}
	return 0
}

// top returns the language with the most votes and whether it is alone
// at the top.
func (v votes) top() (id int, clear bool) {
	if len(v) == 0 {
		return unknownID, false
	}
	best := 0
	for i := range v {
		if v[i].n > v[best].n {
			best = i
		}
	}
	for i := range v {
		if i != best && v[i].n == v[best].n {
			return v[best].id, false
		}
	}
	return v[best].id, true
}

// byRules returns the language the text's letters alone settle, or
// unknownID (lingua's detectLanguageWithRules). The result may be a
// language outside the configured set (Japanese, for a word mixing kana
// and Han), which then gets no confidence at all, as in lingua.
func (e *engine) byRules(s *scratch) int {
	total := s.total[:0]
	for _, w := range s.words {
		word := s.wordVotes[:0]
		for _, r := range s.text[w.start:w.end] {
			a := alphabetOf(r)
			if a < numAlphabets {
				if id := singleLanguage[a]; id >= 0 && e.configured.has(id) {
					word.add(id, 1)
					continue
				}
			}
			switch a {
			case han:
				word.add(idChinese, 1)
			case hiragana, katakana:
				word.add(idJapanese, 1)
			case latin, cyrillic, devanagari:
				for _, u := range e.unique {
					if strings.ContainsRune(u.chars, r) {
						word.add(u.id, 1)
					}
				}
			}
		}
		s.wordVotes = word
		switch len(word) {
		case 0:
			total.add(unknownID, 1)
		case 1:
			if e.configured.has(word[0].id) {
				total.add(word[0].id, 1)
			} else {
				total.add(unknownID, 1)
			}
		default:
			if word.get(idChinese) > 0 && word.get(idJapanese) > 0 {
				total.add(idJapanese, 1)
			} else if id, clear := word.top(); clear && e.configured.has(id) {
				total.add(id, 1)
			} else {
				total.add(unknownID, 1)
			}
		}
	}
	s.total = total
	if float64(total.get(unknownID)) < float64(len(s.words))*0.5 {
		for i, c := range total {
			if c.id == unknownID {
				total = append(total[:i], total[i+1:]...)
				break
			}
		}
	}
	switch len(total) {
	case 0:
		return unknownID
	case 1:
		return total[0].id
	case 2:
		if total.get(idChinese) > 0 && total.get(idJapanese) > 0 {
			return idJapanese
		}
	}
	if id, clear := total.top(); clear {
		return id
	}
	return unknownID
}

// filterByRules returns the candidate languages (lingua's
// filterLanguagesByRules): those written in the alphabet most of the
// words are written in, narrowed to the languages whose special letters
// half of the words have, if any.
func (e *engine) filterByRules(s *scratch) langSet {
	var perAlphabet [numAlphabets]int
	seen := 0
	for _, w := range s.words {
		a := alphabetOf(s.text[w.start])
		for _, r := range s.text[w.start+1 : w.end] {
			if alphabetOf(r) != a {
				a = numAlphabets
				break
			}
		}
		if a < numAlphabets {
			if perAlphabet[a] == 0 {
				seen++
			}
			perAlphabet[a]++
		}
	}
	if seen == 0 {
		return e.configured
	}
	most, tie := alphabet(0), true
	for a, n := range perAlphabet {
		if n == 0 {
			continue
		}
		if perAlphabet[most] == 0 || n > perAlphabet[most] {
			most = alphabet(a)
		}
	}
	for _, n := range perAlphabet {
		if n != 0 && n != perAlphabet[most] {
			tie = false
		}
	}
	if seen > 1 && tie {
		return e.configured // every alphabet equally common
	}
	filtered := e.byAlphabet[most]
	var votes [numIDs]int
	for _, sc := range e.shared {
		relevant := sc.langs.and(filtered)
		if relevant.empty() {
			continue
		}
		for _, w := range s.words {
			word := s.text[w.start:w.end]
			if !w.special {
				continue // the shared letters are all outside ASCII
			}
			for _, c := range sc.chars {
				if !containsRune(word, c) {
					continue
				}
				for id := range numIDs {
					if relevant.has(id) {
						votes[id]++
					}
				}
			}
		}
	}
	var subset langSet
	half := float64(len(s.words)) * 0.5
	for id, n := range votes {
		if n > 0 && float64(n) >= half {
			subset.add(id)
		}
	}
	if !subset.empty() {
		return subset
	}
	return filtered
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
