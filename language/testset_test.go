package language

import (
	"bufio"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// sample is one tweet-shaped test text.
type sample struct {
	split string // "tune" or "held"
	lang  string // ISO 639-3 of the source sentence, "eng" for English
	style string // how the recipe wrote it (see styles)
	text  string
	hotel bool // English with a foreign hotel name
}

// The two parts of the test set: decisions are tuned on one and reported
// on the other.
const (
	tuneSplit = "tune"
	heldSplit = "held"
)

// iso1 maps the test set's ISO 639-3 codes to the detector's ISO 639-1.
var iso1 = map[string]string{
	"afr": "af", "ara": "ar", "cat": "ca", "ces": "cs", "dan": "da", "deu": "de",
	"est": "et", "fin": "fi", "fra": "fr", "hrv": "hr", "hun": "hu", "ind": "id",
	"ita": "it", "jpn": "ja", "lit": "lt", "nld": "nl", "nob": "nb", "pol": "pl",
	"por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "spa": "es", "swe": "sv",
	"swh": "sw", "tgl": "tl", "tur": "tr", "vie": "vi", "zsm": "ms", "eng": "en",
}

// sentences are the Tatoeba sentences of one split, by language, in file
// order.
type sentences struct {
	by    map[string][]string
	order []string
}

// readSentences reads testdata/tatoeba-split.tsv.gz (see the testdata
// README for where it comes from and how the split was fixed).
var readSentences = sync.OnceValues(func() (map[string]*sentences, error) {
	f, err := os.Open("testdata/tatoeba-split.tsv.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	out := map[string]*sentences{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			return nil, &os.PathError{Op: "parse", Path: f.Name(), Err: os.ErrInvalid}
		}
		s := out[parts[0]]
		if s == nil {
			s = &sentences{by: map[string][]string{}}
			out[parts[0]] = s
		}
		if _, seen := s.by[parts[1]]; !seen {
			s.order = append(s.order, parts[1])
		}
		s.by[parts[1]] = append(s.by[parts[1]], parts[2])
	}
	return out, sc.Err()
})

// Decorations that tweets carry and that belong to no language.
var (
	handles = []string{"@HotelSupport", "@booking_help", "@TravelCo", "@jane_doe88", "@Sunny_Stays"}
	links   = []string{"https://t.co/AbC123xyz", "http://bit.ly/2xYzq", "www.example.com/booking", "pic.twitter.com/x1Y2z3"}
	tags    = []string{"#travel", "#hotel", "#fail", "#help", "#vacation2025", "#CustomerService"}
	numbers = []string{"2", "14:00", "3pm", "€120", "10/05", "2x", "#4521"}
	emojis  = []string{"😡", "🙏", "👍🏻", "❤️", "🏨✈️", "😂😂", "🤔"}
)

// English sentences around foreign hotel names, different names and
// sentences in each split.
var hotelSet = map[string]struct{ names, formats []string }{
	tuneSplit: {
		names: []string{"Schlosshotel Fürstenhof Bad Kötzting", "Hôtel de la Cité Carcassonne", "Albergo Ristorante Belvedere", "Gasthof Zum Goldenen Hirschen", "Pensión Ciudad Rodrigo", "Hotell Kämpinge Strand", "Penzion U Zlatého Jelena", "Pousada Vila Galé Óbidos", "Gellért Gyógyfürdő Szálloda", "Hotel Ørnereiret Ålesund", "Kasteel Wittem", "Hotel Dubrovnik Palace Lapad", "Ryokan Kurashiki Shirakabe", "Palazzo Viviani Montegridolfo", "Landhaus Schönbühl Überlingen", "Hostería Quinta São João", "Pałac Mierzęcin", "Žižkov Ženíšek Hotel", "Torre di Bellosguardo", "Château Les Crayères Reims"},
		formats: []string{
			"I stayed at %s", "%s was great", "Booked %s for two nights and still no confirmation email",
			"We stayed at %s last week and the room was dirty", "Is breakfast included at %s?",
			"My reservation at %s was cancelled without any notice", "Can I get a refund for %s please",
			"The shower at %s is broken", "Loved %s", "Just checked in at %s and the room is not ready",
		},
	},
	heldSplit: {
		names: []string{"Gästehaus Müllerthal Echternach", "Hotel Sacher Wien", "Parador de Santiago de Compostela", "Albergo del Sole al Pantheon", "Hôtel Plaza Athénée", "Pousada Mosteiro de Guimarães", "Hotel Kämp Helsinki", "Grand Hôtel du Lac Vevey", "Hostal Sant Jordi Girona", "Villa d'Este Cernobbio", "Schweizerhof Luzern", "Hotel Þingholt Reykjavík", "Pensjonat Pod Jedlami Zakopane", "Hotel Jalta Praha", "Kúria Szálló Eger", "Zamek Łańcut Hotel", "Gostilna Pri Lojzetu Vipava", "Hotel Cişmigiu Bucureşti", "Sultanahmet Köşkü Konak", "Hotel Sveti Križ Trogir"},
		formats: []string{
			"We are staying at %s until Sunday", "How far is %s from the airport?",
			"Please change my booking at %s to three nights", "The receptionist at %s was very rude to us",
			"Why was I charged twice for %s", "%s lost our luggage", "Can you confirm my late check-in at %s",
			"Thanks for the upgrade at %s!", "No hot water at %s since yesterday", "Is parking free at %s?",
		},
	},
}

