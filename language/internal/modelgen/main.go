// Command modelgen writes the language model store (language/models.bin)
// from the n-gram models that the lingua-go module ships. `go generate
// ./language/` runs it; see package modelfile for the layout and
// language/doc.go for why the store looks like this.
//
// lingua's models are Apache-2.0 licensed (language/NOTICE). Each is a
// zipped protocol buffer: a list of sets of n-grams sharing one
// probability. The store keeps every n-gram of every stored language
// with its natural-log probability quantised to a per-model codebook of
// 1<<modelfile.CodeBits values (exact when the model has no more distinct
// values than that).
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

func main() {
	langs := flag.String("langs", "", "comma-separated ISO 639-1 codes of the languages to store")
	out := flag.String("o", "models.bin", "the store to write")
	dir := flag.String("lingua", "", "lingua-go's module directory (default: from go list -m)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("modelgen: ")
	if *dir == "" {
		d, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
		if err != nil {
			log.Fatalf("finding lingua-go (run go mod download): %v", err)
		}
		*dir = strings.TrimSpace(string(d))
	}
	ids, err := parseLangs(*langs)
	if err != nil {
		log.Fatal(err)
	}
	models, err := readModels(filepath.Join(*dir, "language-models"), ids)
	if err != nil {
		log.Fatal(err)
	}
	data, stats, err := build(ids, models)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%s: %d languages, %.1f MB\n%s", *out, len(ids), float64(len(data))/1e6, stats)
}

// parseLangs returns the languages' IDs in ID order (which is lingua's
// order), so that a slot's order is the order of ties.
func parseLangs(s string) ([]int, error) {
	var ids []int
	for _, c := range strings.Split(s, ",") {
		id := modelfile.ID(strings.TrimSpace(c))
		if id < 0 {
			return nil, fmt.Errorf("unknown language %q", c)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 1<<modelfile.SlotBits || len(ids) >= 1<<modelfile.CountBits {
		return nil, fmt.Errorf("%d languages: at most %d fit", len(ids), 1<<modelfile.CountBits-1)
	}
	return ids, nil
}

// ngramSet is a set of n-grams sharing one probability in a model.
type ngramSet struct {
	p     float64
	grams []string
}

// readModels reads the models of every language and level:
// models[slot][level-1]. A language without a model of some level (lingua
// has only unigrams for Chinese, for example) has none there.
func readModels(dir string, ids []int) ([][modelfile.Levels][]ngramSet, error) {
	names := [modelfile.Levels]string{"unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"}
	models := make([][modelfile.Levels][]ngramSet, len(ids))
	for slot, id := range ids {
		for l := range modelfile.Levels {
			path := filepath.Join(dir, modelfile.Codes[id], names[l]+".pb.bin.zip")
			raw, err := readZip(path)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			sets, err := decodeModel(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			for _, s := range sets {
				if !(s.p > 0 && s.p <= 1) {
					return nil, fmt.Errorf("%s: probability %v", path, s.p)
				}
				for _, g := range s.grams {
					if utf8.RuneCountInString(g) != l+1 {
						return nil, fmt.Errorf("%s: n-gram %q", path, g)
					}
				}
			}
			models[slot][l] = sets
		}
	}
	return models, nil
}

// readZip returns the one file in the zip archive at path.
func readZip(path string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%s: %d files", path, len(zr.File))
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// decodeModel decodes lingua's SerializableLanguageModel (see its
// serialization/model.proto): field 4 holds the n-gram sets, each with
// the probability in field 1 (a double) and the n-grams in field 2.
func decodeModel(b []byte) ([]ngramSet, error) {
	var sets []ngramSet
	err := fields(b, func(num int, v []byte) error {
		if num != 4 {
			return nil
		}
		var s ngramSet
		err := fields(v, func(num int, v []byte) error {
			switch num {
			case 1:
				s.p = math.Float64frombits(binary.LittleEndian.Uint64(v))
			case 2:
				s.grams = append(s.grams, string(v))
			}
			return nil
		})
		sets = append(sets, s)
		return err
	})
	return sets, err
}

// fields calls f for each field of the protocol buffer message b with
// its number and, for fixed-size and length-delimited fields, its bytes.
func fields(b []byte, f func(num int, v []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		var v []byte
		switch key & 7 {
		case 0: // varint
			_, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
		case 1: // 64-bit
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			v, b = b[:8], b[8:]
		case 2: // length-delimited
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errors.New("bad length")
			}
			v, b = b[n:n+int(l)], b[n+int(l):]
		case 5: // 32-bit
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			v, b = b[:4], b[4:]
		default:
			return fmt.Errorf("wire type %d", key&7)
		}
		if err := f(int(key>>3), v); err != nil {
			return err
		}
	}
	return nil
}

// build lays out the store.
func build(ids []int, models [][modelfile.Levels][]ngramSet) ([]byte, string, error) {
	var stats strings.Builder
	// Rune indices: runes of longer n-grams first, so that they fit in
	// CharBits.
	inLong, all := map[rune]bool{}, map[rune]bool{}
	for _, m := range models {
		for l, sets := range m {
			for _, s := range sets {
				for _, g := range s.grams {
					for _, r := range g {
						all[r] = true
						if l > 0 {
							inLong[r] = true
						}
					}
				}
			}
		}
	}
	var long, short []rune
	for r := range all {
		if inLong[r] {
			long = append(long, r)
		} else {
			short = append(short, r)
		}
	}
	slices.Sort(long)
	slices.Sort(short)
	if len(long) > 1<<modelfile.CharBits {
		return nil, "", fmt.Errorf("%d runes in n-grams of 2 or more: at most %d fit", len(long), 1<<modelfile.CharBits)
	}
	if len(all) >= modelfile.NoRune {
		return nil, "", fmt.Errorf("%d runes", len(all))
	}
	byIndex := append(long, short...)
	index := make(map[rune]uint64, len(byIndex))
	for i, r := range byIndex {
		index[r] = uint64(i)
	}
	pack := func(g string) uint64 {
		var k uint64
		for _, r := range g {
			k = k<<modelfile.CharBits | index[r]
		}
		return k
	}

	// The keys of each level: every n-gram of the models, and every
	// prefix of a longer one.
	var keys [modelfile.Levels][]uint64
	for i := range byIndex {
		keys[0] = append(keys[0], uint64(i))
	}
	var prefixes map[uint64]bool
	for l := modelfile.Levels - 1; l > 0; l-- {
		set := prefixes
		if set == nil {
			set = map[uint64]bool{}
		}
		for _, m := range models {
			for _, s := range m[l] {
				for _, g := range s.grams {
					set[pack(g)] = true
				}
			}
		}
		prefixes = map[uint64]bool{}
		for k := range set {
			keys[l] = append(keys[l], k)
			prefixes[k>>modelfile.CharBits] = true
		}
		slices.Sort(keys[l])
	}
	for k := range prefixes {
		if k >= uint64(len(long)) {
			return nil, "", fmt.Errorf("prefix rune %d has no short index", k)
		}
	}

	// Postings, codebooks.
	codebooks := make([]float32, len(ids)*modelfile.Levels<<modelfile.CodeBits)
	var postings [modelfile.Levels][]uint64 // node<<16 | slot<<CodeBits | code
	for slot, m := range models {
		for l, sets := range m {
			if len(sets) == 0 {
				continue
			}
			book, codeOf, maxErr, meanErr := quantise(sets)
			copy(codebooks[(slot*modelfile.Levels+l)<<modelfile.CodeBits:], book)
			if maxErr > 0 {
				fmt.Fprintf(&stats, "  %s %d-grams: %d distinct probabilities, quantised: mean error %.5f, max %.4f\n", modelfile.Codes[ids[slot]], l+1, len(sets), meanErr, maxErr)
			}
			for i, s := range sets {
				for _, g := range s.grams {
					k := pack(g)
					node, ok := slices.BinarySearch(keys[l], k)
					if !ok {
						return nil, "", fmt.Errorf("lost n-gram %q", g)
					}
					postings[l] = append(postings[l], uint64(node)<<16|uint64(slot)<<modelfile.CodeBits|uint64(codeOf[i]))
				}
			}
		}
	}

	var sec [modelfile.NumSections][]byte
	sec[modelfile.Langs] = make([]byte, len(ids))
	for i, id := range ids {
		sec[modelfile.Langs][i] = byte(id)
	}
	direct := make([]uint16, modelfile.DirectRunes)
	for i := range direct {
		direct[i] = modelfile.NoRune
	}
	sorted := slices.Clone(byIndex)
	slices.Sort(sorted)
	runes, runeIndex := make([]uint32, len(sorted)), make([]uint16, len(sorted))
	for i, r := range sorted {
		runes[i], runeIndex[i] = uint32(r), uint16(index[r])
		if r < modelfile.DirectRunes {
			direct[r] = uint16(index[r])
		}
	}
	sec[modelfile.Direct] = le(direct)
	sec[modelfile.Runes] = le(runes)
	sec[modelfile.RuneIndex] = le(runeIndex)
	total := 0
	for l := range modelfile.Levels {
		ks, ps := keys[l], postings[l]
		slices.Sort(ps)
		info := make([]uint16, len(ks))
		base := make([]uint32, 0, len(ks)/modelfile.Sample+2)
		maxCount := 0
		for j, p := range ps {
			node := p >> 16
			if j > 0 && ps[j-1]>>16 == node && (ps[j-1]>>modelfile.CodeBits)&(1<<modelfile.SlotBits-1) == (p>>modelfile.CodeBits)&(1<<modelfile.SlotBits-1) {
				return nil, "", fmt.Errorf("level %d: node %d twice in one language", l+1, node)
			}
			info[node]++
			maxCount = max(maxCount, int(info[node]))
		}
		if maxCount >= 1<<modelfile.CountBits {
			return nil, "", fmt.Errorf("level %d: %d postings on a node", l+1, maxCount)
		}
		sum := uint32(0)
		for j := range info {
			if j%modelfile.Sample == 0 {
				base = append(base, sum)
			}
			sum += uint32(info[j])
			if l > 0 {
				info[j] |= uint16(ks[j]&(1<<modelfile.CharBits-1)) << modelfile.CountBits
			}
		}
		base = append(base, sum)
		post := make([]uint16, len(ps))
		for j, p := range ps {
			post[j] = uint16(p)
		}
		sec[modelfile.Info1+modelfile.Section(l)] = le(info)
		sec[modelfile.PostBase1+modelfile.Section(l)] = le(base)
		sec[modelfile.Postings1+modelfile.Section(l)] = le(post)
		maxChildren := 0
		if l < modelfile.Levels-1 {
			next := keys[l+1]
			counts := make([]byte, len(ks))
			cbase := make([]uint32, 0, len(ks)/modelfile.Sample+2)
			start := 0
			for j, k := range ks {
				if j%modelfile.Sample == 0 {
					cbase = append(cbase, uint32(start))
				}
				end, _ := slices.BinarySearch(next, (k+1)<<modelfile.CharBits)
				if end-start > 255 {
					return nil, "", fmt.Errorf("level %d: %d children", l+1, end-start)
				}
				counts[j] = byte(end - start)
				maxChildren = max(maxChildren, end-start)
				start = end
			}
			if start != len(next) {
				return nil, "", fmt.Errorf("level %d: %d of %d children reached", l+2, start, len(next))
			}
			cbase = append(cbase, uint32(start))
			sec[modelfile.Children1+modelfile.Section(l)] = counts
			sec[modelfile.ChildBase1+modelfile.Section(l)] = le(cbase)
		}
		total += len(ps)
		fmt.Fprintf(&stats, "level %d: %d nodes, %d postings (at most %d on a node), at most %d children\n", l+1, len(ks), len(ps), maxCount, maxChildren)
	}
	sec[modelfile.Codebook] = le(codebooks)
	fmt.Fprintf(&stats, "%d runes (%d in longer n-grams), %d postings", len(byIndex), len(long), total)

	var buf bytes.Buffer
	buf.WriteString(modelfile.Magic)
	header := []uint32{modelfile.Version, uint32(modelfile.NumSections)}
	off := align(modelfile.HeaderSize)
	for _, s := range sec {
		header = append(header, uint32(off), uint32(len(s)))
		off = align(off + len(s))
	}
	buf.Write(le(header))
	for _, s := range sec {
		buf.Write(make([]byte, align(buf.Len())-buf.Len()))
		buf.Write(s)
	}
	return buf.Bytes(), stats.String(), nil
}

func align(n int) int { return (n + 7) &^ 7 }

// le encodes xs little-endian.
func le[T uint16 | uint32 | float32](xs []T) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, xs); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// quantise returns the codebook of one model (natural logarithms of its
// probabilities), each set's code, and the largest and the mean (over
// n-grams) absolute error. A model with at most 1<<CodeBits distinct
// probabilities is stored exactly. Otherwise code 0 is kept for log 1 = 0
// (a probability of 1 must add exactly nothing, as in lingua) and the
// other codes are placed by Lloyd's algorithm, weighted by the number of
// n-grams per value.
func quantise(sets []ngramSet) (book []float32, codeOf []uint16, maxErr, meanErr float64) {
	const size = 1 << modelfile.CodeBits
	const exact = 384 // values kept exactly in a quantised model
	type value struct {
		v float64
		w int
	}
	var vals []value
	for _, s := range sets {
		vals = append(vals, value{math.Log(s.p), len(s.grams)})
	}
	slices.SortFunc(vals, func(a, b value) int { return cmpFloat(a.v, b.v) })
	vals = slices.CompactFunc(vals, func(a, b value) bool { return a.v == b.v })
	book = make([]float32, size)
	var centres []float64
	if len(vals) <= size {
		for _, v := range vals {
			centres = append(centres, v.v)
		}
	} else {
		// Weights: sum the n-grams of equal values.
		w := map[float64]int{}
		for _, s := range sets {
			w[math.Log(s.p)] += len(s.grams)
		}
		var rest []value
		total := 0
		for _, v := range vals {
			if v.v != 0 {
				rest = append(rest, value{v.v, w[v.v]})
				total += w[v.v]
			}
		}
		// The most common values exactly, then an even grid over the
		// range for the rest, which bounds every error by half a step.
		slices.SortStableFunc(rest, func(a, b value) int { return b.w - a.w })
		lo, hi := 0.0, math.Inf(-1)
		for _, v := range rest {
			lo, hi = min(lo, v.v), max(hi, v.v)
		}
		for _, v := range rest[:exact] {
			centres = append(centres, v.v)
		}
		grid := size - 1 - exact
		for i := range grid {
			centres = append(centres, lo+(hi-lo)*float64(i)/float64(grid-1))
		}
		_ = total
		centres = append([]float64{0}, centres...)
		slices.Sort(centres)
		centres = slices.Compact(centres)
	}
	for i, c := range centres {
		book[i] = float32(c)
	}
	codeOf = make([]uint16, len(sets))
	n, errSum := 0, 0.0
	for i, s := range sets {
		lp := math.Log(s.p)
		j, _ := slices.BinarySearchFunc(centres, lp, cmpFloat)
		if j == len(centres) || (j > 0 && math.Abs(centres[j-1]-lp) < math.Abs(centres[j]-lp)) {
			j--
		}
		if lp == 0 && centres[j] != 0 {
			panic("log 1 lost")
		}
		codeOf[i] = uint16(j)
		e := math.Abs(float64(book[j]) - lp)
		maxErr = max(maxErr, e)
		errSum += e * float64(len(s.grams))
		n += len(s.grams)
	}
	if len(vals) <= size {
		maxErr = 0 // float32 rounding only
	}
	return book, codeOf, maxErr, errSum / float64(n)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
