package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/config"
)

// TestInitWritesAWorkingConfig: init asks its questions (answered on
// stdin here), writes a commented inboxbot.yaml that loads, with no
// secret in it, and a secrets/ folder (0700) of empty placeholder files
// (0600) that the YAML names.
func TestInitWritesAWorkingConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ib")
	code, out, errs := runCmd(t, nil, "127.0.0.1:9191\nhttps://inbox.example.com\n\n", "init", "--dir", dir)
	if code != exitOK {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}
	for _, q := range []string{"Web inbox address (host:port) [127.0.0.1:8080]:", "Public URL", "Data directory [" + dir + "/data]:"} {
		if !strings.Contains(errs, q) {
			t.Errorf("init did not ask %q:\n%s", q, errs)
		}
	}
	path := filepath.Join(dir, "inboxbot.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(data)
	if !strings.Contains(yaml, "# No secret is ever written in this file.") || !strings.Contains(yaml, "inboxbot connect facebook") {
		t.Errorf("the config has no guiding comments:\n%s", yaml)
	}
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:9191" || cfg.HTTP.PublicURL != "https://inbox.example.com/" || cfg.DataDir != filepath.Join(dir, "data") ||
		cfg.Facebook.Enabled || cfg.Twitter.Enabled {
		t.Errorf("config: addr %s, public %s, data %s, fb %v, x %v", cfg.HTTP.Addr, cfg.HTTP.PublicURL, cfg.DataDir, cfg.Facebook.Enabled, cfg.Twitter.Enabled)
	}
	if s := cfg.Secrets(); len(s) != 0 {
		t.Errorf("secrets set after init: %d", len(s))
	}
	secrets := filepath.Join(dir, "secrets")
	if fi, err := os.Stat(secrets); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("secrets/: %v %v", fi, err)
	}
	named := map[string]string{
		cfg.Facebook.PageTokenFile: "", cfg.Facebook.AppSecretFile: "", cfg.Facebook.VerifyTokenFile: "",
		cfg.Twitter.ConsumerKeyFile: "", cfg.Twitter.ConsumerSecretFile: "", cfg.Twitter.AccessTokenFile: "", cfg.Twitter.AccessSecretFile: "",
	}
	if len(named) != len(secretFiles) {
		t.Errorf("the config names %d secret files, want %d", len(named), len(secretFiles))
	}
	for f := range named {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 0 || filepath.Dir(f) != secrets {
			t.Errorf("placeholder %s: %v %v", f, fi, err)
		}
	}
	// Again: refused unless --force, which keeps the secrets.
	if err := os.WriteFile(cfg.Facebook.PageTokenFile, []byte("EAAkeep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, nil, "", "init", "--dir", dir, "--yes"); code != exitFailed || !strings.Contains(errs, "--force") {
		t.Errorf("init over an existing config: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, nil, "", "init", "--dir", dir, "--yes", "--force"); code != exitOK {
		t.Fatalf("init --force: %d %s", code, errs)
	}
	if b, _ := os.ReadFile(cfg.Facebook.PageTokenFile); string(b) != "EAAkeep\n" {
		t.Errorf("init --force replaced a secret: %q", b)
	}
	cfg, _ = config.Load(path, nil)
	if cfg.HTTP.Addr != "127.0.0.1:8080" || cfg.HTTP.PublicURL != "" {
		t.Errorf("--yes did not take the defaults: %s %q", cfg.HTTP.Addr, cfg.HTTP.PublicURL)
	}
}

func TestInitFlagsSkipQuestions(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCmd(t, nil, "", "init", "--dir", dir, "--http-addr", "0.0.0.0:8081", "--public-url", "https://x.example/", "--data-dir", filepath.Join(dir, "d"))
	if code != exitOK || strings.Contains(errs, "?") || strings.Contains(errs, "]:") {
		t.Fatalf("init with flags: %d\n%s", code, errs)
	}
	if code, _, errs := runCmd(t, nil, "", "init", "--dir", t.TempDir(), "--yes", "--http-addr", "nonsense"); code != exitUsage || !strings.Contains(errs, "host:port") {
		t.Errorf("a bad address: %d %s", code, errs)
	}
}
