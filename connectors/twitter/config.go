package twitter

import (
	"errors"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
)

// Config configures the Twitter connector (the `twitter:` section). The four
// OAuth 1.0a credentials are secrets: set them through the environment or
// their *_file variants, never in the YAML file.
type Config struct {
	// Enabled turns the connector on. Default false.
	Enabled            bool   `yaml:"enabled"`
	ConsumerKey        string `yaml:"consumer_key" secret:"true"`
	ConsumerKeyFile    string `yaml:"consumer_key_file"`
	ConsumerSecret     string `yaml:"consumer_secret" secret:"true"`
	ConsumerSecretFile string `yaml:"consumer_secret_file"`
	AccessToken        string `yaml:"access_token" secret:"true"`
	AccessTokenFile    string `yaml:"access_token_file"`
	AccessSecret       string `yaml:"access_secret" secret:"true"`
	AccessSecretFile   string `yaml:"access_secret_file"`
	// API is the X API version spoken: "v2" (default; every access level,
	// pay-per-use included) or "v1.1" (Enterprise contracts only: X
	// answers 403 code 453 to self-serve accounts on v1.1).
	API string `yaml:"api"`
	// APIURL is the API base URL, with a trailing slash. Default
	// https://api.x.com/2/ for v2 and https://api.twitter.com/1.1/ for
	// v1.1. Tests and the demo point it at a fake.
	APIURL string `yaml:"api_url"`
	// PollInterval is the shortest time between two polls of one
	// endpoint; the rate-limit budget may stretch it. Default 15s.
	PollInterval time.Duration `yaml:"poll_interval"`
	// PollIntervalWithWebhooks is the polling interval while webhooks
	// deliver (a valid delivery within the last interval): polling is
	// then only a gap fill. Default 5m.
	PollIntervalWithWebhooks time.Duration `yaml:"poll_interval_with_webhooks"`
	// UnauthorizedRetry is how long polling pauses after X rejected the
	// credentials (HTTP 401), before one more try; a send that goes
	// through meanwhile ends the pause. Default 5m
	// (connectors.DefaultUnauthorizedRetry); from 1s to 24h.
	UnauthorizedRetry time.Duration `yaml:"unauthorized_retry"`
	// DailyBudgetUSD caps a UTC day's pay-per-use spend. Once reached,
	// polling drops to one call per endpoint per BudgetPollInterval and
	// the router's automatic posts are refused; agents' replies still go.
	// 0 (default) means no cap; spend is metered either way.
	DailyBudgetUSD float64 `yaml:"daily_budget_usd"`
	// Prices are what each X request costs (see Prices). Unset prices
	// take X's published pay-per-use prices.
	Prices Prices `yaml:"prices"`
	// Profiles looks up the name, handle and picture of DM senders (GET
	// /2/users, each user a User read at prices.user_read, within the
	// daily budget), once and again when a week old. v2 only.
	Profiles connectors.ProfileSettings `yaml:"profiles"`
}

// The values of Config.API.
const (
	APIv2  = "v2"
	APIv11 = "v1.1"
)

// Default API base URLs.
const (
	DefaultURLv2  = "https://api.x.com/2/"
	DefaultURLv11 = "https://api.twitter.com/1.1/"
)

// BudgetPollInterval is how often each endpoint is polled once the daily
// budget is reached: the slowest rate that still notices a customer
// within a rate-limit window.
const BudgetPollInterval = 15 * time.Minute

