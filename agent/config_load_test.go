package agent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// TestConfigLoads checks the http section through the real loader: the
// YAML keys, the environment overrides and the problems' keys.
func TestConfigLoads(t *testing.T) {
	yaml := `
http:
  addr: 127.0.0.1:9090
  session_ttl: 8h
  read_timeout: 45s
  canned_replies:
    - name: Refund timing
      text: Refunds take 5 to 7 working days.
`
	cfg, err := config.Load(testutil.WriteFile(t, "inboxbot.yaml", yaml), []string{"INBOXBOT_HTTP_SECURE_COOKIES=true"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	h := cfg.HTTP
	if h.Addr != "127.0.0.1:9090" || h.SessionTTL != 8*time.Hour || !h.SecureCookies || len(h.CannedReplies) != 1 ||
		h.CannedReplies[0].Name != "Refund timing" || h.LoginAttempts != 5 || h.ReadTimeout != 45*time.Second {
		t.Errorf("http = %+v", h)
	}
	bad := "http:\n  session_ttl: 1s\n  canned_replies:\n    - name: x\n"
	_, err = config.Load(testutil.WriteFile(t, "inboxbot.yaml", bad), nil)
	if err == nil || !strings.Contains(err.Error(), "http.session_ttl") || !strings.Contains(err.Error(), "http.canned_replies") {
		t.Errorf("Load of bad http section: %v", err)
	}
}
