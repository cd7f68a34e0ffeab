package config_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/logging"
)

// TestConnectionStringsMaskOnlyCredentials: store.dsn and nats.url are
// masked in `config show` down to their password or token, so the
// operator still sees host and database, and their credentials reach the
// log scrubber.
func TestConnectionStringsMaskOnlyCredentials(t *testing.T) {
	tests := []struct {
		name, driver, dsn, url string
		masked                 string   // the printed value
		secrets                []string // what Secrets() must hold
	}{
		{name: "postgres URL", driver: "postgres",
			dsn:     "postgres://inboxbot:pa%24%24word-1@db.internal:5432/inboxbot?sslmode=verify-full",
			masked:  "postgres://inboxbot:********@db.internal:5432/inboxbot?sslmode=verify-full",
			secrets: []string{"pa%24%24word-1", "pa$$word-1"}},
		{name: "postgres URL, password in the query", driver: "postgres",
			dsn:     "postgresql://inboxbot@db.internal/inboxbot?password=hunter22&sslmode=require",
			masked:  "postgresql://inboxbot@db.internal/inboxbot?password=********&sslmode=require",
			secrets: []string{"hunter22"}},
		{name: "postgres keyword/value", driver: "postgres",
			dsn:     `host=db.internal user=inboxbot password='it\'s a secret' dbname=inboxbot sslpassword=keypass9`,
			masked:  `host=db.internal user=inboxbot password='********' dbname=inboxbot sslpassword=********`,
			secrets: []string{`it\'s a secret`, "it's a secret", "keypass9"}},
		{name: "postgres without a password", driver: "postgres",
			dsn:    "postgres://inboxbot@db.internal:5432/inboxbot?sslmode=verify-full",
			masked: "postgres://inboxbot@db.internal:5432/inboxbot?sslmode=verify-full"},
		{name: "nats user/password and token", driver: "sqlite",
			url:     "nats://inboxbot:natspass-1@10.0.0.5:4222, tls://tok3n-abcd@10.0.0.6:4222,nats://10.0.0.7:4222",
			masked:  "nats://inboxbot:********@10.0.0.5:4222, tls://********@10.0.0.6:4222,nats://10.0.0.7:4222",
			secrets: []string{"natspass-1", "tok3n-abcd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"INBOXBOT_STORE_DRIVER=" + tt.driver}
			if tt.dsn != "" {
				env = append(env, "INBOXBOT_STORE_DSN="+tt.dsn)
			}
			if tt.url != "" {
				env = append(env, "INBOXBOT_NATS_URL="+tt.url)
			}
			c, err := config.Load("", env)
			if err != nil {
				t.Fatal(err)
			}
			m := c.Masked()
			got := m.Store.DSN
			if tt.url != "" {
				got = m.NATS.URL
			}
			if got != tt.masked {
				t.Errorf("masked\n got %s\nwant %s", got, tt.masked)
			}
			if c.Store.DSN != tt.dsn && tt.dsn != "" {
				t.Errorf("Masked changed the original: %s", c.Store.DSN)
			}
			out := c.YAML()
			for _, s := range tt.secrets {
				if strings.Contains(out, s) {
					t.Errorf("config show prints %q:\n%s", s, out)
				}
				if !slices.Contains(c.Secrets(), s) {
					t.Errorf("Secrets() = %q lacks %q", c.Secrets(), s)
				}
			}
			if len(tt.secrets) == 0 && len(c.Secrets()) != 0 {
				t.Errorf("Secrets() = %q for a value without credentials", c.Secrets())
			}
		})
	}
}

