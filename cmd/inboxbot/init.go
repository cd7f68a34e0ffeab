package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/config"
)

// secretFiles are the placeholder files `init` makes under secrets/, by
// the setting that names each one.
var secretFiles = []struct{ key, file string }{
	{"facebook.page_token_file", "facebook_page_token"},
	{"facebook.app_secret_file", "facebook_app_secret"},
	{"facebook.verify_token_file", "facebook_verify_token"},
	{"twitter.consumer_key_file", "twitter_consumer_key"},
	{"twitter.consumer_secret_file", "twitter_consumer_secret"},
	{"twitter.access_token_file", "twitter_access_token"},
	{"twitter.access_secret_file", "twitter_access_secret"},
}

// initTemplate is the config file `init` writes. Paths are absolute, so
// that serve finds the secrets whatever its working directory.
var initTemplate = template.Must(template.New("inboxbot.yaml").Parse(`# inboxbot's configuration, written by ` + "`inboxbot init`" + ` on {{.Date}}.
# Every key is described in the README (Configuration); an environment
# variable INBOXBOT_<SECTION>_<KEY> overrides what is written here.
#
# No secret is ever written in this file. Each one lives in its own file
# under {{.Secrets}} (the folder is mode 0700, the files 0600), named
# by a *_file setting. ` + "`inboxbot connect facebook` and `inboxbot connect x`" + `
# fill them in and turn the platforms on.

# Where the embedded NATS bus and the SQLite database keep their files.
data_dir: {{printf "%q" .DataDir}}

log:
  level: info # debug, info, warn or error
  format: text # text, or json for a log collector

http:
  # The web inbox, the JSON API, /healthz and /metrics.
  addr: {{printf "%q" .Addr}}
  # Where people and platforms reach this instance, e.g.
  # https://inbox.example.com/ (behind a TLS proxy). The admin set-up
  # link and the webhook URLs are built on it; empty: no webhooks.
  public_url: {{printf "%q" .PublicURL}}

facebook:
  # Turned on, with the Page's id, by ` + "`inboxbot connect facebook`" + `.
  enabled: false
  # Your Meta app's id (App Dashboard → App settings → Basic).
  app_id: ""
  page_token_file: {{printf "%q" (print .Secrets "/facebook_page_token")}}
  app_secret_file: {{printf "%q" (print .Secrets "/facebook_app_secret")}}
  verify_token_file: {{printf "%q" (print .Secrets "/facebook_verify_token")}}

twitter:
  # Turned on by ` + "`inboxbot connect x`" + `.
  enabled: false
  api: v2
  consumer_key_file: {{printf "%q" (print .Secrets "/twitter_consumer_key")}}
  consumer_secret_file: {{printf "%q" (print .Secrets "/twitter_consumer_secret")}}
  access_token_file: {{printf "%q" (print .Secrets "/twitter_access_token")}}
  access_secret_file: {{printf "%q" (print .Secrets "/twitter_access_secret")}}
  # Stop automatic posts for the rest of a UTC day past this spend (0: no cap).
  daily_budget_usd: 0

policy:
  # Where the English-only notice on X sends customers who write in
  # another language.
  contact:
    facebook_page: ""
    phone: ""
    email: ""
    help_center: ""
`))

// secretsReadme explains the secrets folder to whoever opens it.
const secretsReadme = `One file per secret, each read by the *_file setting of the same name in
inboxbot.yaml. An empty file means "not set". inboxbot connect facebook
and inboxbot connect x write these files; keep the folder mode 0700 and
the files 0600, and never copy a secret into inboxbot.yaml.
`

// initAnswers are what init asks.
type initAnswers struct {
	Date, DataDir, Addr, PublicURL, Secrets string
}

// prompter asks questions on a terminal, or reads answers piped in.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
}

func newPrompter(e env) *prompter { return &prompter{in: bufio.NewReader(e.stdin), out: e.stderr} }

// ask prints question (with the default in brackets) and returns the
// answer, or def for an empty answer or the end of the input.
func (p *prompter) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(p.out, "%s: ", question)
	}
	line, err := p.in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if errors.Is(err, io.EOF) && line == "" {
		fmt.Fprintln(p.out)
	}
	if line = strings.TrimSpace(line); line == "" {
		return def, nil
	}
	return line, nil
}

