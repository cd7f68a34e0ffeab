package config_test

import (
	"slices"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
)

// TestUnauthorizedRetry: facebook.unauthorized_retry and
// twitter.unauthorized_retry default to 5 minutes, come from the file or
// the environment, and are refused outside 1s..24h by key.
func TestUnauthorizedRetry(t *testing.T) {
	c, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Facebook.UnauthorizedRetry != 5*time.Minute || c.Twitter.UnauthorizedRetry != 5*time.Minute {
		t.Errorf("defaults: facebook %s, twitter %s, want 5m", c.Facebook.UnauthorizedRetry, c.Twitter.UnauthorizedRetry)
	}
	c, err = config.Load("", []string{"INBOXBOT_FACEBOOK_UNAUTHORIZED_RETRY=2s", "INBOXBOT_TWITTER_UNAUTHORIZED_RETRY=1h"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Facebook.UnauthorizedRetry != 2*time.Second || c.Twitter.UnauthorizedRetry != time.Hour {
		t.Errorf("from the environment: facebook %s, twitter %s", c.Facebook.UnauthorizedRetry, c.Twitter.UnauthorizedRetry)
	}
	for _, bad := range []string{"500ms", "25h", "-1m"} {
		_, err := config.Load("", []string{"INBOXBOT_FACEBOOK_UNAUTHORIZED_RETRY=" + bad, "INBOXBOT_TWITTER_UNAUTHORIZED_RETRY=" + bad})
		if err == nil {
			t.Errorf("%s accepted", bad)
			continue
		}
		keys := problemKeys(t, err)
		if !slices.Contains(keys, "facebook.unauthorized_retry") || !slices.Contains(keys, "twitter.unauthorized_retry") {
			t.Errorf("%s: problems %v, want both unauthorized_retry keys", bad, keys)
		}
	}
}
