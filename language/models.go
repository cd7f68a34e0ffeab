package language

import (
	_ "embed"
	"fmt"
	"math"
	"sync"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

//go:generate go run ./internal/modelgen -o models.bin -langs af,ar,ca,cs,da,de,et,fi,fr,hr,hu,id,it,ja,lt,nl,nb,pl,pt,ro,ru,sk,es,sv,sw,tl,tr,vi,ms,en,bs,sl,nn,lv,is,cy,sq,eo,la,ga,eu,uk,el,he,th,ko,hy,ka,bn,gu,pa,ta,te,zh

// modelData is the model store (see package modelfile for its layout),
// read in place: as a string it stays in the binary's read-only data, and
// only the pages that lookups touch become resident.
//
//go:embed models.bin
var modelData string

// maxSlots bounds the number of stored languages (a slot fits in
// modelfile.SlotBits).
const maxSlots = 1 << modelfile.SlotBits

// models is the opened store: views of its sections.
type models struct {
	ids       []int // the language ID of each slot
	direct    string
	runes     string
	runeIndex string
	nRunes    int
	levels    [modelfile.Levels]level
	codebook  string
}

// level is one level of the trie: the nodes of the n-grams of one length.
type level struct {
	info      string // uint16 per node: last character, posting count
	children  string // byte per node: number of children (not on the last level)
	childBase string // uint32 per Sample nodes
	postBase  string // uint32 per Sample nodes
	postings  string // uint16 per posting: slot, code
}

// node is a node of the trie: its level (0 for unigrams) and id.
type node struct {
	level int
	id    uint32
}

// openModels returns the embedded store, opened once.
var openModels = sync.OnceValues(func() (*models, error) { return parseModels(modelData) })

// parseModels checks the store's header and slices its sections. It reads
// a few hundred bytes and allocates nothing that grows with the store.
func parseModels(data string) (*models, error) {
	if len(data) < modelfile.HeaderSize || data[:4] != modelfile.Magic {
		return nil, fmt.Errorf("%w: not a model store", ErrModels)
	}
	if v := u32(data, 1); v != modelfile.Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrModels, v, modelfile.Version)
	}
	if n := u32(data, 2); n != uint32(modelfile.NumSections) {
		return nil, fmt.Errorf("%w: %d sections, want %d", ErrModels, n, modelfile.NumSections)
	}
	var sec [modelfile.NumSections]string
	for i := range sec {
		off, n := u32(data, 3+2*i), u32(data, 4+2*i)
		if uint64(off)+uint64(n) > uint64(len(data)) || off%8 != 0 {
			return nil, fmt.Errorf("%w: section %d out of bounds", ErrModels, i)
		}
		sec[i] = data[off : off+n]
	}
	m := &models{direct: sec[modelfile.Direct], runes: sec[modelfile.Runes], runeIndex: sec[modelfile.RuneIndex], codebook: sec[modelfile.Codebook]}
	for _, id := range []byte(sec[modelfile.Langs]) {
		if int(id) >= len(modelfile.Codes) {
			return nil, fmt.Errorf("%w: language %d", ErrModels, id)
		}
		m.ids = append(m.ids, int(id))
	}
	m.nRunes = len(m.runes) / 4
	if len(m.ids) == 0 || len(m.ids) > maxSlots || len(m.direct) != 2*modelfile.DirectRunes || len(m.runeIndex) != 2*m.nRunes ||
		len(m.codebook) != 4*len(m.ids)*modelfile.Levels<<modelfile.CodeBits {
		return nil, fmt.Errorf("%w: inconsistent section sizes", ErrModels)
	}
	nodes := m.nRunes
	for l := range m.levels {
		lv := level{
			info:     sec[modelfile.Info1+modelfile.Section(l)],
			postBase: sec[modelfile.PostBase1+modelfile.Section(l)],
			postings: sec[modelfile.Postings1+modelfile.Section(l)],
		}
		n := len(lv.info) / 2
		if n != nodes || len(lv.postBase) != 4*((n+modelfile.Sample-1)/modelfile.Sample+1) ||
			int(u32(lv.postBase, len(lv.postBase)/4-1)) != len(lv.postings)/2 {
			return nil, fmt.Errorf("%w: level %d inconsistent", ErrModels, l+1)
		}
		if l < modelfile.Levels-1 {
			lv.children = sec[modelfile.Children1+modelfile.Section(l)]
			lv.childBase = sec[modelfile.ChildBase1+modelfile.Section(l)]
			if len(lv.children) != n || len(lv.childBase) != len(lv.postBase) {
				return nil, fmt.Errorf("%w: level %d children inconsistent", ErrModels, l+1)
			}
			nodes = int(u32(lv.childBase, len(lv.childBase)/4-1))
		}
		m.levels[l] = lv
	}
	return m, nil
}

// u16 and u32 read the i-th little-endian integer of s.
func u16(s string, i int) uint16 { return uint16(s[2*i]) | uint16(s[2*i+1])<<8 }

func u32(s string, i int) uint32 {
	s = s[4*i : 4*i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// unigram returns the trie node of the rune r, if any model has it.
func (m *models) unigram(r rune) (uint32, bool) {
	if r >= 0 && r < modelfile.DirectRunes {
		i := u16(m.direct, int(r))
		return uint32(i), i != modelfile.NoRune
	}
	lo, hi := 0, m.nRunes
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if rune(u32(m.runes, mid)) < r {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < m.nRunes && rune(u32(m.runes, lo)) == r {
		return uint32(u16(m.runeIndex, lo)), true
	}
	return 0, false
}

// child returns the node that extends node id of level l by the rune
// whose unigram node is c.
func (m *models) child(l int, id, c uint32) (uint32, bool) {
	if c >= 1<<modelfile.CharBits {
		return 0, false // a rune that no longer n-gram has
	}
	lv := &m.levels[l]
	start := u32(lv.childBase, int(id/modelfile.Sample))
	for j := id &^ (modelfile.Sample - 1); j < id; j++ {
		start += uint32(lv.children[j])
	}
	next := m.levels[l+1].info
	lo, hi := int(start), int(start)+int(lv.children[id])
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if uint32(u16(next, mid)>>modelfile.CountBits) < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < int(start)+int(lv.children[id]) && uint32(u16(next, lo)>>modelfile.CountBits) == c {
		return uint32(lo), true
	}
	return 0, false
}

// postings returns the range of node id's postings on level l.
func (m *models) postings(l int, id uint32) (start, end int) {
	lv := &m.levels[l]
	s := u32(lv.postBase, int(id/modelfile.Sample))
	for j := id &^ (modelfile.Sample - 1); j < id; j++ {
		s += uint32(u16(lv.info, int(j)) & (1<<modelfile.CountBits - 1))
	}
	return int(s), int(s) + int(u16(lv.info, int(id))&(1<<modelfile.CountBits-1))
}

// posting returns the j-th posting of level l: a slot and the code of
// its log probability.
func (m *models) posting(l, j int) (slot, code int) {
	p := u16(m.levels[l].postings, j)
	return int(p >> modelfile.CodeBits), int(p & (1<<modelfile.CodeBits - 1))
}

// logp returns the log probability that code stands for in the model of
// level l of slot.
func (m *models) logp(slot, l, code int) float64 {
	return float64(math.Float32frombits(u32(m.codebook, (slot*modelfile.Levels+l)<<modelfile.CodeBits|code)))
}

// slotOf returns the slot of the language with ID id, or -1.
func (m *models) slotOf(id int) int {
	for s, x := range m.ids {
		if x == id {
			return s
		}
	}
	return -1
}
