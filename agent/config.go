package agent

import (
	"errors"
	"fmt"
	"net"
)

// Config configures the agents' web inbox and HTTP API (the `http:` section).
type Config struct {
	// Addr is the listen address of the web inbox, API, /healthz and
	// /metrics. Default 127.0.0.1:8080.
	Addr string `yaml:"addr"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	return c
}

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the http section.
func (c Config) Validate() error {
	var errs []error
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("addr: %q is not host:port", c.Addr))
		}
	}
	return errors.Join(errs...)
}
