package language

import (
	"unicode"

	"github.com/inboxbot/inboxbot/language/internal/modelfile"
)

// The tables in this file are lingua-go's (v1.4.0: alphabet.go,
// constant.go and language.go; Copyright © 2021-present Peter M. Stahl,
// Apache License 2.0, see NOTICE), in this package's terms. The rules that
// use them (rules.go) must see exactly what lingua sees, or verdicts part.

// alphabet is a script as lingua's rules know it. The order is lingua's:
// a word is counted under the first alphabet it is written in entirely.
type alphabet int

const (
	arabic alphabet = iota
	armenian
	bengali
	cyrillic
	devanagari
	georgian
	greek
	gujarati
	gurmukhi
	han
	hangul
	hebrew
	hiragana
	katakana
	latin
	tamil
	telugu
	thai
	numAlphabets
)

// scriptTables are the Unicode scripts of the alphabets.
var scriptTables = [numAlphabets]*unicode.RangeTable{
	unicode.Arabic, unicode.Armenian, unicode.Bengali, unicode.Cyrillic, unicode.Devanagari,
	unicode.Georgian, unicode.Greek, unicode.Gujarati, unicode.Gurmukhi, unicode.Han,
	unicode.Hangul, unicode.Hebrew, unicode.Hiragana, unicode.Katakana, unicode.Latin,
	unicode.Tamil, unicode.Telugu, unicode.Thai,
}

// is reports whether r is in the alphabet a.
func (a alphabet) is(r rune) bool {
	if a == latin && r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.Is(scriptTables[a], r)
}

// The language IDs (see modelfile.Codes) the rules name.
var (
	idAfrikaans = modelfile.ID("af")
	idChinese   = modelfile.ID("zh")
	idEnglish   = modelfile.ID("en")
	idJapanese  = modelfile.ID("ja")
)

// numIDs counts the language IDs; unknownID stands for no language in the
// rules' counts.
const (
	numIDs    = len(modelfile.Codes)
	unknownID = numIDs
)

// alphabetsOf returns the alphabets a language is written in.
func alphabetsOf(id int) []alphabet {
	switch modelfile.Codes[id] {
	case "be", "bg", "kk", "mk", "mn", "ru", "sr", "uk":
		return []alphabet{cyrillic}
	case "ar", "fa", "ur":
		return []alphabet{arabic}
	case "hi", "mr":
		return []alphabet{devanagari}
	case "hy":
		return []alphabet{armenian}
	case "bn":
		return []alphabet{bengali}
	case "zh":
		return []alphabet{han}
	case "ka":
		return []alphabet{georgian}
	case "el":
		return []alphabet{greek}
	case "gu":
		return []alphabet{gujarati}
	case "he":
		return []alphabet{hebrew}
	case "ja":
		return []alphabet{hiragana, katakana, han}
	case "ko":
		return []alphabet{hangul}
	case "pa":
		return []alphabet{gurmukhi}
	case "ta":
		return []alphabet{tamil}
	case "te":
		return []alphabet{telugu}
	case "th":
		return []alphabet{thai}
	}
	return []alphabet{latin}
}

// singleLanguage maps the alphabets that only one language is written in
// (among all of lingua's, not only the configured ones) to it.
var singleLanguage = func() (m [numAlphabets]int) {
	users := [numAlphabets][]int{}
	for id := range modelfile.Codes {
		for _, a := range alphabetsOf(id) {
			users[a] = append(users[a], id)
		}
	}
	for a, ids := range users {
		m[a] = -1
		if len(ids) == 1 {
			m[a] = ids[0]
		}
	}
	return m
}()