// styles are how people write tweets, with their shares in the recipe:
// as written; all lower case; lower case without punctuation; without
// punctuation; without accents (and lower case); shouting.
var styles = []struct {
	name  string
	share int // percent
	apply func(string) string
}{
	{"as written", 45, func(s string) string { return s }},
	{"lower", 25, strings.ToLower},
	{"lower, no punctuation", 15, func(s string) string { return noPunct(strings.ToLower(s)) }},
	{"no punctuation", 5, noPunct},
	{"lower, no accents", 5, func(s string) string { return noAccents(strings.ToLower(s)) }},
	{"upper", 5, strings.ToUpper},
}

// noPunct drops punctuation, as a quick typist does.
func noPunct(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) && r != '\'' && r != '-' {
			return ' '
		}
		return r
	}, s)), " ")
}

// noAccents writes lower-case letters without their accents, as people
// do on phones without the right keyboard: "très" → "tres". (The table is
// Unicode's canonical decompositions of the lower-case Latin letters,
// keeping the base letter; letters without one, like ø or ł, stay.)
func noAccents(s string) string { return accentFree.Replace(s) }

var accentFree = func() *strings.Replacer {
	from := []rune("àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕẖẗẘẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
	to := []rune("aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooyabbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrsssssttttuuuuuvvwwwwwxxyzzzhtwyaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyy")
	if len(from) != len(to) {
		panic("accent table")
	}
	var pairs []string
	for i := range from {
		pairs = append(pairs, string(from[i]), string(to[i]))
	}
	return strings.NewReplacer(pairs...)
}()

// decorate adds tweet furniture around s.
func decorate(rng *rand.Rand, s string) string {
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	var pre, post []string
	if rng.IntN(10) < 6 {
		pre = append(pre, pick(handles))
	}
	if rng.IntN(10) < 2 {
		pre = append(pre, pick(numbers))
	}
	if rng.IntN(10) < 3 {
		post = append(post, pick(emojis))
	}
	if rng.IntN(4) == 0 {
		post = append(post, pick(tags))
	}
	if rng.IntN(10) < 3 {
		post = append(post, pick(links))
	}
	if rng.IntN(10) < 2 {
		post = append(post, pick(numbers))
	}
	return strings.Join(append(append(pre, s), post...), " ")
}

// style picks a style by its share.
func style(rng *rand.Rand) (string, func(string) string) {
	n := rng.IntN(100)
	for _, s := range styles {
		if n < s.share {
			return s.name, s.apply
		}
		n -= s.share
	}
	return styles[0].name, styles[0].apply
}

// tweetSet builds one split's test texts with the recipe, deterministic
// per split: every sentence once, in turn kept as it is, cut to its first
// one to three words, or joined with the next sentence of the same
// language (so all three length buckets are filled), written in a style
// (styles) and decorated like a tweet; plus English sentences about
// foreign hotels in the same styles.
func tweetSet(t testing.TB, split string) []sample {
	t.Helper()
	all, err := readSentences()
	if err != nil {
		t.Fatal(err)
	}
	src := all[split]
	if src == nil {
		t.Fatalf("no split %q in the test data", split)
	}
	seed := uint64(20260101)
	if split == heldSplit {
		seed = 20261130
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []sample
	for _, lang := range src.order {
		ss := src.by[lang]
		for i, s := range ss {
			switch i % 3 {
			case 1:
				if w := strings.Fields(s); len(w) > 1 {
					s = strings.Join(w[:min(len(w), 1+rng.IntN(3))], " ")
				}
			case 2:
				s += " " + ss[(i+1)%len(ss)]
			}
			name, apply := style(rng)
			out = append(out, sample{split: split, lang: lang, style: name, text: decorate(rng, apply(s))})
		}
	}
	hs := hotelSet[split]
	for _, h := range hs.names {
		for _, f := range hs.formats {
			name, apply := style(rng)
			out = append(out, sample{split: split, lang: "eng", style: name, hotel: true, text: decorate(rng, apply(strings.Replace(f, "%s", h, 1)))})
		}
	}
	return out
}