func cmdInit(_ context.Context, e env, args []string) int {
	fs, _ := flags("init", e)
	dir := fs.String("dir", ".", "the directory for inboxbot.yaml and secrets/")
	addr := fs.String("http-addr", "", "the web inbox's listen address (default "+agent.DefaultAddr+")")
	publicURL := fs.String("public-url", "", "where people and platforms reach this instance, e.g. https://inbox.example.com/")
	dataDir := fs.String("data-dir", "", "where the bus and the store keep their files (default DIR/data)")
	yes := fs.Bool("yes", false, "ask nothing: take the flags and the defaults")
	force := fs.Bool("force", false, "replace an existing inboxbot.yaml (the secrets files are kept)")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return usageErr(e, errors.New("usage: inboxbot "+helps["init"].usage))
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fail(e, "%v", err)
	}
	cfgPath := filepath.Join(abs, config.DefaultFile)
	if _, err := os.Stat(cfgPath); err == nil && !*force {
		return fail(e, "%s exists; use --force to replace it (the secrets are kept)", cfgPath)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	a := initAnswers{Date: time.Now().UTC().Format("2006-01-02"), Addr: *addr, PublicURL: *publicURL, DataDir: *dataDir, Secrets: filepath.Join(abs, "secrets")}
	if a.Addr == "" {
		a.Addr = agent.DefaultAddr
	}
	if a.DataDir == "" {
		a.DataDir = filepath.Join(abs, "data")
	}
	if !*yes {
		p := newPrompter(e)
		for _, q := range []struct {
			flag, question string
			v              *string
		}{
			{"http-addr", "Web inbox address (host:port)", &a.Addr},
			{"public-url", "Public URL, for webhooks and the set-up link (empty: none)", &a.PublicURL},
			{"data-dir", "Data directory", &a.DataDir},
		} {
			if set[q.flag] {
				continue
			}
			if *q.v, err = p.ask(q.question, *q.v); err != nil {
				return fail(e, "reading the answer: %v", err)
			}
		}
	}
	if _, _, err := net.SplitHostPort(a.Addr); err != nil {
		return usageErr(e, fmt.Errorf("web inbox address %q is not host:port", a.Addr))
	}
	if a.PublicURL != "" && !strings.HasSuffix(a.PublicURL, "/") {
		a.PublicURL += "/"
	}
	if a.DataDir, err = filepath.Abs(a.DataDir); err != nil {
		return fail(e, "%v", err)
	}
	if err := writeInit(cfgPath, a); err != nil {
		return fail(e, "%v", err)
	}
	if _, err := config.Load(cfgPath, nil); err != nil {
		return fail(e, "the written config does not load (a bug): %v", err)
	}
	fmt.Fprintf(e.stdout, "Wrote %s and %s/ (one empty file per secret).\n\nNext:\n", cfgPath, a.Secrets)
	fmt.Fprintf(e.stdout, "  inboxbot serve --config %s      # prints a one-time link that creates the first admin\n", cfgPath)
	fmt.Fprintf(e.stdout, "  inboxbot connect facebook --config %s\n", cfgPath)
	fmt.Fprintf(e.stdout, "  inboxbot connect x --config %s\n", cfgPath)
	return exitOK
}

// writeInit writes the config file and the secrets folder with its
// placeholder files; existing secrets files are kept as they are.
func writeInit(cfgPath string, a initAnswers) error {
	if err := os.MkdirAll(a.Secrets, 0o700); err != nil {
		return err
	}
	// MkdirAll leaves an existing folder's mode alone.
	if err := os.Chmod(a.Secrets, 0o700); err != nil {
		return err
	}
	for _, s := range secretFiles {
		f, err := os.OpenFile(filepath.Join(a.Secrets, s.file), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(a.Secrets, "README"), []byte(secretsReadme), 0o600); err != nil {
		return err
	}
	var b strings.Builder
	if err := initTemplate.Execute(&b, a); err != nil {
		return err
	}
	return os.WriteFile(cfgPath, []byte(b.String()), 0o640)
}