// TestConnectionPasswordsNeverLogged logs errors that quote the DSN and
// the NATS URL through the process logger: the passwords are masked.
func TestConnectionPasswordsNeverLogged(t *testing.T) {
	c, err := config.Load("", []string{
		"INBOXBOT_STORE_DRIVER=postgres",
		"INBOXBOT_STORE_DSN=postgres://inboxbot:pa%40ss-word@db:5432/inboxbot",
		"INBOXBOT_NATS_URL=nats://inboxbot:natspass-1@10.0.0.5:4222",
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := logging.New(&buf, "text", slog.LevelDebug, c.Secrets())
	log.Error("store", "err", errors.New(`cannot parse `+"`"+c.Store.DSN+"`"+`: failed`), "dsn", c.Store.DSN)
	log.Error("bus", "url", c.NATS.URL, "password", "pa@ss-word")
	for _, leak := range []string{"pa%40ss-word", "pa@ss-word", "natspass-1"} {
		if strings.Contains(buf.String(), leak) {
			t.Errorf("log holds %q:\n%s", leak, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "db:5432/inboxbot") {
		t.Errorf("the host was masked too:\n%s", buf.String())
	}
}

// TestConnectionPasswordsRefusedInFile: a DSN or NATS URL with a password
// or token in the YAML file is refused with what to do instead, without
// repeating it; without one it is fine.
func TestConnectionPasswordsRefusedInFile(t *testing.T) {
	for _, tt := range []struct{ name, yaml, key, env string }{
		{"dsn", "store:\n  driver: postgres\n  dsn: postgres://inboxbot:hunter22@db/inboxbot\n", "store.dsn", "INBOXBOT_STORE_DSN"},
		{"keyword dsn", "store:\n  driver: postgres\n  dsn: host=db password=hunter22\n", "store.dsn", "INBOXBOT_STORE_DSN"},
		{"nats token", "nats:\n  url: nats://hunter22@10.0.0.5:4222\n", "nats.url", "INBOXBOT_NATS_URL"},
		{"nats password", "nats:\n  url: nats://a:4222,nats://u:hunter22@b:4222\n", "nats.url", "INBOXBOT_NATS_URL"},
		{"nats.password", "nats:\n  url: nats://a:4222\n  user: u\n  password: hunter22\n", "nats.password", "INBOXBOT_NATS_PASSWORD"},
		{"nats.token", "nats:\n  url: nats://a:4222\n  token: hunter22\n", "nats.token", "INBOXBOT_NATS_TOKEN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(testutil.WriteFile(t, "c.yaml", tt.yaml), nil)
			if err == nil {
				t.Fatal("a password in the file was accepted")
			}
			if keys := problemKeys(t, err); !containsStr(keys, tt.key) {
				t.Fatalf("problems %v do not name %s", keys, tt.key)
			}
			msg := err.Error()
			if strings.Contains(msg, "hunter22") {
				t.Errorf("the error repeats the password: %v", err)
			}
			if !strings.Contains(msg, tt.env) || !strings.Contains(msg, "_file") {
				t.Errorf("the error does not say where to put it (%s or *_file): %v", tt.env, err)
			}
		})
	}
	c, err := config.Load(testutil.WriteFile(t, "c.yaml",
		"store:\n  driver: postgres\n  dsn: postgres://inboxbot@db/inboxbot?sslmode=verify-full&passfile=/etc/inboxbot/pgpass\n"+
			"nats:\n  url: nats://10.0.0.5:4222,tls://10.0.0.6:4222\n"), nil)
	if err != nil {
		t.Fatalf("a DSN and a URL without passwords refused: %v", err)
	}
	if c.Store.DSN != "postgres://inboxbot@db/inboxbot?sslmode=verify-full&passfile=/etc/inboxbot/pgpass" {
		t.Errorf("store.dsn = %q", c.Store.DSN)
	}
}

// TestConnectionStringsFromFiles: store.dsn_file and nats.url_file.
func TestConnectionStringsFromFiles(t *testing.T) {
	dsn := testutil.WriteFile(t, "dsn", "postgres://inboxbot:hunter22@db/inboxbot\n")
	url := testutil.WriteFile(t, "url", "nats://inboxbot:natspass-1@10.0.0.5:4222\n")
	c, err := config.Load("", []string{
		"INBOXBOT_STORE_DRIVER=postgres", "INBOXBOT_STORE_DSN_FILE=" + dsn, "INBOXBOT_NATS_URL_FILE=" + url,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.DSN != "postgres://inboxbot:hunter22@db/inboxbot" || c.NATS.URL != "nats://inboxbot:natspass-1@10.0.0.5:4222" {
		t.Errorf("store.dsn = %q, nats.url = %q", c.Store.DSN, c.NATS.URL)
	}
	if out := c.YAML(); strings.Contains(out, "hunter22") || strings.Contains(out, "natspass-1") {
		t.Errorf("config show prints a password read from a file:\n%s", out)
	}
	// The file in the YAML, the file's path is no secret.
	if _, err := config.Load(testutil.WriteFile(t, "c.yaml", "store:\n  driver: postgres\n  dsn_file: "+dsn+"\n"), nil); err != nil {
		t.Errorf("store.dsn_file in the file: %v", err)
	}
	_, err = config.Load("", []string{"INBOXBOT_STORE_DRIVER=postgres", "INBOXBOT_STORE_DSN=postgres://x@db/x", "INBOXBOT_STORE_DSN_FILE=" + dsn})
	if keys := problemKeys(t, err); !containsStr(keys, "store.dsn") {
		t.Errorf("dsn set twice not named: %v", keys)
	}
	_, err = config.Load("", []string{"INBOXBOT_NATS_URL_FILE=/nonexistent/url"})
	if keys := problemKeys(t, err); !containsStr(keys, "nats.url_file") {
		t.Errorf("missing url file not named: %v", keys)
	}
}

// TestNATSClientSettings loads the bus's credentials and TLS from the
// environment and files, masks the secrets, and names every problem.
func TestNATSClientSettings(t *testing.T) {
	ca, cert, key := writeTestPKI(t)
	pass := testutil.WriteFile(t, "nats_password", "natspass-1\n")
	c, err := config.Load("", []string{
		"INBOXBOT_NATS_URL=tls://10.0.0.5:4222,tls://10.0.0.6:4222",
		"INBOXBOT_NATS_USER=inboxbot", "INBOXBOT_NATS_PASSWORD_FILE=" + pass,
		"INBOXBOT_NATS_TLS_CA=" + ca, "INBOXBOT_NATS_TLS_CERT=" + cert, "INBOXBOT_NATS_TLS_KEY=" + key,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := c.NATS
	if n.User != "inboxbot" || n.Password != "natspass-1" || n.TLSCA != ca || n.TLSCert != cert || n.TLSKey != key {
		t.Errorf("nats = %+v", n)
	}
	if out := c.YAML(); strings.Contains(out, "natspass-1") || !strings.Contains(out, "user: inboxbot") {
		t.Errorf("config show:\n%s", out)
	}
	if !slices.Contains(c.Secrets(), "natspass-1") {
		t.Errorf("the NATS password is not scrubbed from logs")
	}
	tok := testutil.WriteFile(t, "nats_token", "tok3n-abcd")
	c, err = config.Load("", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_TOKEN_FILE=" + tok})
	if err != nil || c.NATS.Token != "tok3n-abcd" || strings.Contains(c.YAML(), "tok3n-abcd") {
		t.Errorf("token from file: %q, %v", c.NATS.Token, err)
	}

	for _, tt := range []struct {
		name string
		env  []string
		want []string
	}{
		{"embedded server", []string{"INBOXBOT_NATS_USER=u", "INBOXBOT_NATS_PASSWORD=p", "INBOXBOT_NATS_TLS_CA=" + ca}, []string{"nats.user", "nats.password", "nats.tls_ca"}},
		{"two methods", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_TOKEN=t", "INBOXBOT_NATS_CREDS_FILE=/x.creds"}, []string{"nats", "nats.creds_file"}},
		{"user without password", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_USER=u"}, []string{"nats.password"}},
		{"unreadable files", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_NKEY_SEED_FILE=/nonexistent/nk", "INBOXBOT_NATS_TLS_CA=/nonexistent/ca"}, []string{"nats.nkey_seed_file", "nats.tls_ca"}},
		{"cert without key", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_TLS_CERT=" + cert}, []string{"nats.tls_key"}},
		{"missing password file", []string{"INBOXBOT_NATS_URL=nats://a:4222", "INBOXBOT_NATS_USER=u", "INBOXBOT_NATS_PASSWORD_FILE=/nonexistent/p"}, []string{"nats.password_file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load("", tt.env)
			keys := problemKeys(t, err)
			for _, k := range tt.want {
				if !containsStr(keys, k) {
					t.Errorf("problems %v do not name %q (%v)", keys, k, err)
				}
			}
		})
	}
}

// writeTestPKI writes a throwaway CA and a client certificate and key
// signed by it, as PEM files.
func writeTestPKI(t *testing.T) (ca, cert, key string) {
	t.Helper()
	c := testutil.NewCA(t, "", "test CA")
	cert, key = c.Issue(t, "client", x509.ExtKeyUsageClientAuth)
	return c.File, cert, key
}
