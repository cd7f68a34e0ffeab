package redact

import (
	"bytes"
	"strings"
	"testing"
)

// TestCopyJSONLCounted: every line is processed, and the lines that could
// not be are counted, so that `inboxbot redact --jsonl` can fail after
// the whole input.
func TestCopyJSONLCounted(t *testing.T) {
	in := strings.Join([]string{`{"text":"PIN 4321"}`, `not json`, `{"lang":"en"}`, `{"text":"hi"}`}, "\n") + "\n"
	var out bytes.Buffer
	n, err := CopyJSONLCounted(&out, strings.NewReader(in))
	if err != nil || n != 2 {
		t.Fatalf("CopyJSONLCounted = %d, %v; want 2, nil", n, err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 4 || !strings.Contains(lines[3], `"text":"hi"`) {
		t.Errorf("output:\n%s", out.String())
	}
}
