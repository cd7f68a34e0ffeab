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
	// APIURL is the v1.1 API base URL, with a trailing slash. Default
	// https://api.twitter.com/1.1/. Tests and the demo point it at a fake.
	APIURL string `yaml:"api_url"`
	// PollInterval is the shortest time between two polls of one
	// endpoint; the rate-limit budget may stretch it. Default 15s.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = "https://api.twitter.com/1.1/"
	}
	if c.PollInterval == 0 {
		c.PollInterval = 15 * time.Second
	}
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
		connectors.CheckInterval("poll_interval", c.PollInterval))
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
