package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type bookingRef struct{ ID string }

func (b bookingRef) String() string { return "booking " + b.ID }

type lazySecret struct{}

func (lazySecret) LogValue() slog.Value { return slog.StringValue("PIN 2222") }

type nilErr struct{ msg *string }

func (e *nilErr) Error() string { return *e.msg }

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	// No time: its digits could spell one of the leaks looked for below.
	noTime := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}
	base := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime})
	log := slog.New(NewHandler(base))

	log = log.With("session", "PIN 1111 given", slog.Group("ctx", slog.String("ref", "booking 1234-567-890")))
	log = log.WithGroup("req")
	log.Info("customer wrote: my pin is 3333, booking #2345678901",
		"text", "card 4111 1111 1111 1111",
		slog.Group("inner", slog.String("note", "PIN: 4444"), slog.Group("deep", slog.String("x", "3456789012"))),
		"err", fmt.Errorf("lookup %s failed: %w", "4567890123", errors.New("not found")),
		"ref", bookingRef{ID: "5678901234"},
		"lazy", lazySecret{},
		"pin", "5555",
		"pin_code", 6666,
		"booking", int64(6789012345),
		"bytes", []byte("PIN 7777"),
		"map", map[string]string{"pin": "8888"},
		"count", 42,
		"year", 2024,
		"clean", "room 1204 at 14:30",
		"nilerr", &nilErr{},
	)
	out := buf.String()
	for _, leak := range []string{
		"1111", "1234567890", "1234-567-890", "3333", "2345678901", "4111", "4444", "3456789012",
		"4567890123", "5678901234", "2222", "5555", "6666", "6789012345", "7777", "8888",
	} {
		if strings.Contains(out, leak) {
			t.Errorf("log output leaks %s:\n%s", leak, out)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	if got := rec["msg"]; got != "customer wrote: my pin is [PIN], booking [booking number]" {
		t.Errorf("msg = %q", got)
	}
	if got := rec["session"]; got != "PIN [PIN] given" {
		t.Errorf("With attr = %q", got)
	}
	if got := rec["ctx"].(map[string]any)["ref"]; got != "booking [booking number]" {
		t.Errorf("With group attr = %q", got)
	}
	req := rec["req"].(map[string]any)
	want := map[string]any{
		"text":     "card [card number]",
		"err":      "lookup [booking number] failed: not found",
		"ref":      "booking [booking number]",
		"lazy":     "PIN [PIN]",
		"pin":      "[PIN]",
		"pin_code": "[PIN]",
		"booking":  "[booking number]",
		"bytes":    "PIN [PIN]",
		"map":      "map[pin:[PIN]]",
		"count":    float64(42),
		"year":     float64(2024),
		"clean":    "room 1204 at 14:30",
		"nilerr":   "!PANIC rendering value",
	}
	for k, w := range want {
		if got := req[k]; got != w {
			t.Errorf("req.%s = %#v, want %#v", k, got, w)
		}
	}
	inner := req["inner"].(map[string]any)
	if inner["note"] != "PIN: [PIN]" || inner["deep"].(map[string]any)["x"] != "[booking number]" {
		t.Errorf("nested groups not redacted: %v", inner)
	}
}

func TestHandlerEnabled(t *testing.T) {
	base := slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
	h := NewHandler(base)
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled does not follow the wrapped handler")
	}
}

func TestFindingJSONHidesValue(t *testing.T) {
	b, err := json.Marshal(Find("PIN 1234"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `[{"kind":"pin","start":4,"end":8}]` {
		t.Errorf("json = %s", got)
	}
}

// TestHandlerKeepAttrs: attributes the option keeps pass unchanged, in
// groups and in With too; the message and the others are still redacted.
func TestHandlerKeepAttrs(t *testing.T) {
	var buf bytes.Buffer
	base := slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}})
	keepIDs := func(a slog.Attr) bool { return a.Key == "tweet_id" }
	log := slog.New(NewHandler(base, KeepAttrs(keepIDs))).With("tweet_id", "1234567890")
	log.Info("booking 2345678901", slog.Group("g", slog.String("tweet_id", "3456789012"), slog.String("note", "4567890123")))
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	g := rec["g"].(map[string]any)
	if rec["tweet_id"] != "1234567890" || g["tweet_id"] != "3456789012" {
		t.Errorf("kept attributes changed: %v", rec)
	}
	if rec["msg"] != "booking [booking number]" || g["note"] != "[booking number]" {
		t.Errorf("other values not redacted: %v", rec)
	}
}
