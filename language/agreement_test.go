package language

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/pemistahl/lingua-go"
)

// linguaScorer is lingua-go's high-accuracy detector behind the scorer
// interface: lingua's Language values are the language IDs.
type linguaScorer struct{ det lingua.LanguageDetector }

func (l linguaScorer) score(text string, out *scores) {
	*out = scores{top: -1}
	vals := l.det.ComputeLanguageConfidenceValues(text)
	for _, v := range vals {
		out.conf[int(v.Language())] = v.Value()
	}
	if vals[0].Value() > 0 {
		out.top = int(vals[0].Language())
	}
}

// linguaFor loads lingua-go with the languages of d (about 10 s and 1 GB
// for the default set), once per process.
var linguaFor = sync.OnceValue(func() scorer {
	d, err := Start(Config{})
	if err != nil {
		panic(err)
	}
	var langs []lingua.Language
	for _, id := range d.ids {
		langs = append(langs, lingua.Language(id))
	}
	return linguaScorer{lingua.NewLanguageDetectorBuilder().FromLanguages(langs...).WithPreloadedLanguageModels().Build()}
})

// TestAgreementWithLingua runs the detector over the whole test set
// (both splits) twice, with its own scoring and with lingua-go's
// high-accuracy detector over the same languages, under the same rule,
// and requires the same verdict for at least 99.5% of the texts. It also
// reports how often the first choice of language differs and the largest
// confidence difference on the cleaned texts. It loads lingua-go (about
// 10 s and 1 GB); lingua then takes most of the time.
func TestAgreementWithLingua(t *testing.T) {
	if testing.Short() {
		t.Skip("loads lingua-go and runs it over the test set")
	}
	d := loadTestDetector(t)
	start := time.Now()
	ref := withScorer(d, linguaFor())
	loaded := time.Since(start)
	samples := append(tweetSet(t, tuneSplit), tweetSet(t, heldSplit)...)
	ours, theirs := detectAll(d, samples), detectAll(ref, samples)
	differ, langDiffer := 0, 0
	maxDiff := 0.0
	for i := range samples {
		a, b := ours[i], theirs[i]
		if a.English != b.English {
			differ++
			if differ <= 20 {
				t.Logf("%q: %s (%s %.4f, en %.4f) here, %s (%s %.4f, en %.4f) with lingua", samples[i].text,
					a.English, a.Language, a.Confidence, a.EnglishConfidence, b.English, b.Language, b.Confidence, b.EnglishConfidence)
			}
		}
		if a.Language != b.Language {
			langDiffer++
		}
		if a.Language == b.Language && a.Masked == b.Masked {
			maxDiff = math.Max(maxDiff, math.Max(math.Abs(a.Confidence-b.Confidence), math.Abs(a.EnglishConfidence-b.EnglishConfidence)))
		}
	}
	agree := 100 * float64(len(samples)-differ) / float64(len(samples))
	t.Logf("%d texts: verdicts agree on %.2f%% (%d differ), languages differ on %d, largest confidence difference %.4f; lingua loaded in %s, whole test %s",
		len(samples), agree, differ, langDiffer, maxDiff, loaded.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if agree < 99.5 {
		t.Errorf("verdicts agree on %.2f%% of the texts, want at least 99.5%%", agree)
	}
}
