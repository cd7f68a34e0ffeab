package router

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// TestInput is one line of `inboxbot policy test --jsonl`: a customer
// item with everything but the text optional.
type TestInput struct {
	// Platform is "twitter" or "facebook".
	Platform inbox.Platform `json:"platform"`
	// Kind is "mention" or "dm" on Twitter, "comment", "post" or
	// "message" on Facebook.
	Kind inbox.Kind `json:"kind"`
	// Text is what the customer wrote. Required.
	Text *string `json:"text"`
	// Lang is the platform's language guess (Twitter's lang).
	Lang string `json:"lang,omitempty"`
	// Author is a user id string, or {"id","handle","name"}. Default
	// "customer-1".
	Author json.RawMessage `json:"author,omitempty"`
	// ExternalID defaults to "policy-test-<line number>".
	ExternalID string `json:"external_id,omitempty"`
	// Thread defaults to the author's id (Twitter), "t_<author>"
	// (Messenger) or the item's own id (a comment or post).
	Thread string `json:"thread,omitempty"`
	// ParentID is the item answered, if any.
	ParentID string `json:"parent_id,omitempty"`
	// CreatedAt defaults to now.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// TestDecision is one output line of `inboxbot policy test`.
type TestDecision struct {
	// Language is the detected language (ISO 639-1), "" when unknown.
	Language string `json:"language"`
	// Confidence is the detector's confidence in Language.
	Confidence float64 `json:"confidence"`
	// English is true, false or "unsure".
	English any `json:"english"`
	// Findings are the secrets found: kinds and byte offsets.
	Findings []inbox.Finding `json:"findings"`
	// RedactedText is the text with its secrets masked: what is stored
	// for a public item (a private one is stored as sent).
	RedactedText string `json:"redacted_text"`
	// Flags are added to the conversation.
	Flags []string `json:"flags"`
	// Status is the conversation's new status, if the policy sets one.
	Status inbox.Status `json:"status,omitempty"`
	// Link asks to link a private conversation to the public one.
	Link bool `json:"link,omitempty"`
	// Actions are what would be sent.
	Actions []TestAction `json:"actions"`
}

// TestAction is an action of a TestDecision.
type TestAction struct {
	// Kind is reply, dm, private_reply, hide or follow.
	Kind inbox.ActionKind `json:"kind"`
	// Purpose says which rules the action serves.
	Purpose string `json:"purpose,omitempty"`
	// Target is the item answered or hidden.
	Target string `json:"target,omitempty"`
	// Recipient is the user a DM or follow is for.
	Recipient string `json:"recipient,omitempty"`
	// Key is the idempotency key.
	Key string `json:"key"`
	// Text is what would be published or sent.
	Text string `json:"text,omitempty"`
}

// maxModelWait bounds PolicyTest's wait for the language models when ctx
// has no deadline.
const maxModelWait = 5 * time.Minute

// testLang is a --lang-only output line.
type testLang struct {
	Language string `json:"language"`
	English  any    `json:"english"`
}

type testError struct {
	Error string `json:"error"`
}

// PolicyTest reads JSONL customer items from in (see TestInput) and
// writes one JSON line per input line to out, in order: the decision of
// r's policy (TestDecision), or with langOnly just {"language","english"}.
// A line that cannot be decoded or is not a valid item gets
// {"error": ...} (which never repeats its text), and the run goes on.
//
// It runs Router.Decide, the very code `serve` runs, and sends and
// stores nothing. The "once per window" rules consult r's policy's store
// (Deps.Store), which the command leaves nil, so every customer starts
// with no history; within one run the lines share one batch (WithBatch),
// so a customer's second tweet gets no second notice, as in serve. The
// first line waits for the language models to load (ctx bounds the wait,
// or five minutes); ctx also bounds every decision.
//
// With langOnly the lines are decided on all cores (their output still
// in order): only the language is printed, so the order in which they
// share the batch does not matter.
func PolicyTest(ctx context.Context, r *Router, in io.Reader, out io.Writer, langOnly bool) error {
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	now := r.now()
	// One batch for the whole run, which may wait for the language models
	// as long as ctx allows (serve waits policy.language.wait per batch
	// and retries; a command has nothing to retry with).
	ctx = WithBatch(ctx)
	wait := time.Now().Add(maxModelWait)
	if d, ok := ctx.Deadline(); ok {
		wait = d
	}
	setBatchDeadline(ctx, wait)
	if !langOnly {
		for n := 1; ; n++ {
			line, rerr := br.ReadBytes('\n')
			if len(line) > 0 {
				if err := enc.Encode(decideLine(ctx, r, line, n, now, false)); err != nil {
					return fmt.Errorf("writing decision: %w", err)
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				_ = bw.Flush()
				return fmt.Errorf("reading input: %w", rerr)
			}
			if ctx.Err() != nil {
				_ = bw.Flush()
				return ctx.Err()
			}
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("writing decisions: %w", err)
		}
		return nil
	}
	return policyTestParallel(ctx, r, br, bw, enc, now)
}

// policyTestParallel decides lines on every core and writes them in
// input order.
func policyTestParallel(ctx context.Context, r *Router, br *bufio.Reader, bw *bufio.Writer, enc *json.Encoder, now time.Time) error {
	type job struct {
		n    int
		line []byte
		out  chan any
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job)
	order := make(chan job, 4*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- decideLine(ctx, r, j.line, j.n, now, true)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		for n := 1; ; n++ {
			line, rerr := br.ReadBytes('\n')
			if len(line) > 0 {
				j := job{n: n, line: line, out: make(chan any, 1)}
				select {
				case order <- j:
				case <-ctx.Done():
					readErr <- ctx.Err()
					return
				}
				jobs <- j
			}
			if rerr == io.EOF {
				readErr <- nil
				return
			}
			if rerr != nil {
				readErr <- fmt.Errorf("reading input: %w", rerr)
				return
			}
		}
	}()
	var werr error
	for j := range order {
		v := <-j.out
		if werr == nil {
			if err := enc.Encode(v); err != nil {
				werr = fmt.Errorf("writing decision: %w", err)
			}
		}
	}
	wg.Wait()
	if err := bw.Flush(); err != nil && werr == nil {
		werr = fmt.Errorf("writing decisions: %w", err)
	}
	return errors.Join(werr, <-readErr)
}

// decideLine decodes and decides one input line.
func decideLine(ctx context.Context, r *Router, line []byte, n int, now time.Time, langOnly bool) any {
	in, err := parseTestLine(line, n, now)
	if err != nil {
		return testError{Error: err.Error()}
	}
	d, err := r.Decide(ctx, in)
	if err != nil {
		return testError{Error: err.Error()}
	}
	if langOnly {
		return testLang{Language: d.Language, English: englishJSON(d.English)}
	}
	out := TestDecision{
		Language: d.Language, Confidence: d.Confidence, English: englishJSON(d.English),
		Findings: d.Findings, RedactedText: d.Text, Flags: d.Flags, Status: d.Status, Link: d.Link,
		Actions: make([]TestAction, len(d.Actions)),
	}
	if !d.Public() {
		// Private text is stored as sent; show it redacted all the same.
		out.RedactedText = r.rd.String(d.Text)
	}
	if out.Findings == nil {
		out.Findings = []inbox.Finding{}
	}
	if out.Flags == nil {
		out.Flags = []string{}
	}
	for i, a := range d.Actions {
		out.Actions[i] = TestAction{Kind: a.Kind, Purpose: a.Purpose, Target: a.Target, Recipient: a.Recipient, Key: a.Key, Text: a.Text}
	}
	return out
}

// englishJSON turns the verdict into a JSON bool, or "unsure".
func englishJSON(v string) any {
	switch v {
	case "true":
		return true
	case "false":
		return false
	}
	return v
}

// parseTestLine decodes one TestInput into an item, filling in the
// defaults. Its errors never quote the line.
func parseTestLine(line []byte, n int, now time.Time) (inbox.Inbound, error) {
	var t TestInput
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return inbox.Inbound{}, fmt.Errorf("line %d: not a JSON object of platform, kind, text, lang, author", n)
	}
	if t.Text == nil {
		return inbox.Inbound{}, fmt.Errorf(`line %d: missing "text"`, n)
	}
	in := inbox.Inbound{
		V: inbox.SchemaVersion, Platform: t.Platform, Kind: t.Kind, Text: *t.Text, Lang: t.Lang,
		ExternalID: t.ExternalID, Thread: t.Thread, ParentID: t.ParentID, CreatedAt: t.CreatedAt,
		Author: inbox.Author{ID: "customer-1"},
	}
	if len(t.Author) > 0 && string(t.Author) != "null" {
		var id string
		var a inbox.Author
		if err := json.Unmarshal(t.Author, &id); err == nil && id != "" {
			in.Author = inbox.Author{ID: id, Handle: id}
		} else if err := json.Unmarshal(t.Author, &a); err == nil && a.ID != "" {
			in.Author = a
		} else {
			return inbox.Inbound{}, fmt.Errorf(`line %d: "author" is neither an id nor {"id","handle","name"}`, n)
		}
	}
	if in.ExternalID == "" {
		in.ExternalID = "policy-test-" + strconv.Itoa(n)
	}
	if in.Thread == "" {
		switch {
		case in.Platform == inbox.Twitter:
			in.Thread = in.Author.ID
		case in.Kind == inbox.Message:
			in.Thread = "t_" + in.Author.ID
		default:
			in.Thread = in.ExternalID
		}
	}
	if in.CreatedAt.IsZero() {
		in.CreatedAt = now
	}
	if err := in.Validate(); err != nil {
		return inbox.Inbound{}, fmt.Errorf("line %d: %w", n, err)
	}
	return in, nil
}
