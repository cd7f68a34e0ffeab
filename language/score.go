package language

import (
	"math"
	"slices"
	"sync"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

// scores are the confidences of one text, by language ID, as lingua's
// ComputeLanguageConfidenceValues gives them: in [0,1], summing to 1 or
// all 0 (no letters, or no configured language fits).
type scores struct {
	conf [numIDs]float64
	// top is the language with the highest confidence, the lowest ID
	// among equals (lingua's order), or -1 when all are 0.
	top int
}

// scorer computes the confidences of a text. The engine is the one the
// detector uses; the tests plug lingua-go in to compare.
type scorer interface {
	score(text string, out *scores)
}

// engine scores texts as lingua-go's high-accuracy mode does (detector.go
// of v1.4.0), over the configured languages, from the model store:
//
//  1. the text is lower-cased and split into words (rules.go);
//  2. the rules may settle the language from its letters alone, or
//     narrow the candidates to an alphabet and the languages of its
//     special letters;
//  3. otherwise, for each n-gram length 1 to 5 (only 3 for texts of 120
//     letters or more), every distinct n-gram of the words adds, for each
//     candidate, the log probability of its longest prefix that the
//     candidate's models know;
//  4. a candidate's sums over the lengths, divided by the number of the
//     text's distinct letters its unigram model knows, are its score, and
//     the confidences are the scores' softmax.
type engine struct {
	m          *models
	configured langSet
	slot       [numIDs]int // store slot by language ID, -1 if not stored
	slotID     []int       // language ID by slot
	unique     []uniqueLetters
	byAlphabet [numAlphabets]langSet
	shared     []sharedLetters
	afSlot     int
	pool       sync.Pool // *scratch
}

type uniqueLetters struct {
	id    int
	chars string
}

type sharedLetters struct {
	chars []rune
	langs langSet
}

// newEngine prepares an engine for the languages ids, which must all be
// in the store.
func newEngine(m *models, ids []int) *engine {
	e := &engine{m: m, slotID: m.ids, afSlot: m.slotOf(idAfrikaans)}
	for id := range e.slot {
		e.slot[id] = m.slotOf(id)
	}
	for _, id := range ids {
		e.configured.add(id)
		if u := uniqueCharacters[modelfile.Codes[id]]; u != "" {
			e.unique = append(e.unique, uniqueLetters{id, u})
		}
		for _, a := range alphabetsOf(id) {
			e.byAlphabet[a].add(id)
		}
	}
	for _, sc := range sharedCharacters {
		var langs langSet
		for _, c := range sc.langs {
			langs.add(modelfile.ID(c))
		}
		e.shared = append(e.shared, sharedLetters{[]rune(sc.chars), langs})
	}
	e.pool.New = func() any { return new(scratch) }
	return e
}

// scratch is one scoring's working memory, pooled so that scoring
// allocates nothing in the steady state.
type scratch struct {
	text      []rune
	words     []span
	wordVotes votes
	total     votes
	unigram   []int32 // unigram node per rune of text, -1 if none
	paths     []path  // per rune of text: its trie path, if in a word
	first     []uint8 // per rune of text: bit k if its k-gram is the first of its kind
	grams     []gram  // the distinct n-grams of one length
	seen      []int32 // open-addressing set: index+1 in grams, 0 if free
	sums      [modelfile.Levels][maxSlots]float64
	known     [maxSlots]int // distinct letters each slot's unigram model knows
}

// path is the chain of trie nodes of the n-grams starting at one rune:
// nodes[k-1] is the node of the k-gram, for k up to depth.
type path struct {
	nodes [modelfile.Levels]uint32
	depth int
}

// gram is one n-gram of the text, for finding the distinct ones: its
// runes packed (21 bits each).
type gram struct {
	key [2]uint64
}

// score implements scorer.
func (e *engine) score(text string, out *scores) {
	*out = scores{top: -1}
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	s.splitWords(text)
	if len(s.words) == 0 {
		return
	}
	if id := e.byRules(s); id != unknownID {
		if e.configured.has(id) {
			out.conf[id], out.top = 1, id
		}
		return
	}
	candidates := e.filterByRules(s)
	n, only := 0, -1
	var mask uint64 // candidates by slot
	for id := range numIDs {
		if candidates.has(id) {
			n, only = n+1, id
			mask |= 1 << e.slot[id]
		}
	}
	if n == 1 {
		out.conf[only], out.top = 1, only
		return
	}
	letters := 0
	for _, w := range s.words {
		letters += w.end - w.start
	}
	lengths := []int{1, 2, 3, 4, 5}
	if letters >= 120 {
		lengths = []int{3}
	}
	e.paths(s, lengths[len(lengths)-1])
	e.sums(s, lengths, mask)
	e.confidences(s, lengths[0] == 1, mask, out)
}

// paths walks the trie from every rune of every word, at most maxLen
// deep.
func (e *engine) paths(s *scratch, maxLen int) {
	s.unigram = slices.Grow(s.unigram[:0], len(s.text))[:len(s.text)]
	s.paths = slices.Grow(s.paths[:0], len(s.text))[:len(s.text)]
	s.first = slices.Grow(s.first[:0], len(s.text))[:len(s.text)]
	clear(s.first)
	for i, r := range s.text {
		s.unigram[i] = -1
		if id, ok := e.m.unigram(r); ok {
			s.unigram[i] = int32(id)
		}
	}
	for _, w := range s.words {
		for i := w.start; i < w.end; i++ {
			p := &s.paths[i]
			p.depth = 0
			if s.unigram[i] < 0 {
				continue
			}
			p.nodes[0], p.depth = uint32(s.unigram[i]), 1
			for p.depth < maxLen && i+p.depth < w.end {
				c := s.unigram[i+p.depth]
				if c < 0 {
					break
				}
				id, ok := e.m.child(p.depth-1, p.nodes[p.depth-1], uint32(c))
				if !ok {
					break
				}
				p.nodes[p.depth] = id
				p.depth++
			}
		}
	}
}

// sums adds up, per candidate slot and n-gram length k in lengths, the
// log probabilities of the distinct k-grams of the words: each k-gram
// counts with its longest prefix that the candidate knows, and not at all
// if it knows none (lingua's computeSumOfNgramProbabilities). It also
// counts the distinct letters each slot's unigram model knows.
//
// The n-grams starting at one rune are prefixes of each other, so one
// walk down their trie path serves every length: cur holds, per slot,
// the log probability of the longest prefix so far that the slot knows.
func (e *engine) sums(s *scratch, lengths []int, mask uint64) {
	maxLen := lengths[len(lengths)-1]
	var wanted int // bit k: length k is summed
	for _, k := range lengths {
		wanted |= 1 << k
		e.markFirst(s, k)
	}
	var slots [maxSlots]int
	n := 0
	for slot := range e.slotID {
		if mask&(1<<slot) != 0 {
			slots[n] = slot
			n++
		}
	}
	s.sums = [modelfile.Levels][maxSlots]float64{}
	s.known = [maxSlots]int{}
	var cur [maxSlots]float64
	for _, w := range s.words {
		for i := w.start; i < w.end; i++ {
			p := &s.paths[i]
			cur = [maxSlots]float64{}
			for k := 1; k <= maxLen && i+k <= w.end; k++ {
				first := s.first[i]&(1<<k) != 0
				if k <= p.depth {
					start, end := e.m.postings(k-1, p.nodes[k-1])
					for q := start; q < end; q++ {
						slot, code := e.m.posting(k-1, q)
						if mask&(1<<slot) != 0 {
							cur[slot] = e.m.logp(slot, k-1, code)
						}
						if k == 1 && first {
							s.known[slot]++
						}
					}
				}
				if first && wanted&(1<<k) != 0 {
					sums := &s.sums[k-1]
					for _, slot := range slots[:n] {
						sums[slot] += cur[slot]
					}
				}
			}
		}
	}
}

// markFirst marks, in s.first, the first occurrence of each distinct
// k-gram of the words (lingua counts each distinct n-gram once), with a
// small open-addressing set of the n-grams seen.
func (e *engine) markFirst(s *scratch, k int) {
	n := 0
	for _, w := range s.words {
		n += max(0, w.end-w.start-k+1)
	}
	size := 16
	for size < 2*n {
		size *= 2
	}
	s.seen = slices.Grow(s.seen[:0], size)[:size]
	clear(s.seen)
	s.grams = s.grams[:0]
	for _, w := range s.words {
		for i := w.start; i+k <= w.end; i++ {
			var g gram
			for j, r := range s.text[i : i+k] {
				g.key[j/3] = g.key[j/3]<<21 | uint64(r)
			}
			h := (g.key[0]*0x9E3779B97F4A7C15 ^ g.key[1]*0xC2B2AE3D27D4EB4F) >> 32
			for slot := int(h) & (size - 1); ; slot = (slot + 1) & (size - 1) {
				if s.seen[slot] == 0 {
					s.grams = append(s.grams, g)
					s.seen[slot] = int32(len(s.grams))
					s.first[i] |= 1 << k
					break
				}
				if s.grams[s.seen[slot]-1].key == g.key {
					break
				}
			}
		}
	}
}

// confidences turns the sums into confidences (lingua's
// sumUpProbabilities and computeConfidenceValues). A slot's sums count
// only where they are below 0. With unigrams, a slot's total is divided
// by the number of the text's distinct letters its unigram model knows;
// lingua counts that for the candidates with a unigram sum, and in place
// of each one without, for Afrikaans (the zero value of its Language
// type), which is reproduced here because it changes Afrikaans' score.
func (e *engine) confidences(s *scratch, unigrams bool, mask uint64, out *scores) {
	var divisor [maxSlots]int
	if unigrams {
		var mult [maxSlots]int
		any := false
		for slot := range e.slotID {
			if mask&(1<<slot) != 0 && s.sums[0][slot] < 0 {
				any = true
			}
		}
		for slot := range e.slotID {
			if mask&(1<<slot) == 0 {
				continue
			}
			switch {
			case !any || s.sums[0][slot] < 0:
				mult[slot]++
			case e.afSlot >= 0:
				mult[e.afSlot]++
			}
		}
		for slot := range e.slotID {
			divisor[slot] = mult[slot] * s.known[slot]
		}
	}
	var totals [maxSlots]float64
	best := math.Inf(-1)
	for slot := range e.slotID {
		if mask&(1<<slot) == 0 {
			continue
		}
		t := 0.0
		for k := range s.sums {
			if s.sums[k][slot] < 0 {
				t += s.sums[k][slot]
			}
		}
		if divisor[slot] > 0 {
			t /= float64(divisor[slot])
		}
		totals[slot] = t
		if t != 0 {
			best = max(best, t)
		}
	}
	if math.IsInf(best, -1) {
		return
	}
	sum := 0.0
	for slot := range e.slotID {
		if mask&(1<<slot) != 0 && totals[slot] != 0 {
			sum += math.Exp(totals[slot] - best)
		}
	}
	for slot, id := range e.slotID {
		if mask&(1<<slot) == 0 || totals[slot] == 0 {
			continue
		}
		c := math.Exp(totals[slot]-best) / sum
		out.conf[id] = c
		if out.top < 0 || c > out.conf[out.top] || c == out.conf[out.top] && id < out.top {
			out.top = id
		}
	}
}
