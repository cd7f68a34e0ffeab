package facebook

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
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
	// PollInterval is the time between two polls. Default 30s.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.GraphURL == "" {
		c.GraphURL = "https://graph.facebook.com/"
	}
	if c.PollInterval == 0 {
		c.PollInterval = 30 * time.Second
	}
	return c
}

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the facebook section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.GraphURL != "" {
		u, err := url.Parse(c.GraphURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad("graph_url: %q is not an http(s) URL", c.GraphURL)
		case !strings.HasSuffix(c.GraphURL, "/"):
			bad("graph_url: must end with '/'")
		}
	}
	if c.PollInterval < 0 || (c.PollInterval > 0 && c.PollInterval < time.Second/10) {
		bad("poll_interval: %s is too short (minimum 100ms)", c.PollInterval)
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
