// Package testutil holds small helpers that tests in several packages
// share: a free local TCP port, a file in a temporary directory, a buffer
// that collects output while it is being written, a word read back from
// that output, a PostgreSQL schema of its own (postgres.go), programs
// built and run as child processes with their logs (proc.go), and a
// throwaway certificate authority (pki.go).
package testutil

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago:
// it listens on port 0 and closes the listener again. Another process may
// take the port in between, which tests accept.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeAddr returns "127.0.0.1:port" for a port chosen as by FreePort.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
}

// WriteFile writes body to a file called name in a new temporary
// directory of the test and returns the file's path. It fails the test
// if the file cannot be written.
func WriteFile(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// WordAfter returns the first word after label in the first line of out
// that starts with label (leading spaces ignored) and has a word after
// it, or "" when there is none. Tests use it to read values, such as an
// address or a token, back from a banner.
func WordAfter(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return f[0]
			}
		}
	}
	return ""
}

// Buffer is an io.Writer that is safe for concurrent use, so that a test
// can read what a process, a logger or a goroutine has written so far
// while it goes on writing. The zero value is an empty buffer ready to
// use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
