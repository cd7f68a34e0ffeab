package config_test

import (
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/sla"
)

// TestSLA reads policy.sla: a target set in the file, the others at their
// default, and bad targets named by key.
func TestSLA(t *testing.T) {
	path := testutil.WriteFile(t, "inboxbot.yaml", `
policy:
  sla:
    twitter:
      private: {first_response: 15m}
`)
	c, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Policy.SLA.For(inbox.Twitter, inbox.Private); got != (sla.Target{FirstResponse: 15 * time.Minute, NextResponse: time.Hour}) {
		t.Errorf("twitter private = %+v", got)
	}
	if got := c.Policy.SLA.For(inbox.Facebook, inbox.Public); got != sla.DefaultTarget {
		t.Errorf("facebook public = %+v, want the default", got)
	}
	bad := testutil.WriteFile(t, "bad.yaml", `
policy:
  sla:
    facebook:
      public: {next_response: -5m}
      privat: {first_response: 1h}
`)
	_, err = config.Load(bad, nil)
	keys := problemKeys(t, err)
	for _, want := range []string{"policy.sla.facebook.public.next_response", "policy.sla.facebook.privat"} {
		if !containsStr(keys, want) {
			t.Errorf("problems %v do not name %q", keys, want)
		}
	}
}
