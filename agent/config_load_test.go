package agent_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
)

// TestConfigLoads checks the http section through the real loader: the
// YAML keys, the environment overrides and the problems' keys.
func TestConfigLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inboxbot.yaml")
	yaml := `
http:
  addr: 127.0.0.1:9090
  session_ttl: 8h
  canned_replies:
    - name: Refund timing
      text: Refunds take 5 to 7 working days.
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, []string{"INBOXBOT_HTTP_SECURE_COOKIES=true"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	h := cfg.HTTP
	if h.Addr != "127.0.0.1:9090" || h.SessionTTL != 8*time.Hour || !h.SecureCookies || len(h.CannedReplies) != 1 ||
		h.CannedReplies[0].Name != "Refund timing" || h.LoginAttempts != 5 {
		t.Errorf("http = %+v", h)
	}
	if err := os.WriteFile(path, []byte("http:\n  session_ttl: 1s\n  canned_replies:\n    - name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = config.Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), "http.session_ttl") || !strings.Contains(err.Error(), "http.canned_replies") {
		t.Errorf("Load of bad http section: %v", err)
	}
}
