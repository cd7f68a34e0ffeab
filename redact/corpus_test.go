package redact

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"
)

type corpusRow struct {
	ID        string   `json:"id"`
	Lang      string   `json:"lang"`
	Text      string   `json:"text"`
	Secrets   []string `json:"secrets"`
	Keep      []string `json:"keep"`
	Unchanged bool     `json:"unchanged"`
}

func loadCorpus(t testing.TB) []corpusRow {
	t.Helper()
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r corpusRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("corpus line %d: %v", len(rows)+1, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// readable is the text as a reader who ignores punctuation, spacing and
// scripts would see it: only letters and digits, digits in ASCII. A secret
// that appears in it has leaked, however it was split or disguised.
func readable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
			continue
		}
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestCorpus(t *testing.T) {
	rows := loadCorpus(t)
	if len(rows) != 300 {
		t.Fatalf("corpus has %d rows, want 300", len(rows))
	}
	for _, row := range rows {
		out := String(row.Text)
		rd := readable(out)
		for _, sec := range row.Secrets {
			if strings.Contains(rd, sec) {
				t.Errorf("%s (%s): secret %s readable in %q", row.ID, row.Lang, sec, out)
			}
		}
		for _, k := range row.Keep {
			if !strings.Contains(out, k) {
				t.Errorf("%s (%s): %q lost in %q", row.ID, row.Lang, k, out)
			}
		}
		if row.Unchanged && out != row.Text {
			t.Errorf("%s (%s): changed %q -> %q", row.ID, row.Lang, row.Text, out)
		}
		if !row.Unchanged && out == row.Text {
			t.Errorf("%s (%s): nothing redacted in %q", row.ID, row.Lang, row.Text)
		}
		if again := String(out); again != out {
			t.Errorf("%s: not idempotent: %q -> %q", row.ID, out, again)
		}
	}
}
