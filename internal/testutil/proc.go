package testutil

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles the main package pkg into dir/name and returns the
// binary's path, for tests that run programs as separate processes.
func Build(t testing.TB, dir, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	start := time.Now()
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	t.Logf("built %s in %s", name, time.Since(start).Round(100*time.Millisecond))
	return bin
}

// WaitUntil polls cond every 50 ms until it holds or timeout passes, and
// reports whether it held.
func WaitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// WaitFor is WaitUntil that fails the test at the deadline, saying what
// did not happen.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !WaitUntil(timeout, cond) {
		t.Fatalf("%s: not within %s", what, timeout)
	}
}

// Proc is a child process of a test whose output goes to a log file.
type Proc struct {
	// Name names the process in messages.
	Name string
	// Cmd is the running command.
	Cmd *exec.Cmd
	// Log is the file that collects its stdout and stderr.
	Log string

	done chan struct{}
	mu   sync.Mutex
	exit time.Time // when Wait returned
}

// StartProc starts bin with args, with env added to the test's
// environment, its output appended to logPath (so that a process started
// again keeps one log). At the end of the test a process still running
// is killed; when the test failed, the last lines of its log are logged.
func StartProc(t testing.TB, name, logPath string, env []string, bin string, args ...string) *Proc {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		t.Fatal(err)
	}
	p := &Proc{Name: name, Cmd: cmd, Log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		p.mu.Lock()
		p.exit = time.Now()
		p.mu.Unlock()
		_ = f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- last lines of %s (%s):\n%s", name, logPath, Tail(logPath, 40))
		}
	})
	return p
}

// PID is the process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL and returns when it was sent and when the process
// was gone. It fails the test if the process is not gone within 10 s.
func (p *Proc) Kill(t testing.TB) (sent, gone time.Time) {
	t.Helper()
	sent = time.Now()
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing %s: %v", p.Name, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not die within 10 s of SIGKILL", p.Name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return sent, p.exit
}

// Tail returns the last n lines of the file at path, or the error that
// kept it from being read.
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
