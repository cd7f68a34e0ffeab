package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetInFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inboxbot.yaml")
	const orig = `# inboxbot's settings
data_dir: ./data # where the store lives

facebook:
  # Turned on by inboxbot connect facebook.
  enabled: false
  page_token_file: secrets/facebook_page_token
twitter:
`
	if err := os.WriteFile(path, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	err := SetInFile(path,
		Setting{"facebook.enabled", true}, Setting{"facebook.page_id", "1234567890"},
		Setting{"twitter.enabled", true}, Setting{"twitter.poll_interval", "30s"},
		Setting{"http.public_url", "https://inbox.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	out := string(data)
	for _, want := range []string{"# inboxbot's settings", "# where the store lives", "# Turned on by inboxbot connect facebook.", "enabled: true", `page_id: "1234567890"`} {
		if !strings.Contains(out, want) {
			t.Errorf("edited file lacks %q:\n%s", want, out)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 kept", fi.Mode().Perm())
	}
	c, err := Load(path, nil)
	if ps, ok := err.(Problems); err != nil && !ok {
		t.Fatal(err)
	} else {
		// The secrets are not there; nothing else may fail.
		for _, p := range ps {
			if !strings.HasPrefix(p.Key, "facebook.page_token") && !strings.HasPrefix(p.Key, "twitter.") {
				t.Errorf("problem %s", p)
			}
		}
	}
	if !c.Facebook.Enabled || c.Facebook.PageID != "1234567890" || !c.Twitter.Enabled || c.Twitter.PollInterval.String() != "30s" || c.HTTP.PublicURL != "https://inbox.example.com/" {
		t.Errorf("loaded %+v %+v %+v", c.Facebook, c.Twitter, c.HTTP)
	}

	for _, tc := range []struct {
		s    Setting
		want string
	}{
		{Setting{"facebook.page_token", "EAA…"}, "secret"},
		{Setting{"facebook.pagge_id", "1"}, "unknown key"},
		{Setting{"facebook", "x"}, "section"},
		{Setting{"twitter.poll_interval", "soon"}, "would not load"},
	} {
		if err := SetInFile(path, tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetInFile(%v) = %v, want %q", tc.s, err, tc.want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != out {
		t.Error("a refused edit changed the file")
	}
}

func TestWriteSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "page_token")
	if err := WriteSecret(path, "EAAsecret"); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	data, _ := os.ReadFile(path)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 || string(data) != "EAAsecret\n" {
		t.Errorf("secret file %v, dir %v, %q", fi.Mode(), di.Mode(), data)
	}
}
