// Package language tells which language a customer wrote in, and above
// all whether it is English: Twitter support is in English, and a customer
// who confidently writes in another language is told where to get help in
// theirs. It wraps github.com/pemistahl/lingua-go (high-accuracy mode,
// models preloaded) with what short, noisy social-media texts need.
//
// # The three-way rule
//
// Detect returns English, NotEnglish or Unsure. A false "please write in
// English" to an English speaker is the worse error, so NotEnglish needs
// strong evidence and everything doubtful is Unsure (which the router
// treats as English, with a flag):
//
//  1. Clean the text: drop URLs, @handles, #hashtags, e-mail addresses,
//     tokens with digits, emoji and symbols. They carry no language and
//     pull short texts toward whatever they resemble.
//  2. No letters left: Unsure.
//  3. English is lingua's first choice: English.
//  4. English's confidence is below Config.Threshold (0.04) for texts of
//     four or more words, or below Config.ShortThreshold (0.01) for one to
//     three words: NotEnglish, unless rescued (5).
//  5. Otherwise Unsure.
//
// The rescue: a short English sentence about a foreign hotel ("I stayed at
// Schlosshotel Fürstenhof Bad Kötzting") is mostly name, and its umlauts
// even make lingua drop English as a candidate. Every text that is not
// plainly English is scored a second time with its capitalised words
// (other than a sentence's first) masked (MaskNames). If that says
// English, the text is English; if it leaves nothing, or leaves English a
// fair chance, a NotEnglish text becomes Unsure. The masked text never
// makes a text NotEnglish, so masking German nouns costs nothing. On the
// test set no English text with a foreign hotel name is called not English
// (7.5% of them were without the rescue).
//
// A platform hint (Twitter's "lang"; NormalizeHint maps its "in" to "id"
// and drops "und") only settles what the detector left open or breaks a
// conflict toward caution: "en" makes an Unsure text English and a
// NotEnglish one Unsure; another known language makes an English text
// Unsure, an Unsure text of four or more words NotEnglish in that
// language (unless English was lingua's first choice), and names the
// language of a NotEnglish one.
//
// # The language set
//
// lingua keeps every n-gram model of every language as Go maps, so memory
// grows with the number of languages, while the English decision improves
// with more of them: a text in a language outside the set falls to the
// nearest one in it, sometimes English. Measured on this machine (2 cores,
// tweet-shaped Tatoeba texts, see README-section.md for the tables):
//
//	set                              RSS after 10k texts   non-English 4+ caught   outside language: caught / called English
//	29 test languages + English            668 MiB                97.2%                    82.5% / 1.65%
//	default (54, 41 preloaded)             891 MiB                98.0%                    89.3% / 1.02%
//	all 75                                1127 MiB                98.6%                    92.1% / 0.82%
//
// English texts of four or more words are never called not English with
// any of the three. DefaultLanguages is the middle one: the 29 languages
// customers write in, English, the Latin-script languages most easily
// confused with them (Bosnian, Slovene, Nynorsk, Latvian, Icelandic,
// Welsh, Albanian, Esperanto, Latin, Irish, Basque), Ukrainian, and the
// languages lingua recognises by their script alone (Greek, Hebrew, Thai,
// Korean, Armenian, Georgian, the Indic scripts, Chinese, Japanese), whose
// models are not preloaded: their texts never reach a model. All 75 would
// catch 0.6 points more and leak a little less, for 240 MiB more, which
// puts a whole server above 1.2 GB; the 29 alone save 220 MiB but leave
// the acceptance threshold (97%) almost no margin and let a language
// outside the set through twice as often.
//
// # Loading
//
// Loading takes 5 to 9 seconds. Start returns at once and loads in the
// background, two languages at a time (lingua keeps models in
// process-wide maps, so a detector built for a pair fills them for the
// final one), then returns the decoding garbage to the OS; this keeps the
// peak of loading near the steady size instead of twice it. Detect waits
// for the models, bounded by its context, and fails with ErrNotReady when
// the context ends first.
//
// After loading, the models are about 90% of the heap. With Go's default
// GOGC=100 the heap may grow to twice the live size between collections,
// so a busy server's RSS can reach 1.5 GB although only 0.9 GB is live;
// a soft memory limit (GOMEMLIMIT=1100MiB) keeps it near 1.2 GB at some
// cost in throughput. The model data also adds about 135 MB to the binary.
package language
