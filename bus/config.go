package bus

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Config says which NATS server the bus uses and how its streams are kept.
type Config struct {
	// URL is an external NATS server or cluster (comma-separated URLs).
	// Empty (the default) starts an embedded server inside the process.
	URL string `yaml:"url"`
	// Listen makes the embedded server also accept TCP clients on this
	// host:port. Empty (the default) opens no port: clients connect in
	// process only.
	Listen string `yaml:"listen"`
	// Replicas is the stream replica count. 0 means 1 for the embedded
	// server and 3 for an external one (a cluster).
	Replicas int `yaml:"replicas"`
	// StoreDir is where the embedded server keeps its JetStream files. The
	// config package sets it to <data_dir>/nats.
	StoreDir string `yaml:"-"`
	// Name identifies this client (and the embedded server) in NATS
	// monitoring. Default "inboxbot".
	Name string `yaml:"-"`
	// DedupeWindow is how long the bus remembers Nats-Msg-Id values, so an
	// item pulled twice within it is dropped. Default 10m. The store's
	// unique keys guard beyond it.
	DedupeWindow time.Duration `yaml:"dedupe_window"`
	// LeaseTTL is how long a platform account's polling lease lives
	// without renewal. When its holder dies, another instance takes over
	// within 2 × LeaseTTL. Default 15s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Replicas == 0 {
		c.Replicas = 1
		if c.URL != "" {
			c.Replicas = 3
		}
	}
	if c.Name == "" {
		c.Name = "inboxbot"
	}
	if c.DedupeWindow == 0 {
		c.DedupeWindow = 10 * time.Minute
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = 15 * time.Second
	}
	return c
}

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the nats section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.URL != "" && c.Listen != "" {
		bad("listen: only applies to the embedded server, but url is set")
	}
	if c.URL != "" {
		for _, u := range strings.Split(c.URL, ",") {
			u = strings.TrimSpace(u)
			if !strings.HasPrefix(u, "nats://") && !strings.HasPrefix(u, "tls://") && !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://") {
				bad("url: %q is not a nats:// or tls:// URL", u)
			}
		}
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			bad("listen: %q is not host:port", c.Listen)
		}
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		bad("replicas: %d is outside 0..5", c.Replicas)
	}
	if c.URL == "" && c.Replicas > 1 {
		bad("replicas: the embedded server is a single node; use 1 or set url")
	}
	if c.DedupeWindow < 0 {
		bad("dedupe_window: must not be negative")
	}
	if c.LeaseTTL < 0 || (c.LeaseTTL > 0 && c.LeaseTTL < time.Second) {
		bad("lease_ttl: %s is too short (minimum 1s)", c.LeaseTTL)
	}
	return errors.Join(errs...)
}
