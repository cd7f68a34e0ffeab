package redact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// Copy redacts plain text from r to w line by line, keeping every byte that
// is not part of a secret. Each line is scanned with the end of the previous
// input still in view, so a keyword at the end of one line ("PIN:") still
// marks digits at the start of the next, and the output equals String of the
// whole input. Lines may be of any length.
func Copy(w io.Writer, r io.Reader) error { return std.Copy(w, r) }

// Copy is the package-level Copy with rd's options.
func (rd *Redactor) Copy(w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	var tail []byte // the last contextBytes of the original input
	for {
		line, rerr := br.ReadString('\n')
		if len(line) > 0 {
			buf := string(tail) + line
			out := apply(buf, len(tail), rd.findFrom(buf, len(tail)))
			if _, err := bw.WriteString(out); err != nil {
				return err
			}
			tail = appendTail(tail, line)
		}
		if done, err := endOfLine(bw, rerr); done {
			return err
		}
	}
}

// endOfLine decides, from rerr, the read error that came with the line
// just handled, whether a line loop ends. At the end of the input it
// flushes bw and returns the flush error; on another read error it flushes
// bw and returns rerr, or the flush error should the flush fail. done is
// false when the loop goes on.
func endOfLine(bw *bufio.Writer, rerr error) (done bool, err error) {
	switch {
	case rerr == nil:
		return false, nil
	case rerr == io.EOF:
		return true, bw.Flush()
	}
	if err := bw.Flush(); err != nil {
		return true, err
	}
	return true, rerr
}

// appendTail keeps the last contextBytes of tail+line.
func appendTail(tail []byte, line string) []byte {
	if len(line) >= contextBytes {
		return append(tail[:0], line[len(line)-contextBytes:]...)
	}
	tail = append(tail, line...)
	if over := len(tail) - contextBytes; over > 0 {
		copy(tail, tail[over:])
		tail = tail[:contextBytes]
	}
	return tail
}

type jsonlOut struct {
	Text     string    `json:"text"`
	Findings []Finding `json:"findings"`
}

type jsonlErr struct {
	Error string `json:"error"`
}

// CopyJSONL reads lines of {"text": ...} from r and writes one line
// {"text": <redacted>, "findings": [{"kind","start","end"}]} per input line
// to w, in order. A line that cannot be processed gets {"error": "..."} in
// its place, with a fixed message that never repeats the input, and the
// stream goes on. Offsets are byte offsets into the decoded input text.
func CopyJSONL(w io.Writer, r io.Reader) error { return std.CopyJSONL(w, r) }

// CopyJSONL is the package-level CopyJSONL with rd's options.
func (rd *Redactor) CopyJSONL(w io.Writer, r io.Reader) error {
	_, err := rd.CopyJSONLCounted(w, r)
	return err
}

// CopyJSONLCounted is CopyJSONL that also returns how many lines could
// not be processed (each got an {"error"} line), so that a command can
// fail after the whole input was handled.
func CopyJSONLCounted(w io.Writer, r io.Reader) (malformed int, err error) {
	return std.CopyJSONLCounted(w, r)
}

// CopyJSONLCounted is the package-level CopyJSONLCounted with rd's
// options.
func (rd *Redactor) CopyJSONLCounted(w io.Writer, r io.Reader) (malformed int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) > 0 {
			var v any
			text, err := decodeTextLine(line)
			if err != nil {
				v = jsonlErr{Error: err.Error()}
				malformed++
			} else {
				red, fs := rd.Redact(text)
				if fs == nil {
					fs = []Finding{}
				}
				v = jsonlOut{Text: red, Findings: fs}
			}
			if err := enc.Encode(v); err != nil {
				return malformed, err
			}
		}
		if done, err := endOfLine(bw, rerr); done {
			return malformed, err
		}
	}
}

// decodeTextLine returns the "text" string of one JSONL line.
func decodeTextLine(line []byte) (string, error) {
	line = bytes.TrimRight(line, "\r\n")
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil || obj == nil {
		return "", ErrMalformedLine
	}
	raw, ok := obj["text"]
	if !ok {
		return "", ErrMissingText
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", ErrTextNotString
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return "", ErrTextNotString
	}
	return text, nil
}
