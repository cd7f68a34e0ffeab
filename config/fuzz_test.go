package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/inboxbot/inboxbot/config"
)

// FuzzLoad feeds arbitrary files to Load: it never panics, and it either
// returns a config that validates or Problems that name keys.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"", "data_dir: /x\n", "facebook:\n  enabled: true\n  page_id: \"1\"\n",
		"nats: [1, 2]\n", "twitter: {poll_interval: soon}\n", "policy:\n  templates:\n    dm_invite:\n      en: hi {name}\n",
		"http:\n  canned_replies:\n    - name: a\n      text: b\n", "\x00\xff", ": :\n  - ]", "log: {level: loud}\n",
		// Connection strings, whose credentials are found by hand-written
		// scanners: URLs, lists of them, and quoted keyword/value strings.
		"store: {driver: postgres, dsn: \"host=db password='a\\\\' b' x=\"}\n", "nats: {url: \"nats://u:p@a:1, tls://t@b:2?x#y\"}\n",
		"store: {driver: postgres, dsn: \"postgres://u:p@h1,h2/db?password=x&sslpassword\"}\n",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path, nil)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Load accepted a config that does not validate: %v", verr)
			}
			return
		}
		var ps config.Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("error %v is not a list of problems", err)
		}
		for _, p := range ps {
			if p.Key == "" || p.Message == "" {
				t.Fatalf("problem without key or message: %+v", p)
			}
		}
	})
}
