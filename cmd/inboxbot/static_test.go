package main

import (
	"debug/elf"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/internal/testutil"
)

// staticBuild returns the go build flags of the static binary: the
// Makefile's STATIC_TAGS and STATIC_LDFLAGS, which deploy/Dockerfile
// uses too (deploy's tests check that they match).
func staticBuild() ([]string, error) {
	tags, err := testutil.MakefileVar("STATIC_TAGS")
	if err != nil {
		return nil, err
	}
	ldflags, err := testutil.MakefileVar("STATIC_LDFLAGS")
	if err != nil {
		return nil, err
	}
	return []string{"-trimpath", "-tags", tags, "-ldflags", "-s -w " + ldflags}, nil
}

// TestStaticBinary: the binary the end-to-end tests share is the static
// one deploy/Dockerfile ships (cgo SQLite linked statically with the
// osusergo, netgo and sqlite_omit_load_extension tags): it needs no
// shared library, starts with no config, answers /healthz (degraded: no
// platform enabled) and /metrics, and stops cleanly on SIGTERM.
func TestStaticBinary(t *testing.T) {
	args, err := staticBuild()
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"osusergo", "netgo", "sqlite_omit_load_extension"} {
		if !strings.Contains(strings.Join(args, " "), tag) {
			t.Errorf("the static build %v lacks the tag %s", args, tag)
		}
	}
	start := time.Now()
	bin := buildBinary(t)
	t.Logf("binary ready after %s", time.Since(start).Round(time.Second))
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries: %v", libs)
	}
	f.Close()

	addr := testutil.FreeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(),
		"INBOXBOT_DATA_DIR="+filepath.Join(cmd.Dir, "data"), "INBOXBOT_HTTP_ADDR="+addr,
		"INBOXBOT_LOG_FORMAT=json", "INBOXBOT_POLICY_LANGUAGE_LANGUAGES=en,es,it")
	log := &testutil.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	var rep struct {
		Status     string
		Components map[string]struct{ State string }
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&rep)
			resp.Body.Close()
			if err == nil && rep.Components["store"].State == "ok" && rep.Components["bus"].State == "ok" {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the static binary exited: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz with the bus and store ok within 60 s (last %+v)\n%s", rep, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rep.Status != "degraded" || rep.Components["platforms"].State != "unconfigured" {
		t.Errorf("/healthz with no platform = %+v", rep)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "go_goroutines") || !strings.Contains(string(body), "process_resident_memory_bytes") {
		t.Errorf("/metrics from loopback:\n%.500s", body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM\n%s", log.String())
	}
}
