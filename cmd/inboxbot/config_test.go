package main

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/inboxbot/inboxbot/connectors/facebook"
)

// TestConfigShowPrintsFacebookVersion: `inboxbot config show` prints the
// Graph API version every Facebook call names (#13): the pinned default
// when the file says none, else the file's or the environment's.
func TestConfigShowPrintsFacebookVersion(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		environ    []string
		want       string
	}{
		{"default", "log:\n  level: info\n", nil, facebook.DefaultVersion},
		{"file", "facebook:\n  version: v28.0\n", nil, "v28.0"},
		{"environment", "facebook:\n  version: v28.0\n", []string{"INBOXBOT_FACEBOOK_VERSION=v29.0"}, "v29.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "inboxbot.yaml")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCmd(t, tc.environ, "", "config", "show", "--config", path)
			if code != exitOK {
				t.Fatalf("config show exited %d: %s", code, errs)
			}
			var shown struct {
				Facebook struct {
					Version string `yaml:"version"`
				} `yaml:"facebook"`
			}
			if err := yaml.Unmarshal([]byte(out), &shown); err != nil {
				t.Fatalf("config show printed no YAML: %v\n%s", err, out)
			}
			if shown.Facebook.Version != tc.want {
				t.Errorf("facebook.version = %q, want %q\n%s", shown.Facebook.Version, tc.want, out)
			}
		})
	}
}
