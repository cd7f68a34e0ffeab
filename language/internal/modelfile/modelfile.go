// Package modelfile describes the layout of the language model store,
// language/models.bin: the generator (language/internal/modelgen) writes
// it and package language reads it in place, from the bytes embedded in
// the binary.
//
// The store is a trie of the n-grams (1 to 5 characters) of all the
// stored languages' models, one array per level, with each node's
// language probabilities attached:
//
//   - A character is a rune index. Runes that occur in n-grams of two or
//     more characters come first and fit in CharBits; the others (mostly
//     Han, which lingua models as unigrams only) follow. A level-1 node's
//     id is its rune's index.
//   - The nodes of level n (n-grams of n characters) are sorted by their
//     packed key (the rune indices, CharBits each, first character most
//     significant), which is the same as by parent node and last
//     character, so that a node's children are one contiguous run of the
//     next level. Children[n][id] counts them and ChildBase[n][k] is where
//     the children of node k*Sample start; the counts lead from there.
//   - Info[n][id] holds the node's last character (high CharBits bits) and
//     its number of postings (low CountBits bits).
//   - A posting is a language slot (high SlotBits bits) and the code of
//     the quantised natural logarithm of the language's probability for
//     the n-gram (low CodeBits bits); Codebook[slot][n-1][code] is the
//     value. A node's postings are sorted by slot and follow those of the
//     node before it; PostBase[n][k] is where node k*Sample's start, the
//     counts in Info lead from there to any node.
//
// All integers are little-endian. Sections start at multiples of 8.
package modelfile

// Magic starts every store; Version is the layout's version.
const (
	Magic   = "LNGM"
	Version = 1
)

// Layout constants.
const (
	// Levels is the longest n-gram.
	Levels = 5
	// CharBits is the width of a rune index in a key and in Info.
	CharBits = 10
	// CountBits is the width of a node's posting count in Info.
	CountBits = 16 - CharBits
	// CodeBits is the width of a probability code in a posting; a
	// codebook has 1<<CodeBits values.
	CodeBits = 10
	// SlotBits is the width of a language slot in a posting.
	SlotBits = 16 - CodeBits
	// Sample is the spacing of PostBase's entries.
	Sample = 16
	// DirectRunes is the size of the direct rune table: runes below it
	// find their index in one step, the others by binary search.
	DirectRunes = 0x2000
	// NoRune marks a rune without an index in the direct table.
	NoRune = 0xFFFF
)

// Section names the store's sections, in file order. The header is the
// magic, the version, the number of sections, and then an offset and a
// length in bytes (uint32 each) per section.
type Section int

// The sections.
const (
	// Langs: one byte per slot, the language's ID (see Codes).
	Langs Section = iota
	// Direct: uint16 per rune below DirectRunes, its index or NoRune.
	Direct
	// Runes: uint32 per rune, sorted by value.
	Runes
	// RuneIndex: uint16 per rune of Runes, its index.
	RuneIndex
	// Info1 to Info5: uint16 per node of the level.
	Info1
	Info2
	Info3
	Info4
	Info5
	// Children1 to Children4: one byte per node of the level, its number
	// of children in the next level.
	Children1
	Children2
	Children3
	Children4
	// ChildBase1 to ChildBase4: uint32 per Sample nodes of the level, the
	// start of node k*Sample's children in the next level, and the total
	// at the end.
	ChildBase1
	ChildBase2
	ChildBase3
	ChildBase4
	// PostBase1 to PostBase5: uint32 per Sample nodes of the level, and
	// the total at the end.
	PostBase1
	PostBase2
	PostBase3
	PostBase4
	PostBase5
	// Postings1 to Postings5: uint16 per posting.
	Postings1
	Postings2
	Postings3
	Postings4
	Postings5
	// Codebook: float32 per code, per level, per slot.
	Codebook
	// NumSections counts the sections.
	NumSections
)

// HeaderSize is the size of the header in bytes.
const HeaderSize = 12 + 8*int(NumSections)

// Codes are the ISO 639-1 codes of the languages lingua-go knows, in the
// order of its Language type, which is also the order in which it breaks
// ties between equal confidences. A language's ID is its index here.
var Codes = [...]string{
	"af", "sq", "ar", "hy", "az", "eu", "be", "bn", "nb", "bs", "bg", "ca", "zh", "hr", "cs",
	"da", "nl", "en", "eo", "et", "fi", "fr", "lg", "ka", "de", "el", "gu", "he", "hi", "hu",
	"is", "id", "ga", "it", "ja", "kk", "ko", "la", "lv", "lt", "mk", "ms", "mi", "mr", "mn",
	"nn", "fa", "pl", "pt", "pa", "ro", "ru", "sr", "sn", "sk", "sl", "so", "st", "es", "sw",
	"sv", "tl", "ta", "te", "th", "ts", "tn", "tr", "uk", "ur", "vi", "cy", "xh", "yo", "zu",
}

// ID returns the ID of the language with ISO 639-1 code code, or -1.
func ID(code string) int {
	for i, c := range Codes {
		if c == code {
			return i
		}
	}
	return -1
}
