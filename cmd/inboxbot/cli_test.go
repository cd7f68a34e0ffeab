package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// runCmd runs one inboxbot command in process.
func runCmd(t *testing.T, environ []string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), env{strings.NewReader(stdin), &out, &errb, environ}, args)
	return code, out.String(), errb.String()
}

// TestCLIDesk drives the agents' CLI against a running serve: agents add,
// conversations list/show --json, reply (queued, and refused by the guard)
// and close.
func TestCLIDesk(t *testing.T) {
	dataDir := t.TempDir()
	target := embeddedTarget(t)
	environ := serveEnv(t, dataDir, target)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	serveLog := &syncBuffer{}
	go func() {
		served <- run(ctx, env{strings.NewReader(""), &bytes.Buffer{}, serveLog, environ}, []string{"serve"})
	}()
	defer func() {
		cancel()
		if code := <-served; code != 0 {
			t.Errorf("serve exited %d", code)
		}
		if t.Failed() {
			t.Logf("serve's log:\n%s", serveLog.String())
		}
	}()

	now := time.Now().UTC()
	items := []inbox.Inbound{{
		V: 1, Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: "1001", Thread: "42",
		Author: inbox.Author{ID: "42", Handle: "maria", Name: "Maria"}, Text: "my room is cold", Lang: "en", CreatedAt: now,
	}}
	var msgs []any
	for _, it := range items {
		data, _ := json.Marshal(it)
		msgs = append(msgs, msg{it.Subject(), it.MsgID(), data})
	}
	publishTraffic(t, target.url, msgs)

	if code, out, errs := runCmd(t, environ, "", "agents", "add", "ana"); code != 0 || !strings.Contains(out, "one-time password") {
		t.Fatalf("agents add: %d %s %s", code, out, errs)
	}
	var list []struct {
		ID       int64    `json:"id"`
		Platform string   `json:"platform"`
		Channel  string   `json:"channel"`
		Status   string   `json:"status"`
		Flags    []string `json:"flags"`
		Customer struct {
			Handle string `json:"handle"`
		} `json:"customer"`
		LinkedConversation *int64 `json:"linked_conversation"`
		UpdatedAt          string `json:"updated_at"`
	}
	// The first item waits for the language models to load, which takes
	// tens of seconds on a loaded machine.
	waitFor(t, 120*time.Second, func() bool {
		code, out, _ := runCmd(t, environ, "", "conversations", "list", "--json")
		return code == 0 && json.Unmarshal([]byte(out), &list) == nil && len(list) == 1
	})
	c := list[0]
	if c.Platform != "twitter" || c.Channel != "public" || c.Customer.Handle != "maria" || c.Flags == nil || c.LinkedConversation == nil || c.UpdatedAt == "" {
		t.Fatalf("conversation JSON = %+v", c)
	}
	id := strconv.FormatInt(c.ID, 10)
	code, out, errs := runCmd(t, environ, "", "conversations", "show", id, "--json")
	if code != 0 {
		t.Fatalf("show: %d %s", code, errs)
	}
	var detail struct {
		Messages []struct {
			ExternalID string `json:"external_id"`
			Direction  string `json:"direction"`
			Text       string `json:"text"`
			Visibility string `json:"visibility"`
		} `json:"messages"`
		Actions []struct {
			State string `json:"state"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(out), &detail); err != nil || len(detail.Messages) == 0 || detail.Messages[0].ExternalID != "1001" || detail.Actions == nil {
		t.Fatalf("show --json = %s (%v)", out, err)
	}

	if code, _, errs := runCmd(t, environ, "", "reply", id, "--public", "--as", "ana", "your PIN is 4321"); code == 0 || !strings.Contains(errs, "refused") {
		t.Fatalf("a public reply with a PIN must be refused: %d %s", code, errs)
	}
	if code, out, errs := runCmd(t, environ, "", "reply", id, "--private", "--as", "ana", "Sorry about that, we'll DM you"); code != 0 || !strings.Contains(out, "queued private dm") {
		t.Fatalf("private reply: %d %s %s", code, out, errs)
	}
	if code, _, errs := runCmd(t, environ, "", "reply", id, "--as", "nobody", "hi"); code == 0 || !strings.Contains(errs, "agents add") {
		t.Fatalf("reply as an unknown agent: %d %s", code, errs)
	}
	if code, out, _ := runCmd(t, environ, "", "close", id, "--as", "ana"); code != 0 || !strings.Contains(out, "closed") {
		t.Fatalf("close: %d %s", code, out)
	}
	code, out, _ = runCmd(t, environ, "", "conversations", "show", id)
	if code != 0 || !strings.Contains(out, "closed") || !strings.Contains(out, "@maria") {
		t.Fatalf("show (text): %d\n%s", code, out)
	}
}

func TestBenchJSON(t *testing.T) {
	code, out, errs := runCmd(t, []string{"INBOXBOT_DATA_DIR=" + t.TempDir()}, "", "bench", "--n", "1000", "--rate", "500", "--language=false", "--json")
	if code != 0 {
		t.Fatalf("bench: %d %s", code, errs)
	}
	var rep map[string]float64
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	for _, k := range []string{"pipeline_msgs_per_s", "jetstream_msgs_per_s", "p50_ms", "p99_ms", "peak_rss_mb"} {
		if rep[k] <= 0 {
			t.Errorf("%s = %v, want > 0", k, rep[k])
		}
	}
}

func TestRedactCommand(t *testing.T) {
	code, out, _ := runCmd(t, nil, "booking 1234 567 890 PIN 4321\nno secrets here\n", "redact")
	if code != 0 || out != "booking [booking number] PIN [PIN]\nno secrets here\n" {
		t.Fatalf("redact: %d %q", code, out)
	}
	// A malformed line gets an error object, the lines after it are still
	// processed, and the command then exits 1.
	code, out, errs := runCmd(t, nil, "{\"text\":\"PIN: 4321\"}\nnot json\n{\"text\":\"hi\"}\n", "redact", "--jsonl")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || !strings.Contains(errs, "1 input line(s)") || len(lines) != 3 || !strings.Contains(lines[0], `"text":"PIN: [PIN]"`) || !strings.Contains(lines[1], `"error"`) || !strings.Contains(lines[2], `"findings":[]`) {
		t.Fatalf("redact --jsonl: %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runCmd(t, nil, "{\"text\":\"fine\"}\n", "redact", "--jsonl"); code != 0 {
		t.Errorf("redact --jsonl of clean input: exit %d", code)
	}
}

// syncBuffer is a bytes.Buffer safe for serve's goroutines to write while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
