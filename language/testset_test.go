package language

import (
	"bufio"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// sample is one tweet-shaped test text.
type sample struct {
	lang  string // ISO 639-3 of the source sentence, "eng" for English
	text  string
	hotel bool // English with a foreign hotel name
}

// iso1 maps the test set's ISO 639-3 codes to the detector's ISO 639-1.
var iso1 = map[string]string{
	"afr": "af", "ara": "ar", "cat": "ca", "ces": "cs", "dan": "da", "deu": "de",
	"est": "et", "fin": "fi", "fra": "fr", "hrv": "hr", "hun": "hu", "ind": "id",
	"ita": "it", "jpn": "ja", "lit": "lt", "nld": "nl", "nob": "nb", "pol": "pl",
	"por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "spa": "es", "swe": "sv",
	"swh": "sw", "tgl": "tl", "tur": "tr", "vie": "vi", "zsm": "ms", "eng": "en",
}

// readSentences reads testdata/tatoeba.tsv.gz by language, in file order.
func readSentences(t testing.TB) (map[string][]string, []string) {
	t.Helper()
	f, err := os.Open("testdata/tatoeba.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]string{}
	var order []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		lang, text, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad testdata line %q", sc.Text())
		}
		if _, seen := by[lang]; !seen {
			order = append(order, lang)
		}
		by[lang] = append(by[lang], text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return by, order
}

// Decorations that tweets carry and that belong to no language.
var (
	handles  = []string{"@HotelSupport", "@booking_help", "@TravelCo", "@jane_doe88", "@Sunny_Stays"}
	links    = []string{"https://t.co/AbC123xyz", "http://bit.ly/2xYzq", "www.example.com/booking", "pic.twitter.com/x1Y2z3"}
	tags     = []string{"#travel", "#hotel", "#fail", "#help", "#vacation2025", "#CustomerService"}
	numbers  = []string{"2", "14:00", "3pm", "€120", "10/05", "2x", "#4521"}
	emojis   = []string{"😡", "🙏", "👍🏻", "❤️", "🏨✈️", "😂😂", "🤔"}
	hotels   = []string{"Schlosshotel Fürstenhof Bad Kötzting", "Hôtel de la Cité Carcassonne", "Albergo Ristorante Belvedere", "Gasthof Zum Goldenen Hirschen", "Pensión Ciudad Rodrigo", "Hotell Kämpinge Strand", "Penzion U Zlatého Jelena", "Pousada Vila Galé Óbidos", "Gellért Gyógyfürdő Szálloda", "Hotel Ørnereiret Ålesund", "Kasteel Wittem", "Hotel Dubrovnik Palace Lapad", "Ryokan Kurashiki Shirakabe", "Palazzo Viviani Montegridolfo", "Landhaus Schönbühl Überlingen", "Hostería Quinta São João", "Pałac Mierzęcin", "Žižkov Ženíšek Hotel", "Torre di Bellosguardo", "Château Les Crayères Reims"}
	hotelFmt = []string{
		"I stayed at %s", "%s was great", "Booked %s for two nights and still no confirmation email",
		"We stayed at %s last week and the room was dirty", "Is breakfast included at %s?",
		"My reservation at %s was cancelled without any notice", "Can I get a refund for %s please",
		"The shower at %s is broken", "Loved %s", "Just checked in at %s and the room is not ready",
	}
)

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

// tweetSet builds the deterministic test set: every sentence once, in
// turn kept as it is, cut to its first one to three words, or joined with
// the next sentence of the same language (so all three length buckets are
// filled), and decorated like a tweet; plus English sentences about
// foreign hotels.
func tweetSet(t testing.TB) []sample {
	by, order := readSentences(t)
	rng := rand.New(rand.NewPCG(20260101, 7))
	var out []sample
	for _, lang := range order {
		ss := by[lang]
		for i, s := range ss {
			switch i % 3 {
			case 1:
				if w := strings.Fields(s); len(w) > 1 {
					s = strings.Join(w[:min(len(w), 1+rng.IntN(3))], " ")
				}
			case 2:
				s += " " + ss[(i+1)%len(ss)]
			}
			out = append(out, sample{lang: lang, text: decorate(rng, s)})
		}
	}
	for _, h := range hotels {
		for _, f := range hotelFmt {
			out = append(out, sample{lang: "eng", hotel: true, text: decorate(rng, strings.Replace(f, "%s", h, 1))})
		}
	}
	return out
}
