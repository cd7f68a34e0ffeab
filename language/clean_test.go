package language

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"@HotelHelp my room is cold!!! 😡 #fail https://t.co/AbC123", "my room is cold"},
		{"Check-in at 3pm, room 1204, €120 &amp; it's not ready www.example.com/x", "Check-in at room it's not ready"},
		{"mail me: ann@example.com or see example.org/help", "mail me or see"},
		{"❤️👍🏻 🏨✈️", ""},
		{"Grazie mille!🙏", "Grazie mille"},
		{"Привет, мир", "Привет мир"},
		{"ありがとう。", "ありがとう"},
		{"e\u0301te\u0301 ok", "e\u0301te\u0301 ok"},
	} {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{{"", 0}, {"my room is cold", 4}, {"ありがとう ございます", 2}, {"- ' -", 0}} {
		if got := Words(tc.in); got != tc.want {
			t.Errorf("Words(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestMaskNames(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		masked   bool
	}{
		{"I stayed at Schlosshotel Fürstenhof Bad Kötzting", "I stayed at", true},
		{"Loved Hotel Ørnereiret Ålesund!", "Loved", true},
		{"@HotelHelp Booked Kasteel Wittem for two nights", "@HotelHelp Booked for two nights", true},
		{"Great stay. The staff at Pensión Ciudad Rodrigo were kind.", "Great stay. The staff at were kind.", true},
		{"my room is COLD and I am angry", "my room is COLD and I am angry", false},
		{"Ich habe eine Buchung", "Ich habe eine", true},
	} {
		got, masked := MaskNames(tc.in)
		if got != tc.want || masked != tc.masked {
			t.Errorf("MaskNames(%q) = %q, %v; want %q, %v", tc.in, got, masked, tc.want, tc.masked)
		}
	}
}

func TestNormalizeHint(t *testing.T) {
	for in, want := range map[string]string{
		"en": "en", "in": "id", "iw": "he", "und": "", "qme": "", "zxx": "", "zh-cn": "zh", "EN-GB": "en", "": "", "no": "nb",
	} {
		if got := NormalizeHint(in); got != want {
			t.Errorf("NormalizeHint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfig(t *testing.T) {
	c := Config{}.WithDefaults()
	if len(c.Languages) != len(DefaultLanguages) || c.Ratio != DefaultRatio || c.ShortRatio != DefaultShortRatio || c.WordRatio != DefaultWordRatio {
		t.Errorf("defaults %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	bad := Config{Languages: []string{"en", "qq", "klingon", "zu"}, Ratio: 0.5, ShortRatio: 2e6}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`languages: unknown language code: "qq"`, `unknown language code: "klingon"`, `unknown language code: "zu" is not among the 54 stored languages`, "ratio: 0.5 is outside [1, 1e+06]", "short_ratio: 2e+06 is outside"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if err := (Config{Ratio: 30, WordRatio: 5}).Validate(); err == nil || !strings.Contains(err.Error(), "short_ratio: 12 is below ratio (30)") ||
		!strings.Contains(err.Error(), "word_ratio: 5 is below short_ratio (12)") {
		t.Errorf("short ratio below ratio: %v", err)
	}
	if _, err := Start(bad); err == nil {
		t.Error("Start accepted a bad config")
	}
	langs, _ := parseLanguages([]string{"es", "ES", "all"})
	if len(langs) != len(DefaultLanguages) {
		t.Errorf("all: %d languages", len(langs))
	}
	langs, _ = parseLanguages([]string{"es"})
	if len(langs) != 2 {
		t.Errorf("English is always added: %v", langs)
	}
}
