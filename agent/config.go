package agent

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config configures the agents' web inbox and HTTP API (the `http:` section).
type Config struct {
	// Addr is the listen address of the web inbox, API, /healthz and
	// /metrics. Default 127.0.0.1:8080.
	Addr string `yaml:"addr"`
	// WebhookAddr, when set, is a listener of its own for the platform
	// webhooks (/webhooks/facebook, /webhooks/twitter) and an anonymous
	// /healthz, so that only they face the internet while the desk stays
	// private. Empty (default): the webhooks are served on Addr.
	WebhookAddr string `yaml:"webhook_addr"`
	// PublicURL is the address people and platforms reach this instance
	// at, with a trailing slash, e.g. https://inbox.example.com/. It is
	// the base of the one-time admin set-up link `serve` prints, and of
	// the webhook URLs `inboxbot connect` registers
	// (<public_url>webhooks/facebook, …/twitter). Empty: the set-up link
	// uses Addr, and connect registers no webhook.
	PublicURL string `yaml:"public_url"`
	// CannedReplies are ready-made answers offered in the reply box, so
	// that agents answer common questions consistently and quickly. They
	// are written by the team, never by customers.
	CannedReplies []CannedReply `yaml:"canned_replies"`
	// SecureCookies marks session cookies Secure even when the request did
	// not arrive over TLS, for deployments behind a TLS-terminating proxy.
	// Cookies are always Secure when inboxbot itself serves TLS.
	SecureCookies bool `yaml:"secure_cookies"`
	// SessionTTL is how long a browser sign-in lasts. Default 12h: one
	// shift, so a forgotten browser does not stay signed in for days.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// TokenTTL is how long an API bearer token made by `inboxbot agents
	// token` stays valid. Default 8760h (one year).
	TokenTTL time.Duration `yaml:"token_ttl"`
	// TLSCert and TLSKey are PEM files. When both are set the server
	// speaks HTTPS only; when both are empty it speaks plain HTTP (put it
	// on loopback or behind a TLS proxy).
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// LoginAttempts is how many failed sign-ins per minute one client
	// address, or one agent name, may make before further attempts get
	// 429. Default 5.
	LoginAttempts int `yaml:"login_attempts"`
	// ReadTimeout bounds reading a whole request, headers and body, so
	// that a client trickling a body cannot hold a connection open.
	// Default 30s: request bodies are small (64 KiB, webhooks 1 MiB).
	// Responses are not bounded, so the live event stream stays open.
	ReadTimeout time.Duration `yaml:"read_timeout"`
}

// CannedReply is one ready-made answer of the reply box, offered when the
// agent types '/' and part of its name (see canned.go). The built-in set
// (BuiltinCannedReplies) is always there; a configured reply adds to it,
// or replaces the built-in one of the same name and language.
type CannedReply struct {
	// Name is what the agent types after '/' to pick it.
	Name string `yaml:"name" json:"name"`
	// Language is the ISO 639-1 code of Text; default "en". A
	// conversation is offered the replies in its language, then the
	// English ones without a translation.
	Language string `yaml:"language" json:"language,omitempty"`
	// Private replies are offered in private conversations only: one that
	// asks for a booking number and PIN, say.
	Private bool `yaml:"private" json:"private,omitempty"`
	// Text is what goes into the reply box, with {customer.name} and
	// {agent.name} filled in; the agent can edit it before sending, and it
	// passes the same reply guard as typed text.
	Text string `yaml:"text" json:"text"`
}

// The defaults of WithDefaults.
const (
	DefaultAddr          = "127.0.0.1:8080"
	DefaultSessionTTL    = 12 * time.Hour
	DefaultTokenTTL      = 365 * 24 * time.Hour
	DefaultLoginAttempts = 5
	DefaultReadTimeout   = 30 * time.Second
)

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.LoginAttempts == 0 {
		c.LoginAttempts = DefaultLoginAttempts
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	return c
}

// TLS reports whether the server itself serves HTTPS.
func (c Config) TLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the http section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			bad("addr: %q is not host:port", c.Addr)
		}
	}
	if c.WebhookAddr != "" {
		if _, _, err := net.SplitHostPort(c.WebhookAddr); err != nil {
			bad("webhook_addr: %q is not host:port", c.WebhookAddr)
		} else if _, port, _ := net.SplitHostPort(c.WebhookAddr); c.WebhookAddr == c.Addr && port != "0" {
			bad("webhook_addr: must differ from addr (%s); leave it empty to serve the webhooks there", c.Addr)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.HasSuffix(u.Path, "/") {
			bad("public_url: %q is not an http(s) URL ending in /", c.PublicURL)
		}
	}
	seen := make(map[string]bool)
	for i, cr := range c.CannedReplies {
		key := cr.Name + "/" + cannedLanguage(cr)
		switch {
		case strings.TrimSpace(cr.Name) == "":
			bad("canned_replies: entry %d has no name", i+1)
		case seen[key]:
			bad("canned_replies: name %q is used twice for language %s", cr.Name, cannedLanguage(cr))
		}
		seen[key] = true
		if strings.TrimSpace(cr.Text) == "" {
			bad("canned_replies: entry %d (%q) has no text", i+1, cr.Name)
		}
		if err := checkCannedVars(cr.Text); err != nil {
			bad("canned_replies: entry %d (%q): %v", i+1, cr.Name, err)
		}
		if len(cr.Text) > MaxReplyBytes {
			bad("canned_replies: entry %d (%q) is longer than %d bytes", i+1, cr.Name, MaxReplyBytes)
		}
	}
	if c.SessionTTL < 0 || (c.SessionTTL > 0 && c.SessionTTL < time.Minute) {
		bad("session_ttl: %s is too short (minimum 1m)", c.SessionTTL)
	}
	if c.TokenTTL < 0 || (c.TokenTTL > 0 && c.TokenTTL < time.Hour) {
		bad("token_ttl: %s is too short (minimum 1h)", c.TokenTTL)
	}
	if c.LoginAttempts < 0 {
		bad("login_attempts: must not be negative")
	}
	if c.ReadTimeout < 0 {
		bad("read_timeout: must not be negative")
	}
	switch {
	case (c.TLSCert == "") != (c.TLSKey == ""):
		if c.TLSCert == "" {
			bad("tls_cert: required when tls_key is set")
		} else {
			bad("tls_key: required when tls_cert is set")
		}
	case c.TLSCert != "":
		if _, err := os.Stat(c.TLSCert); err != nil {
			bad("tls_cert: %v", err)
		}
		if _, err := os.Stat(c.TLSKey); err != nil {
			bad("tls_key: %v", err)
		}
	}
	return errors.Join(errs...)
}
