package facebook

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
)

// DefaultVersion is the Graph API version used when facebook.version is
// not set. Calls always name a version: an unversioned call gets the
// app's default version, which Meta moves under us when versions expire.
const DefaultVersion = "v27.0"

// versionPattern is the shape of a Graph API version path, "v27.0".
var versionPattern = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)

// Config configures the Facebook Page connector (the `facebook:` section).
type Config struct {
	// Enabled turns the connector on. Default false.
	Enabled bool `yaml:"enabled"`
	// PageID is the id of the Facebook Page whose inbox we serve.
	PageID string `yaml:"page_id"`
	// PageToken is a Page access token. Secret: set it through the
	// environment or PageTokenFile, never in the YAML file.
	PageToken     string `yaml:"page_token" secret:"true"`
	PageTokenFile string `yaml:"page_token_file"`
	// AppID is the Meta app's id. With AppSecret it lets the token watch
	// and `inboxbot connect facebook` call debug_token and the token
	// exchange with the app token. Not a secret.
	AppID string `yaml:"app_id"`
	// AppSecret signs requests with appsecret_proof when set, and is the
	// key of webhook signatures (X-Hub-Signature-256). Secret.
	AppSecret     string `yaml:"app_secret" secret:"true"`
	AppSecretFile string `yaml:"app_secret_file"`
	// VerifyToken is the string Meta sends back as hub.verify_token when
	// it checks the webhook subscription; it must equal the Verify Token
	// set in the App Dashboard. Secret, like the page token.
	VerifyToken string `yaml:"verify_token" secret:"true"`
	// VerifyTokenFile names a file that holds VerifyToken.
	VerifyTokenFile string `yaml:"verify_token_file"`
	// GraphURL is the Graph API base URL, with a trailing slash. Default
	// https://graph.facebook.com/. Tests and the demo point it at a fake.
	GraphURL string `yaml:"graph_url"`
	// Version is the Graph API version every call names, e.g. "v27.0"
	// (DefaultVersion). It is pinned so that Meta's version upgrades do
	// not change the connector's behaviour unannounced.
	Version string `yaml:"version"`
	// PollInterval is the time between two polls. Default 30s. The
	// connector stretches it (up to 8×) while the usage headers near 100%.
	PollInterval time.Duration `yaml:"poll_interval"`
	// PollIntervalWithWebhooks is the time between two polls while
	// webhooks deliver (a verified delivery within this interval):
	// polling is then only a gap fill. Default 5m.
	PollIntervalWithWebhooks time.Duration `yaml:"poll_interval_with_webhooks"`
	// RequestsPerSecond is the Page's request budget for Graph API reads
	// (polling and the webhook's look-ups): calls are spaced so that no
	// more than this many start per second. Default 2, the Conversations
	// API's limit per Page. Sends are not held back by it.
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// PageSize is the number of items asked for per Graph API page
	// (conversations, messages, posts, and comments per post). Default
	// 25, Facebook's own default; at most 100.
	PageSize int `yaml:"page_size"`
	// Profiles looks up the name and picture of Messenger customers
	// (the User Profile API, one Graph call each in the Page's budget),
	// once and again when a week old.
	Profiles connectors.ProfileSettings `yaml:"profiles"`
	// RateLimitWait is how long to wait after a rate-limit error (codes 4,
	// 17, 32, 613, 80001–80014) when the usage headers give no
	// estimated_time_to_regain_access. Default 60s.
	RateLimitWait time.Duration `yaml:"rate_limit_wait"`
	// Backfill limits the first poll of a conversation, post or list to
	// items newer than this. Default 0: the whole history is pulled once.
	Backfill time.Duration `yaml:"backfill"`
	// UnauthorizedRetry is how long polling pauses after Facebook
	// rejected the page token (code 190), before one more try; a send
	// that goes through meanwhile ends the pause. Default 5m
	// (connectors.DefaultUnauthorizedRetry); from 1s to 24h.
	UnauthorizedRetry time.Duration `yaml:"unauthorized_retry"`
	// FeedLookback keeps the feed poll looking at posts created this long
	// before the last activity seen, even when they look unchanged, in
	// case Facebook lists posts by creation rather than by last activity.
	// Default 168h (7 days, the Private Reply window).
	FeedLookback time.Duration `yaml:"feed_lookback"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.GraphURL == "" {
		c.GraphURL = "https://graph.facebook.com/"
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.PollInterval == 0 {
		c.PollInterval = 30 * time.Second
	}
	if c.PollIntervalWithWebhooks == 0 {
		c.PollIntervalWithWebhooks = 5 * time.Minute
	}
	if c.RequestsPerSecond == 0 {
		c.RequestsPerSecond = 2
	}
	if c.PageSize == 0 {
		c.PageSize = 25
	}
	if c.RateLimitWait == 0 {
		c.RateLimitWait = time.Minute
	}
	if c.FeedLookback == 0 {
		c.FeedLookback = 7 * 24 * time.Hour
	}
	if c.UnauthorizedRetry == 0 {
		c.UnauthorizedRetry = connectors.DefaultUnauthorizedRetry
	}
	c.Profiles = c.Profiles.WithDefaults()
	return c
}

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the facebook section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	// errors.Join below drops the nils.
	errs = append(errs,
		connectors.CheckBaseURL("graph_url", c.GraphURL),
		connectors.CheckInterval("poll_interval", c.PollInterval),
		connectors.CheckInterval("poll_interval_with_webhooks", c.PollIntervalWithWebhooks),
		connectors.CheckUnauthorizedRetry("unauthorized_retry", c.UnauthorizedRetry),
		c.Profiles.Validate())
	if c.Version != "" && !versionPattern.MatchString(c.Version) {
		bad("version: %q is not a Graph API version like %s", c.Version, DefaultVersion)
	}
	if c.RequestsPerSecond < 0 || c.RequestsPerSecond > 1000 {
		bad("requests_per_second: %v is outside 0..1000 (0 means the default, 2)", c.RequestsPerSecond)
	}
	if c.PageSize < 0 || c.PageSize > 100 {
		bad("page_size: %d is outside 1..100", c.PageSize)
	}
	if c.RateLimitWait < 0 {
		bad("rate_limit_wait: must not be negative")
	}
	if c.Backfill < 0 {
		bad("backfill: must not be negative")
	}
	if c.FeedLookback < 0 {
		bad("feed_lookback: must not be negative")
	}
	if c.VerifyToken != "" && c.AppSecret == "" {
		bad("app_secret: required with verify_token: it verifies the webhook's deliveries (set INBOXBOT_FACEBOOK_APP_SECRET or app_secret_file)")
	}
	if c.Enabled {
		if c.PageID == "" {
			bad("page_id: required when facebook is enabled")
		}
		if c.PageToken == "" {
			bad("page_token: required when facebook is enabled (set INBOXBOT_FACEBOOK_PAGE_TOKEN or page_token_file)")
		}
	}
	return errors.Join(errs...)
}