// uniqueCharacters are the letters that, among lingua's languages, only
// one language uses.
var uniqueCharacters = map[string]string{
	"az": "Əə",
	"ca": "Ïï",
	"cs": "ĚěŘřŮů",
	"eo": "ĈĉĜĝĤĥĴĵŜŝŬŭ",
	"de": "ß",
	"hu": "ŐőŰű",
	"kk": "ӘәҒғҚқҢңҰұ",
	"lv": "ĢģĶķĻļŅņ",
	"lt": "ĖėĮįŲų",
	"mk": "ЃѓЅѕЌќЏџ",
	"mr": "ळ",
	"mn": "ӨөҮү",
	"pl": "ŁłŃńŚśŹź",
	"ro": "Țţ",
	"sr": "ЂђЋћ",
	"sk": "ĹĺĽľŔŕ",
	"es": "¿¡",
	"uk": "ҐґЄєЇї",
	"vi": "ẰằẦầẲẳẨẩẴẵẪẫẮắẤấẠạẶặẬậỀềẺẻỂểẼẽỄễẾếỆệỈỉĨĩỊịƠơỒồỜờỎỏỔổỞởỖỗỠỡỐốỚớỘộỢợƯưỪừỦủỬửŨũỮữỨứỤụỰựỲỳỶỷỸỹỴỵ",
	"yo": "ŌōṢṣ",
}

// sharedCharacters are letters that only a few languages use, and those
// languages: a word with one counts for each of them.
var sharedCharacters = []struct {
	chars string
	langs []string
}{
	{"Ãã", []string{"pt", "vi"}},
	{"ĄąĘę", []string{"lt", "pl"}},
	{"Żż", []string{"pl", "ro"}},
	{"Îî", []string{"fr", "ro"}},
	{"Ññ", []string{"eu", "es"}},
	{"ŇňŤť", []string{"cs", "sk"}},
	{"Ăă", []string{"ro", "vi"}},
	{"İıĞğ", []string{"az", "tr"}},
	{"ЈјЉљЊњ", []string{"mk", "sr"}},
	{"ẸẹỌọ", []string{"vi", "yo"}},
	{"ÐðÞþ", []string{"is", "tr"}},
	{"Ûû", []string{"fr", "hu"}},
	{"Ōō", []string{"mi", "yo"}},
	{"ĀāĒēĪī", []string{"lv", "mi", "yo"}},
	{"Şş", []string{"az", "ro", "tr"}},
	{"Ďď", []string{"cs", "ro", "sk"}},
	{"Ćć", []string{"bs", "hr", "pl"}},
	{"Đđ", []string{"bs", "hr", "vi"}},
	{"Іі", []string{"be", "kk", "uk"}},
	{"Ìì", []string{"it", "vi", "yo"}},
	{"Øø", []string{"nb", "da", "nn"}},
	{"Ūū", []string{"lv", "lt", "mi", "yo"}},
	{"Ëë", []string{"af", "sq", "nl", "fr"}},
	{"ÈèÙù", []string{"fr", "it", "vi", "yo"}},
	{"Êê", []string{"af", "fr", "pt", "vi"}},
	{"Õõ", []string{"et", "hu", "pt", "vi"}},
	{"Ôô", []string{"fr", "pt", "sk", "vi"}},
	{"ЁёЫыЭэ", []string{"be", "kk", "mn", "ru"}},
	{"ЩщЪъ", []string{"bg", "kk", "mn", "ru"}},
	{"Òò", []string{"ca", "it", "vi", "yo"}},
	{"Ææ", []string{"nb", "da", "is", "nn"}},
	{"Åå", []string{"nb", "da", "nn", "sv"}},
	{"Ýý", []string{"cs", "is", "sk", "tr", "vi"}},
	{"Ää", []string{"et", "fi", "de", "sk", "sv"}},
	{"Àà", []string{"ca", "fr", "it", "pt", "vi"}},
	{"Ââ", []string{"fr", "pt", "ro", "tr", "vi"}},
	{"Üü", []string{"az", "ca", "et", "de", "hu", "es", "tr"}},
	{"ČčŠšŽž", []string{"bs", "cs", "hr", "lv", "lt", "sk", "sl"}},
	{"Çç", []string{"sq", "az", "eu", "ca", "fr", "pt", "tr"}},
	{"Öö", []string{"az", "et", "fi", "de", "hu", "is", "sv", "tr"}},
	{"Óó", []string{"ca", "hu", "is", "ga", "pl", "pt", "sk", "es", "vi", "yo"}},
	{"ÁáÍíÚú", []string{"ca", "cs", "is", "ga", "hu", "pt", "sk", "es", "vi", "yo"}},
	{"Éé", []string{"ca", "cs", "fr", "hu", "is", "ga", "it", "pt", "sk", "es", "vi", "yo"}},
}
