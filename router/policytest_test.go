package router

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/language"
)

func policyTestRouter(t *testing.T) *Router {
	t.Helper()
	return New(Options{Policy: newPolicy(t, testConfig(), nil)})
}

func TestPolicyTestDecisions(t *testing.T) {
	in := strings.Join([]string{
		`{"platform":"twitter","kind":"mention","text":"[es] mi reserva 1234567890 no aparece","author":"42"}`,
		`{"platform":"twitter","kind":"mention","text":"[es] hola?","author":"42"}`,
		`{"platform":"twitter","kind":"dm","text":"my PIN is 4321","author":{"id":"43","handle":"ann"}}`,
		`{"platform":"facebook","kind":"comment","text":"[it] dov'è il rimborso?","author":{"id":"50","name":"Marco Rossi"}}`,
		`{"platform":"twitter","kind":"mention","text":"[unsure] hotel?"}`,
		`not json`,
		``,
		`{"platform":"twitter","kind":"comment","text":"secret 1234567890"}`,
		`{"platform":"twitter","kind":"mention"}`,
		`{"platform":"twitter","kind":"mention","text":"x","author":{"handle":"noid"}}`,
		`{"platform":"twitter","kind":"mention","text":"x","extra":1}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	if err := PolicyTest(context.Background(), policyTestRouter(t), strings.NewReader(in), &out, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 11 {
		t.Fatalf("%d output lines for 11 input lines:\n%s", len(lines), out.String())
	}
	var d [5]TestDecision
	for i := range d {
		if err := json.Unmarshal([]byte(lines[i]), &d[i]); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	if d[0].English != false || d[0].Language != "es" || d[0].RedactedText != "[es] mi reserva [booking number] no aparece" ||
		len(d[0].Findings) != 1 || len(d[0].Actions) != 1 || d[0].Actions[0].Purpose != "pii_notice+non_english_notice+dm_invite" || d[0].Status != "pending" {
		t.Errorf("line 1: %s", lines[0])
	}
	// Same customer, same run: no second notice or invitation.
	if len(d[1].Actions) != 0 || d[1].English != false {
		t.Errorf("line 2: %s", lines[1])
	}
	if d[2].English != true || !d[2].Link || d[2].RedactedText != "my PIN is [PIN]" || len(d[2].Findings) != 1 {
		t.Errorf("line 3: %s", lines[2])
	}
	if len(d[3].Actions) != 2 || !strings.HasPrefix(d[3].Actions[0].Text, "Ciao Marco") {
		t.Errorf("line 4: %s", lines[3])
	}
	if d[4].English != "unsure" || len(d[4].Flags) != 1 {
		t.Errorf("line 5: %s", lines[4])
	}
	for i, want := range []string{"line 6: not a JSON object", "line 7: not a JSON object", `line 8: kind "comment" is not valid on twitter`, `line 9: missing "text"`, `line 10: "author" is neither`, "line 11: not a JSON object"} {
		var e struct{ Error string }
		if err := json.Unmarshal([]byte(lines[5+i]), &e); err != nil || !strings.HasPrefix(e.Error, want) {
			t.Errorf("line %d: %s, want an error starting %q", 6+i, lines[5+i], want)
		}
		if strings.Contains(lines[5+i], "1234567890") {
			t.Errorf("an error repeats the input: %s", lines[5+i])
		}
	}
}

func TestPolicyTestLangOnly(t *testing.T) {
	var in strings.Builder
	for i := range 500 {
		lang := []string{"[es]", "[de]", "", "[unsure]"}[i%4]
		fmt.Fprintf(&in, `{"platform":"twitter","kind":"mention","text":"%s text %d"}`+"\n", lang, i)
	}
	in.WriteString("{broken\n")
	var out bytes.Buffer
	if err := PolicyTest(context.Background(), policyTestRouter(t), strings.NewReader(in.String()), &out, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 501 {
		t.Fatalf("%d lines", len(lines))
	}
	want := []string{`{"language":"es","english":false}`, `{"language":"de","english":false}`, `{"language":"en","english":true}`, `{"language":"nl","english":"unsure"}`}
	for i := range 500 {
		if lines[i] != want[i%4] {
			t.Fatalf("line %d: %s, want %s (order kept)", i+1, lines[i], want[i%4])
		}
	}
	if !strings.HasPrefix(lines[500], `{"error":"line 501`) {
		t.Errorf("last line %s", lines[500])
	}
}

func TestPolicyTestStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := strings.Repeat(`{"platform":"twitter","kind":"mention","text":"hi"}`+"\n", 10)
	for _, langOnly := range []bool{false, true} {
		if err := PolicyTest(ctx, policyTestRouter(t), strings.NewReader(in), &bytes.Buffer{}, langOnly); err == nil {
			t.Errorf("langOnly=%v: no error after cancel", langOnly)
		}
	}
}

// TestPolicyTestWaitsForModels: `policy test` starts while the models
// load; its first lines wait for them instead of failing, and the real
// detector decides.
func TestPolicyTestWaitsForModels(t *testing.T) {
	// A few languages load quickly; with only two, English keeps a
	// share of any text and Spanish would come out unsure.
	det, err := language.Start(language.Config{Languages: []string{"en", "es", "it", "pt", "fr", "de"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(testConfig(), Deps{Detector: det})
	if err != nil {
		t.Fatal(err)
	}
	in := `{"platform":"twitter","kind":"mention","text":"@HotelHelp hola, necesito ayuda con mi reserva por favor"}` + "\n" +
		`{"platform":"facebook","kind":"comment","text":"Is breakfast included in my booking?"}` + "\n"
	for _, langOnly := range []bool{false, true} {
		var out bytes.Buffer
		if err := PolicyTest(context.Background(), New(Options{Policy: p}), strings.NewReader(in), &out, langOnly); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], `"language":"es","`) || !strings.Contains(lines[0], `"english":false`) ||
			!strings.Contains(lines[1], `"language":"en"`) || !strings.Contains(lines[1], `"english":true`) {
			t.Errorf("langOnly=%v:\n%s", langOnly, out.String())
		}
	}
}
