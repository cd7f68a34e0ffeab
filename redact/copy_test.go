package redact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCopy(t *testing.T) {
	in := "Booking 1234 567 890\r\nno secrets here 14:30\n\xff PIN: 4321 \xfe\n" +
		strings.Repeat("x", 200000) + " 1234567890\nlast 1234567890"
	want := "Booking [booking number]\r\nno secrets here 14:30\n\xff PIN: [PIN] \xfe\n" +
		strings.Repeat("x", 200000) + " [booking number]\nlast [booking number]"
	var out bytes.Buffer
	if err := Copy(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("Copy output differs:\n got %.200q\nwant %.200q", out.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

type failingReader struct{ data string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("connection reset")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestCopyErrors(t *testing.T) {
	big := strings.Repeat("PIN 1234\n", 20000)
	if err := Copy(failingWriter{}, strings.NewReader(big)); err == nil {
		t.Error("Copy to a failing writer returned nil")
	}
	var out bytes.Buffer
	err := Copy(&out, &failingReader{data: "PIN 1234\n"})
	if err == nil || err.Error() != "connection reset" {
		t.Errorf("Copy from a failing reader = %v", err)
	}
	if out.String() != "PIN [PIN]\n" {
		t.Errorf("Copy lost the data read before the error: %q", out.String())
	}
	if err := CopyJSONL(failingWriter{}, strings.NewReader(strings.Repeat(`{"text":"x"}`+"\n", 20000))); err == nil {
		t.Error("CopyJSONL to a failing writer returned nil")
	}
}

type jsonlLine struct {
	Text     *string `json:"text"`
	Findings []struct {
		Kind  Kind `json:"kind"`
		Start int  `json:"start"`
		End   int  `json:"end"`
	} `json:"findings"`
	Error *string `json:"error"`
}

func TestCopyJSONL(t *testing.T) {
	secretText := "my PIN 9876 and booking 1111 222 333"
	in := strings.Join([]string{
		`{"text": "booking 1234567890, PIN 4321 <ok> & done"}`,
		`{"text": "nothing here", "lang": "en"}`,
		`{"text": "PIN 5555" broken json 7777`,
		`{"lang": "en"}`,
		`{"text": 1234567890}`,
		`{"text": null}`,
		`["text", "PIN 1234"]`,
		``,
		`{"text": "` + secretText + `"}`,
		`{"text": "card\u00a04111 1111 1111 1111"}`,
	}, "\n") // no newline after the last line
	var out bytes.Buffer
	if err := CopyJSONL(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	raw := out.String()
	for _, leak := range []string{"4321", "5555", "7777", "1234567890", "9876", "4111"} {
		if strings.Contains(raw, leak) {
			t.Errorf("output leaks %s:\n%s", leak, raw)
		}
	}
	if strings.Contains(raw, `"findings":null`) {
		t.Errorf("empty findings written as null:\n%s", raw)
	}
	var lines []jsonlLine
	sc := bufio.NewScanner(strings.NewReader(raw))
	for sc.Scan() {
		var l jsonlLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 10 {
		t.Fatalf("got %d output lines, want 10:\n%s", len(lines), raw)
	}
	wantText := map[int]string{
		0: "booking [booking number], PIN [PIN] <ok> & done",
		1: "nothing here",
		8: "my PIN [PIN] and booking [booking number]",
		9: "card\u00a0[card number]",
	}
	wantErr := map[int]error{
		2: ErrMalformedLine, 3: ErrMissingText, 4: ErrTextNotString, 5: ErrTextNotString,
		6: ErrMalformedLine, 7: ErrMalformedLine,
	}
	for i, l := range lines {
		if w, ok := wantText[i]; ok {
			if l.Text == nil || *l.Text != w || l.Error != nil {
				t.Errorf("line %d: got %+v, want text %q", i, l, w)
			}
			if l.Findings == nil {
				t.Errorf("line %d: findings missing", i)
			}
		}
		if w, ok := wantErr[i]; ok {
			if l.Error == nil || *l.Error != w.Error() || l.Text != nil {
				t.Errorf("line %d: got %+v, want error %q", i, l, w)
			}
		}
	}
	if n := len(lines[1].Findings); n != 0 {
		t.Errorf("clean line has %d findings", n)
	}
	f := lines[8].Findings
	if len(f) != 2 || f[0].Kind != PIN || f[1].Kind != BookingNumber ||
		secretText[f[0].Start:f[0].End] != "9876" || secretText[f[1].Start:f[1].End] != "1111 222 333" {
		t.Errorf("line 8 findings = %+v", f)
	}
	if strings.Contains(raw, "broken json") || strings.Contains(raw, `"lang"`) {
		t.Errorf("error lines echo the input:\n%s", raw)
	}
}

func TestCopyJSONLCorpus(t *testing.T) {
	// The corpus is itself JSONL with a "text" field: every row must come
	// out redacted, in order, with offsets into the original text.
	data, err := readFileString("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rows := loadCorpus(t)
	var out bytes.Buffer
	if err := CopyJSONL(&out, strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	for i := 0; dec.More(); i++ {
		var l jsonlLine
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		if i >= len(rows) || l.Text == nil {
			t.Fatalf("line %d: unexpected %+v", i, l)
		}
		if want := String(rows[i].Text); *l.Text != want {
			t.Errorf("line %d: text %q, want %q", i, *l.Text, want)
		}
		fs := Find(rows[i].Text)
		if len(fs) != len(l.Findings) {
			t.Fatalf("line %d: %d findings, want %d", i, len(l.Findings), len(fs))
		}
		for k, f := range fs {
			g := l.Findings[k]
			if g.Kind != f.Kind || g.Start != f.Start || g.End != f.End {
				t.Errorf("line %d finding %d: %+v, want %+v", i, k, g, f)
			}
		}
	}
}
