package facebook

import (
	"errors"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
)

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
	// AppSecret signs requests with appsecret_proof when set. Secret.
	AppSecret     string `yaml:"app_secret" secret:"true"`
	AppSecretFile string `yaml:"app_secret_file"`
	// GraphURL is the Graph API base URL, with a trailing slash. Default
	// https://graph.facebook.com/. Tests and the demo point it at a fake.
	GraphURL string `yaml:"graph_url"`
	// Version is the Graph API version path, e.g. "v19.0". Empty means
	// unversioned (the app's default version).
	Version string `yaml:"version"`
	// PollInterval is the time between two polls. Default 30s. The
	// connector stretches it (up to 8×) while the usage headers near 100%.
	PollInterval time.Duration `yaml:"poll_interval"`
	// PageSize is the number of items asked for per Graph API page
	// (conversations, messages, posts, and comments per post). Default
	// 25, Facebook's own default; at most 100.
	PageSize int `yaml:"page_size"`
	// RateLimitWait is how long to wait after a rate-limit error (codes 4,
	// 17, 32, 613, 80001) when the usage headers give no
	// estimated_time_to_regain_access. Default 60s.
	RateLimitWait time.Duration `yaml:"rate_limit_wait"`
	// Backfill limits the first poll of a conversation, post or list to
	// items newer than this. Default 0: the whole history is pulled once.
	Backfill time.Duration `yaml:"backfill"`
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
	if c.PollInterval == 0 {
		c.PollInterval = 30 * time.Second
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
		connectors.CheckInterval("poll_interval", c.PollInterval))
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
