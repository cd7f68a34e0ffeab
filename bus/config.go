package bus

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Config says which NATS server the bus uses and how its streams are kept.
type Config struct {
	// URL is an external NATS server or cluster (comma-separated URLs).
	// Empty (the default) starts an embedded server inside the process.
	//
	// A URL may carry credentials (nats://user:password@host, or
	// nats://token@host), which are secret: the config package masks
	// them, scrubs them from logs, and refuses them in the YAML file. The
	// User, Password, Token, NKeySeedFile and CredsFile settings keep
	// them out of the URL altogether.
	URL string `yaml:"url" secret:"url"`
	// URLFile names a file holding the whole URL list, credentials
	// included; the config package reads it into URL at load time. Set
	// URL or URLFile, not both.
	URLFile string `yaml:"url_file"`
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

	// The client's credentials and TLS, for an external server (URL set)
	// only: the embedded server is reached in process, and its optional
	// TCP listener (Listen) takes no credentials, so Validate refuses them
	// without URL rather than let an operator think the listener is
	// protected. At most one authentication method may be set: User and
	// Password, Token, NKeySeedFile, CredsFile, or credentials in URL.

	// User is the NATS user name, with Password. Not a secret.
	User string `yaml:"user"`
	// Password is User's password. A secret: from the environment or
	// PasswordFile only.
	Password string `yaml:"password" secret:"true"`
	// PasswordFile names a file holding Password.
	PasswordFile string `yaml:"password_file"`
	// Token is an authentication token. A secret: from the environment or
	// TokenFile only.
	Token string `yaml:"token" secret:"true"`
	// TokenFile names a file holding Token.
	TokenFile string `yaml:"token_file"`
	// NKeySeedFile names a file holding an NKey user seed (SU…); the
	// client signs the server's nonce with it, so the seed never crosses
	// the network.
	NKeySeedFile string `yaml:"nkey_seed_file"`
	// CredsFile names a .creds file (a user JWT and its NKey seed), for
	// servers run in operator/JWT mode.
	CredsFile string `yaml:"creds_file"`
	// TLSCA names a PEM file of CA certificates to verify the servers
	// with, instead of the system's. Setting it (or TLSCert) makes the
	// client require TLS.
	TLSCA string `yaml:"tls_ca"`
	// TLSCert and TLSKey name the PEM client certificate and its key,
	// for servers that verify clients (tls { verify: true }). Set both
	// or neither.
	TLSCert string `yaml:"tls_cert"`
	// TLSKey names the key of TLSCert (see TLSCert).
	TLSKey string `yaml:"tls_key"`
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
	errs = append(errs, c.validateClient()...)
	return errors.Join(errs...)
}

// validateClient checks the credentials and TLS settings: only with an
// external server, one authentication method, pairs complete, and every
// file readable and of the right kind, so that `inboxbot config check`
// finds what would otherwise fail at the first connection.
func (c Config) validateClient() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	set := []struct{ key, value string }{
		{"user", c.User}, {"password", c.Password}, {"token", c.Token},
		{"nkey_seed_file", c.NKeySeedFile}, {"creds_file", c.CredsFile},
		{"tls_ca", c.TLSCA}, {"tls_cert", c.TLSCert}, {"tls_key", c.TLSKey},
	}
	if c.URL == "" {
		for _, s := range set {
			if s.value != "" {
				bad("%s: applies to an external server only (url); the embedded server is reached in process, and listen takes no credentials", s.key)
			}
		}
		return errs
	}
	var methods []string
	if urlHasCredentials(c.URL) {
		methods = append(methods, "credentials in url")
	}
	if c.User != "" || c.Password != "" {
		methods = append(methods, "user and password")
	}
	if c.Token != "" {
		methods = append(methods, "token")
	}
	if c.NKeySeedFile != "" {
		methods = append(methods, "nkey_seed_file")
	}
	if c.CredsFile != "" {
		methods = append(methods, "creds_file")
	}
	if len(methods) > 1 {
		bad("only one authentication method may be set, got %s", strings.Join(methods, ", "))
	}
	switch {
	case c.User != "" && c.Password == "":
		bad("password: user %q needs a password (password_file, or the environment)", c.User)
	case c.User == "" && c.Password != "":
		bad("user: a password needs a user")
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		bad("tls_key: tls_cert needs its key")
	case c.TLSCert == "" && c.TLSKey != "":
		bad("tls_cert: tls_key needs its certificate")
	}
	// The files are checked by the very options that will use them, so
	// that a file accepted here is one the connection can use.
	if c.NKeySeedFile != "" {
		if _, err := nats.NkeyOptionFromSeed(c.NKeySeedFile); err != nil {
			bad("nkey_seed_file: %v", err)
		}
	}
	if c.CredsFile != "" {
		if err := checkCreds(c.CredsFile); err != nil {
			bad("creds_file: %v", err)
		}
	}
	if c.TLSCA != "" {
		if err := nats.RootCAs(c.TLSCA)(&nats.Options{}); err != nil {
			bad("tls_ca: %v", err)
		}
	}
	if c.TLSCert != "" && c.TLSKey != "" {
		if err := nats.ClientCert(c.TLSCert, c.TLSKey)(&nats.Options{}); err != nil {
			bad("tls_cert: %v", err)
		}
	}
	return errs
}

// checkCreds loads a .creds file the way the client will: its user JWT,
// and a signature with its seed.
func checkCreds(path string) error {
	var o nats.Options
	if err := nats.UserCredentials(path)(&o); err != nil {
		return err
	}
	if _, err := o.UserJWT(); err != nil {
		return err
	}
	if _, err := o.SignatureCB([]byte("inboxbot-config-check")); err != nil {
		return err
	}
	return nil
}

// urlHasCredentials reports whether any URL of the comma-separated list
// carries a user, password or token.
func urlHasCredentials(list string) bool {
	for _, s := range strings.Split(list, ",") {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.User != nil {
			return true
		}
	}
	return false
}

// clientOptions returns the nats.go options for the credentials and TLS
// settings of an external server.
func (c Config) clientOptions() ([]nats.Option, error) {
	var opts []nats.Option
	if c.User != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	if c.Token != "" {
		opts = append(opts, nats.Token(c.Token))
	}
	if c.NKeySeedFile != "" {
		o, err := nats.NkeyOptionFromSeed(c.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nats.nkey_seed_file: %v", ErrConfig, err)
		}
		opts = append(opts, o)
	}
	if c.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	return opts, nil
}
