package router_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/router"
)

// TestPolicySectionLoads: the policy section reads from YAML and from
// INBOXBOT_POLICY_* variables, and its problems are reported by key.
func TestPolicySectionLoads(t *testing.T) {
	yml := `
twitter:
  api: v1.1 # follow needs an Enterprise contract
policy:
  invite_window: 12h
  language:
    languages: [en, es, it]
  twitter:
    account_id: "1500"
    follow: true
  facebook:
    hide_pii: false
  contact:
    phone: "+1 800 555 0100"
  templates:
    public_ack:
      sv: "Tack! Vi har skickat ett privat meddelande."
`
	c, err := config.Load(testutil.WriteFile(t, "inboxbot.yaml", yml), []string{"INBOXBOT_POLICY_TWITTER_ENGLISH_ONLY=false", "INBOXBOT_POLICY_NOTICE_WINDOW=48h"})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Policy
	if p.InviteWindow != 12*time.Hour || p.NoticeWindow != 48*time.Hour || strings.Join(p.Language.Languages, ",") != "en,es,it" ||
		p.Twitter.AccountID != "1500" || !p.Twitter.Follow || *p.Twitter.EnglishOnly || *p.Facebook.HidePII || !*p.Facebook.PublicAck ||
		p.Templates[router.TmplPublicAck]["sv"] == "" || p.Templates[router.TmplPublicAck]["en"] == "" {
		t.Errorf("loaded %+v", p)
	}

	bad := "policy:\n  twitter:\n    account_id: abc\n  templates:\n    dm_invite:\n      en: \"DM us {link}\"\n"
	_, err = config.Load(testutil.WriteFile(t, "inboxbot.yaml", bad), nil)
	for _, want := range []string{"policy.twitter.account_id: ", "policy.templates.dm_invite.en: unknown placeholder {link}"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