// Prices are X's pay-per-use prices in US dollars (twitter.prices), per
// resource returned or created. The defaults are X's published prices
// (February 2026); a zero keeps the default, so set a price to override
// it. Spend is metered at these prices in v2 mode; v1.1 (Enterprise) is
// billed by contract and not metered.
type Prices struct {
	// PostRead is the price of one post read (each mention returned).
	// Default 0.001.
	PostRead float64 `yaml:"post_read"`
	// DMEventRead is the price of one DM event read. Default 0.010.
	DMEventRead float64 `yaml:"dm_event_read"`
	// UserRead is the price of one user read: users/me, and each user a
	// customer profile look-up returns. Default 0.010.
	UserRead float64 `yaml:"user_read"`
	// PostCreate is the price of creating a post. Default 0.015.
	PostCreate float64 `yaml:"post_create"`
	// PostCreateURL is the price of creating a post that contains a URL.
	// Default 0.20: about 13 times a plain post, which is why
	// policy.twitter.dm_link is off with v2.
	PostCreateURL float64 `yaml:"post_create_url"`
	// DMCreate is the price of sending a DM. Default 0.015.
	DMCreate float64 `yaml:"dm_create"`
}

// DefaultPrices are X's published pay-per-use prices.
var DefaultPrices = Prices{
	PostRead: 0.001, DMEventRead: 0.010, UserRead: 0.010,
	PostCreate: 0.015, PostCreateURL: 0.20, DMCreate: 0.015,
}

// withDefaults fills every zero price from DefaultPrices.
func (p Prices) withDefaults() Prices {
	for _, f := range []struct {
		v   *float64
		def float64
	}{
		{&p.PostRead, DefaultPrices.PostRead}, {&p.DMEventRead, DefaultPrices.DMEventRead},
		{&p.UserRead, DefaultPrices.UserRead}, {&p.PostCreate, DefaultPrices.PostCreate},
		{&p.PostCreateURL, DefaultPrices.PostCreateURL}, {&p.DMCreate, DefaultPrices.DMCreate},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return p
}

// validate reports negative or absurd prices, by key.
func (p Prices) validate() []error {
	var errs []error
	for _, f := range []struct {
		key string
		v   float64
	}{
		{"post_read", p.PostRead}, {"dm_event_read", p.DMEventRead}, {"user_read", p.UserRead},
		{"post_create", p.PostCreate}, {"post_create_url", p.PostCreateURL}, {"dm_create", p.DMCreate},
	} {
		if f.v < 0 || f.v > 100 {
			errs = append(errs, fmt.Errorf("prices.%s: %v is not a price in dollars (0..100)", f.key, f.v))
		}
	}
	return errs
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.API == "" {
		c.API = APIv2
	}
	if c.APIURL == "" {
		c.APIURL = DefaultURLv2
		if c.API == APIv11 {
			c.APIURL = DefaultURLv11
		}
	}
	if c.PollInterval == 0 {
		c.PollInterval = 15 * time.Second
	}
	if c.PollIntervalWithWebhooks == 0 {
		c.PollIntervalWithWebhooks = 5 * time.Minute
	}
	if c.UnauthorizedRetry == 0 {
		c.UnauthorizedRetry = connectors.DefaultUnauthorizedRetry
	}
	c.Prices = c.Prices.withDefaults()
	c.Profiles = c.Profiles.WithDefaults()
	return c
}

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the twitter section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	// errors.Join below drops the nils.
	errs = append(errs,
		connectors.CheckBaseURL("api_url", c.APIURL),
		connectors.CheckInterval("poll_interval", c.PollInterval),
		connectors.CheckInterval("poll_interval_with_webhooks", c.PollIntervalWithWebhooks),
		connectors.CheckUnauthorizedRetry("unauthorized_retry", c.UnauthorizedRetry))
	switch c.API {
	case "", APIv2, APIv11:
	default:
		bad("api: %q is not v2 or v1.1", c.API)
	}
	if c.DailyBudgetUSD < 0 {
		bad("daily_budget_usd: %v is negative (0 means no budget)", c.DailyBudgetUSD)
	}
	errs = append(errs, c.Prices.validate()...)
	errs = append(errs, c.Profiles.Validate())
	if c.Enabled {
		for _, f := range []struct{ key, v string }{
			{"consumer_key", c.ConsumerKey}, {"consumer_secret", c.ConsumerSecret},
			{"access_token", c.AccessToken}, {"access_secret", c.AccessSecret},
		} {
			if f.v == "" {
				bad("%s: required when twitter is enabled", f.key)
			}
		}
	}
	return errors.Join(errs...)
}
