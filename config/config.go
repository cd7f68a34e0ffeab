// Package config loads inboxbot's settings: a YAML file, then environment
// overrides named INBOXBOT_<SECTION>_<KEY> (INBOXBOT_<KEY> for top-level
// keys), then secrets from *_file settings. Unknown keys are errors, and
// Validate lists every problem by key.
//
// Each section is the Config type of the component it configures, so a
// component documents and validates its own settings; this package only
// puts them together.
//
// A component marks its secrets with a struct tag, and a sibling field
// named <key>_file lets the secret come from a file. secret:"true" is a
// secret as a whole (a token): never in the YAML file, masked whole.
// secret:"url" is a connection string whose password or token only is
// secret (store.dsn, nats.url): in the YAML file only without one, and
// masked and scrubbed from logs credentials only, so the host stays
// readable.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
)

// DefaultFile is the config file read when --config is not given and the
// file exists.
const DefaultFile = "inboxbot.yaml"

// Config is the whole of inboxbot's settings.
type Config struct {
	// DataDir holds the embedded NATS storage and the SQLite file.
	// Default ./data.
	DataDir  string          `yaml:"data_dir"`
	Log      Log             `yaml:"log"`
	NATS     bus.Config      `yaml:"nats"`
	Store    store.Config    `yaml:"store"`
	HTTP     agent.Config    `yaml:"http"`
	Facebook facebook.Config `yaml:"facebook"`
	Twitter  twitter.Config  `yaml:"twitter"`
	Policy   router.Config   `yaml:"policy"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is text or json. Default text.
	Format string `yaml:"format"`
}

// SlogLevel returns the level as a slog.Level (info when unset).
func (l Log) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo
	}
	return lv
}

// WithDefaults returns c with every zero setting given its default, and the
// paths that derive from data_dir filled in.
func (c Config) WithDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Store.Driver == "" {
		c.Store.Driver = "sqlite"
	}
	if c.Store.Driver == "sqlite" && c.Store.DSN == "" {
		c.Store.DSN = filepath.Join(c.DataDir, "inboxbot.db")
	}
	if c.NATS.StoreDir == "" {
		c.NATS.StoreDir = filepath.Join(c.DataDir, "nats")
	}
	c.NATS = c.NATS.WithDefaults()
	c.HTTP = c.HTTP.WithDefaults()
	c.Facebook = c.Facebook.WithDefaults()
	c.Twitter = c.Twitter.WithDefaults()
	if c.Policy.Twitter.DMLink == nil {
		// The DM deep link makes the invitation a post with a URL, which
		// pay-per-use (v2) bills at about 13 times a plain post.
		on := c.Twitter.API == twitter.APIv11
		c.Policy.Twitter.DMLink = &on
	}
	if c.Policy.Twitter.MentionAuthor == nil {
		// v2 adds no @mention to a reply's text, and X refuses identical
		// posts as duplicates: name the customer.
		on := c.Twitter.API == twitter.APIv2
		c.Policy.Twitter.MentionAuthor = &on
	}
	c.Policy = c.Policy.WithDefaults()
	return c
}

// Problem is one invalid setting.
type Problem struct {
	// Key is the setting's dotted path, e.g. "facebook.page_id".
	Key string
	// Message says what is wrong with it.
	Message string
}

// String renders the problem as "key: message".
func (p Problem) String() string { return p.Key + ": " + p.Message }

// Problems is the error returned by Load and Validate: every problem found,
// each naming its key.
type Problems []Problem

// Error lists every problem, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return "invalid config:\n  " + strings.Join(lines, "\n  ")
}

// Is makes errors.Is(err, ErrInvalid) true for Problems.
func (ps Problems) Is(target error) bool { return target == ErrInvalid }

// Validate checks every section and the rules that span sections. It
// returns Problems, or nil.
func (c Config) Validate() error {
	var ps Problems
	add := func(section string, err error) {
		if err == nil {
			return
		}
		var errs []error
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{err}
		}
		for _, e := range errs {
			key, msg, ok := strings.Cut(e.Error(), ": ")
			if !ok || strings.ContainsAny(key, " \n") {
				key, msg = "", e.Error()
			}
			ps = append(ps, Problem{Key: join(section, key), Message: msg})
		}
	}
	if c.DataDir == "" {
		ps = append(ps, Problem{"data_dir", "must not be empty"})
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		ps = append(ps, Problem{"log.level", fmt.Sprintf("%q is not debug, info, warn or error", c.Log.Level)})
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		ps = append(ps, Problem{"log.format", fmt.Sprintf("%q is not text or json", c.Log.Format)})
	}
	add("nats", c.NATS.Validate())
	add("store", c.Store.Validate())
	add("http", c.HTTP.Validate())
	add("facebook", c.Facebook.Validate())
	add("twitter", c.Twitter.Validate())
	add("policy", c.Policy.Validate())
	// Cross-section rules.
	if c.Policy.Twitter.Follow && c.Twitter.WithDefaults().API == twitter.APIv2 {
		ps = append(ps, Problem{"policy.twitter.follow", "X API v2 has no follow for self-serve access (removed in April 2026); " +
			"customers can DM the account without a follow when it accepts message requests from everyone " +
			"(X settings: Privacy and safety → Direct messages → Allow message requests from everyone); " +
			"turn follow off, or use twitter.api: v1.1 with an Enterprise contract"})
	}
	if c.NATS.Listen != "" && c.NATS.Listen == c.HTTP.Addr {
		ps = append(ps, Problem{"nats.listen", "must differ from http.addr (" + c.HTTP.Addr + ")"})
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

func join(section, key string) string {
	if key == "" {
		return section
	}
	return section + "." + key
}

// ErrInvalid matches every configuration error (errors.Is).
var ErrInvalid = errors.New("invalid config")
