package config_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

func problemKeys(t *testing.T, err error) []string {
	t.Helper()
	var ps config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v is not config.Problems", err)
	}
	if !errors.Is(err, config.ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false")
	}
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.Key
	}
	return keys
}

func TestDefaults(t *testing.T) {
	c, err := config.Load("", nil)
	if err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", c.DataDir, "./data"},
		{"store.driver", c.Store.Driver, "sqlite"},
		{"store.dsn", c.Store.DSN, filepath.Join("data", "inboxbot.db")},
		{"nats.url", c.NATS.URL, ""},
		{"nats.listen", c.NATS.Listen, ""},
		{"nats.replicas", c.NATS.Replicas, 1},
		{"http.addr", c.HTTP.Addr, "127.0.0.1:8080"},
		{"facebook.enabled", c.Facebook.Enabled, false},
		{"facebook.graph_url", c.Facebook.GraphURL, "https://graph.facebook.com/"},
		{"facebook.poll_interval", c.Facebook.PollInterval, 30 * time.Second},
		{"twitter.api", c.Twitter.API, "v2"},
		{"twitter.api_url", c.Twitter.APIURL, "https://api.x.com/2/"},
		{"twitter.poll_interval", c.Twitter.PollInterval, 15 * time.Second},
		{"log.level", c.Log.Level, "info"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func TestFileAndEnvOverrides(t *testing.T) {
	path := testutil.WriteFile(t, "inboxbot.yaml", `
data_dir: /var/lib/inboxbot
http:
  addr: 127.0.0.1:9090
facebook:
  enabled: true
  page_id: "1234"
  poll_interval: 1m
`)
	env := []string{
		"INBOXBOT_FACEBOOK_PAGE_TOKEN=EAAtoken",
		"INBOXBOT_HTTP_ADDR=0.0.0.0:8081",
		"INBOXBOT_TWITTER_POLL_INTERVAL=20s",
		"INBOXBOT_DATA_DIR=/srv/inboxbot",
		"INBOXBOT_TEST_POSTGRES_URL=ignored-not-a-setting",
		"UNRELATED=1",
	}
	c, err := config.Load(path, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Facebook.PageToken != "EAAtoken" || c.Facebook.PageID != "1234" || c.Facebook.PollInterval != time.Minute {
		t.Errorf("facebook = %+v", c.Facebook)
	}
	if c.HTTP.Addr != "0.0.0.0:8081" {
		t.Errorf("env must override the file: http.addr = %q", c.HTTP.Addr)
	}
	if c.Twitter.PollInterval != 20*time.Second {
		t.Errorf("twitter.poll_interval = %v", c.Twitter.PollInterval)
	}
	if c.DataDir != "/srv/inboxbot" || c.Store.DSN != "/srv/inboxbot/inboxbot.db" || c.NATS.StoreDir != "/srv/inboxbot/nats" {
		t.Errorf("data_dir did not flow into derived paths: %q %q %q", c.DataDir, c.Store.DSN, c.NATS.StoreDir)
	}
}

func TestUnknownKeysAreNamed(t *testing.T) {
	path := testutil.WriteFile(t, "c.yaml", `
dta_dir: x
facebook:
  pagge_id: "1"
  enabled: true
twitter:
  poll_interval: soon
`)
	_, err := config.Load(path, nil)
	keys := problemKeys(t, err)
	for _, want := range []string{"dta_dir", "facebook.pagge_id", "twitter.poll_interval"} {
		if !containsStr(keys, want) {
			t.Errorf("problems %v do not name %q", keys, want)
		}
	}
	if !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error should give the line: %v", err)
	}
}

func TestSecretsOnlyFromEnvOrFile(t *testing.T) {
	path := testutil.WriteFile(t, "c.yaml", "facebook:\n  page_token: EAAsecret\n")
	_, err := config.Load(path, nil)
	if keys := problemKeys(t, err); !containsStr(keys, "facebook.page_token") {
		t.Fatalf("a secret in the file must be refused by key, got %v", keys)
	}
	if strings.Contains(err.Error(), "EAAsecret") {
		t.Errorf("the error repeats the secret: %v", err)
	}

	secret := testutil.WriteFile(t, "token", "EAAfromfile\n")
	c, err := config.Load("", []string{
		"INBOXBOT_FACEBOOK_ENABLED=true", "INBOXBOT_FACEBOOK_PAGE_ID=1",
		"INBOXBOT_FACEBOOK_PAGE_TOKEN_FILE=" + secret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Facebook.PageToken != "EAAfromfile" {
		t.Errorf("page_token from file = %q", c.Facebook.PageToken)
	}

	_, err = config.Load("", []string{"INBOXBOT_TWITTER_ACCESS_TOKEN_FILE=/nonexistent/x"})
	if keys := problemKeys(t, err); !containsStr(keys, "twitter.access_token_file") {
		t.Errorf("missing secret file not named: %v", keys)
	}
	_, err = config.Load("", []string{"INBOXBOT_TWITTER_ACCESS_TOKEN=a", "INBOXBOT_TWITTER_ACCESS_TOKEN_FILE=" + secret})
	if keys := problemKeys(t, err); !containsStr(keys, "twitter.access_token") {
		t.Errorf("secret set twice not named: %v", keys)
	}
}

func TestMaskedNeverPrintsSecrets(t *testing.T) {
	c, err := config.Load("", []string{
		"INBOXBOT_TWITTER_ENABLED=true",
		"INBOXBOT_TWITTER_CONSUMER_KEY=ck-123456", "INBOXBOT_TWITTER_CONSUMER_SECRET=cs-123456",
		"INBOXBOT_TWITTER_ACCESS_TOKEN=at-123456", "INBOXBOT_TWITTER_ACCESS_SECRET=as-123456",
		"INBOXBOT_FACEBOOK_APP_SECRET=app-123456",
	})
	if err != nil {
		t.Fatal(err)
	}
	out := c.YAML()
	for _, s := range []string{"ck-123456", "cs-123456", "at-123456", "as-123456", "app-123456"} {
		if strings.Contains(out, s) {
			t.Errorf("printed config contains secret %q", s)
		}
	}
	if !strings.Contains(out, "consumer_key: '********'") && !strings.Contains(out, `consumer_key: "********"`) {
		t.Errorf("masked secret not shown as ********:\n%s", out)
	}
	if c.Twitter.ConsumerKey != "ck-123456" {
		t.Error("Masked must not change the original")
	}
	if got := len(c.Secrets()); got != 5 {
		t.Errorf("Secrets() = %d values, want 5", got)
	}
}

func TestCrossFieldRules(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string // keys that must be named; nil means valid
	}{
		{"facebook enabled needs page and token", []string{"INBOXBOT_FACEBOOK_ENABLED=true"}, []string{"facebook.page_id", "facebook.page_token"}},
		{"twitter enabled needs four secrets", []string{"INBOXBOT_TWITTER_ENABLED=true", "INBOXBOT_TWITTER_CONSUMER_KEY=k"}, []string{"twitter.consumer_secret", "twitter.access_token", "twitter.access_secret"}},
		{"postgres needs dsn", []string{"INBOXBOT_STORE_DRIVER=postgres"}, []string{"store.dsn"}},
		{"unknown driver", []string{"INBOXBOT_STORE_DRIVER=mongo"}, []string{"store.driver"}},
		{"listen with url", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_LISTEN=127.0.0.1:4333"}, []string{"nats.listen"}},
		{"listen on http addr", []string{"INBOXBOT_NATS_LISTEN=127.0.0.1:8080"}, []string{"nats.listen"}},
		{"graph url slash", []string{"INBOXBOT_FACEBOOK_GRAPH_URL=http://127.0.0.1:1"}, []string{"facebook.graph_url"}},
		{"bad env type", []string{"INBOXBOT_FACEBOOK_ENABLED=maybe"}, []string{"facebook.enabled"}},
		{"bad log level", []string{"INBOXBOT_LOG_LEVEL=loud"}, []string{"log.level"}},
		{"postgres with dsn is fine", []string{"INBOXBOT_STORE_DRIVER=postgres", "INBOXBOT_STORE_DSN=postgres://x@h/db"}, nil},
		{"follow with v2 (the default)", []string{"INBOXBOT_POLICY_TWITTER_FOLLOW=true"}, []string{"policy.twitter.follow"}},
		{"follow with v1.1 is fine", []string{"INBOXBOT_POLICY_TWITTER_FOLLOW=true", "INBOXBOT_TWITTER_API=v1.1"}, nil},
		{"unknown api", []string{"INBOXBOT_TWITTER_API=v3"}, []string{"twitter.api"}},
		{"negative budget", []string{"INBOXBOT_TWITTER_DAILY_BUDGET_USD=-1"}, []string{"twitter.daily_budget_usd"}},
		{"negative price", []string{"INBOXBOT_TWITTER_PRICES_POST_READ=-0.1"}, []string{"twitter.prices.post_read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load("", tt.env)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			keys := problemKeys(t, err)
			for _, k := range tt.want {
				if !containsStr(keys, k) {
					t.Errorf("problems %v do not name %q", keys, k)
				}
			}
		})
	}
}

func TestFollowErrorSaysWhy(t *testing.T) {
	_, err := config.Load("", []string{"INBOXBOT_POLICY_TWITTER_FOLLOW=true"})
	if err == nil || !strings.Contains(err.Error(), "removed") || !strings.Contains(err.Error(), "message requests from everyone") {
		t.Errorf("error %v does not say why or what to do", err)
	}
}

func TestDMLinkDefaultsByAPI(t *testing.T) {
	for api, want := range map[string]bool{"v2": false, "v1.1": true} {
		c, err := config.Load("", []string{"INBOXBOT_TWITTER_API=" + api})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Policy.Twitter.DMLink; got == nil || *got != want {
			t.Errorf("api %s: policy.twitter.dm_link = %v, want %v", api, got, want)
		}
		if got := c.Policy.Twitter.MentionAuthor; got == nil || *got == want {
			t.Errorf("api %s: policy.twitter.mention_author = %v, want %v", api, got, !want)
		}
	}
	c, err := config.Load("", []string{"INBOXBOT_POLICY_TWITTER_DM_LINK=true"})
	if err != nil || c.Policy.Twitter.DMLink == nil || !*c.Policy.Twitter.DMLink {
		t.Errorf("dm_link set explicitly with v2: %v %v", c.Policy.Twitter.DMLink, err)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestEnvSetsOptionalAndListSettings(t *testing.T) {
	c, err := config.Load("", []string{
		"INBOXBOT_POLICY_FACEBOOK_HIDE_PII=false",
		"INBOXBOT_POLICY_LANGUAGE_LANGUAGES=en, it,de",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.Facebook.HidePII == nil || *c.Policy.Facebook.HidePII {
		t.Errorf("policy.facebook.hide_pii = %v, want false", c.Policy.Facebook.HidePII)
	}
	if got := strings.Join(c.Policy.Language.Languages, ","); got != "en,it,de" {
		t.Errorf("policy.language.languages = %q", got)
	}
}
