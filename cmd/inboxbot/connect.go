package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/twitter"
)

// connectTimeout bounds a whole connect command's calls to the platform
// (not the time a person takes to answer).
const connectTimeout = 2 * time.Minute

// connection is one run of `inboxbot connect`: the config file it edits,
// the config as loaded, and the terminal.
type connection struct {
	e       env
	path    string
	cfg     config.Config
	ask     *prompter
	changes []config.Setting
	// secrets are written before the config file changes, so that the
	// file never names a platform without its secrets.
	secrets map[string]string
}

func cmdConnect(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("connect", e)
	tokenFile := fs.String("token-file", "", "facebook: read the user access token from this file instead of asking")
	appID := fs.String("app-id", "", "facebook: the Meta app's id (default: facebook.app_id, else asked)")
	appSecretFile := fs.String("app-secret-file", "", "facebook: read the app secret from this file (default: facebook.app_secret, else asked)")
	page := fs.String("page", "", "facebook: the id of the Page to connect, when the user manages several")
	webhookOnly := fs.Bool("webhook-only", false, "only register the webhook at http.public_url, with the stored credentials")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 || (pos[0] != "facebook" && pos[0] != "x" && pos[0] != "twitter") {
		return usageErr(e, errors.New("usage: inboxbot "+helps["connect"].usage))
	}
	path := config.Find(*cfgPath)
	if path == "" {
		return fail(e, "no config file (./%s or --config): run `inboxbot init` first; connect writes the platform's settings into it", config.DefaultFile)
	}
	cfg, ok := loadConfig(e, path)
	if !ok {
		return exitUsage
	}
	c := &connection{e: e, path: path, cfg: cfg, ask: newPrompter(e), secrets: map[string]string{}}
	if pos[0] == "facebook" {
		return c.facebook(ctx, fbOptions{tokenFile: *tokenFile, appID: *appID, appSecretFile: *appSecretFile, page: *page, webhookOnly: *webhookOnly})
	}
	return c.x(ctx, *webhookOnly)
}

// secretFile returns the file the *_file setting key names, or, when it
// names none, the default under secrets/ next to the config file (and
// remembers to set it).
func (c *connection) secretFile(key, current string) string {
	if current != "" {
		return current
	}
	name := strings.NewReplacer(".", "_").Replace(strings.TrimSuffix(key, "_file"))
	for _, s := range secretFiles {
		if s.key == key {
			name = s.file
		}
	}
	p := filepath.Join(filepath.Dir(c.path), "secrets", name)
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	c.set(key, p)
	return p
}

// set records a setting to write into the config file.
func (c *connection) set(key string, v any) {
	c.changes = append(c.changes, config.Setting{Key: key, Value: v})
}

// secret records a secret to write into file.
func (c *connection) secret(file, value string) { c.secrets[file] = value }

// save writes the secrets, then the config file, and checks that the
// result loads.
func (c *connection) save() error {
	for file, v := range c.secrets {
		if err := config.WriteSecret(file, v); err != nil {
			return err
		}
	}
	if len(c.changes) > 0 {
		if err := config.SetInFile(c.path, c.changes...); err != nil {
			return err
		}
	}
	if _, err := config.Load(c.path, c.e.environ); err != nil {
		return fmt.Errorf("the config does not load after connecting: %w", err)
	}
	return nil
}

// value returns the first non-empty of vs.
func value(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// readSecretFile reads a secret a flag names, without its line end.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// randomSecret returns a random secret for a verify token.
func randomSecret() string { return rand.Text() }

// fbOptions are connect facebook's flags.
type fbOptions struct {
	tokenFile, appID, appSecretFile, page string
	webhookOnly                           bool
}

// facebook connects a Page.
func (c *connection) facebook(ctx context.Context, o fbOptions) int {
	e, fc := c.e, c.cfg.Facebook
	var err error
	appID := value(o.appID, fc.AppID)
	if appID == "" {
		if appID, err = c.ask.ask("Meta app id (App Dashboard → App settings → Basic)", ""); err != nil || appID == "" {
			return fail(e, "the app id is required (--app-id)")
		}
	}
	if appID != fc.AppID {
		c.set("facebook.app_id", appID)
	}
	appSecret := fc.AppSecret
	switch {
	case o.appSecretFile != "":
		if appSecret, err = readSecretFile(o.appSecretFile); err != nil {
			return fail(e, "%v", err)
		}
	case appSecret == "":
		if appSecret, err = c.ask.ask("Meta app secret (App Dashboard → App settings → Basic)", ""); err != nil || appSecret == "" {
			return fail(e, "the app secret is required (--app-secret-file)")
		}
	}
	if appSecret != fc.AppSecret {
		c.secret(c.secretFile("facebook.app_secret_file", fc.AppSecretFile), appSecret)
	}
	fc.AppID, fc.AppSecret = appID, appSecret
	s := facebook.SetupFor(fc)
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if o.webhookOnly {
		if !fc.Enabled || fc.PageToken == "" || fc.VerifyToken == "" {
			return fail(e, "Facebook is not connected yet: run `inboxbot connect facebook` first")
		}
		if err := c.save(); err != nil {
			return fail(e, "%v", err)
		}
		return c.facebookWebhook(ctx, s, fc.VerifyToken, true)
	}

	userToken := ""
	if o.tokenFile != "" {
		if userToken, err = readSecretFile(o.tokenFile); err != nil {
			return fail(e, "%v", err)
		}
	} else {
		fmt.Fprintln(e.stderr, "Make a user access token for your app (Graph API Explorer → your app → Get User Access Token)")
		fmt.Fprintln(e.stderr, "with these permissions:")
		writePermissions(e, facebook.Permissions)
		if userToken, err = c.ask.ask("Paste the user access token", ""); err != nil || userToken == "" {
			return fail(e, "no user access token given (paste it, or use --token-file)")
		}
	}
	user, err := s.Debug(ctx, userToken)
	if err != nil {
		return fail(e, "%v", err)
	}
	if !user.Valid {
		return fail(e, "Meta says this user access token is not valid (%s): make a new one", user.Problem)
	}
	if code := missingPermissions(e, "the user access token", user.Scopes); code != exitOK {
		return code
	}
	long, ttl, err := s.ExchangeToken(ctx, userToken)
	if err != nil {
		return fail(e, "%v", err)
	}
	pages, err := s.Pages(ctx, long)
	if err != nil {
		return fail(e, "%v", err)
	}
	pg, code := c.choosePage(pages, o.page)
	if code != exitOK {
		return code
	}
	info, err := s.Debug(ctx, pg.Token)
	if err != nil {
		return fail(e, "%v", err)
	}
	if !info.Valid || info.Type != "PAGE" {
		return fail(e, "Meta says the token of Page %s is not a valid Page token (%s)", pg.ID, info.Problem)
	}
	if code := missingPermissions(e, "the Page token of "+pg.Name, info.Scopes); code != exitOK {
		return code
	}
	if err := s.Subscribe(ctx, pg.ID, pg.Token, facebook.WebhookFields); err != nil {
		return fail(e, "%v", err)
	}
	verify := fc.VerifyToken
	if verify == "" {
		verify = randomSecret()
		c.secret(c.secretFile("facebook.verify_token_file", fc.VerifyTokenFile), verify)
	}
	tokenFile := c.secretFile("facebook.page_token_file", fc.PageTokenFile)
	c.secret(tokenFile, pg.Token)
	c.set("facebook.enabled", true)
	c.set("facebook.page_id", pg.ID)
	if err := c.save(); err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "Facebook connected: Page %q (%s).\n", pg.Name, pg.ID)
	fmt.Fprintf(e.stdout, "  The Page token is in %s (exchanged through a long-lived user token, %s).\n", tokenFile, lifetime(ttl))
	fmt.Fprintf(e.stdout, "  It %s; /healthz and the web inbox warn 7 days before an expiry.\n", expiryText(info))
	fmt.Fprintf(e.stdout, "  The app is subscribed to the Page's %s webhooks.\n", strings.Join(facebook.WebhookFields, " and "))
	if c.cfg.HTTP.PublicURL != "" {
		c.facebookWebhook(ctx, s, verify, false)
	}
	fmt.Fprintln(e.stdout, "Restart `inboxbot serve` to start.")
	return exitOK
}

// lifetime renders a token's lifetime in days.
func lifetime(d time.Duration) string {
	if d <= 0 {
		return "lifetime not given"
	}
	return fmt.Sprintf("valid %d days", int(d.Hours()/24))
}

// expiryText says when a Page token stops working.
func expiryText(ti facebook.TokenInfo) string {
	var parts []string
	if ti.ExpiresAt.IsZero() {
		parts = append(parts, "does not expire")
	} else {
		parts = append(parts, "expires on "+ti.ExpiresAt.Format("2006-01-02"))
	}
	if !ti.DataAccessExpiresAt.IsZero() {
		parts = append(parts, "its access to user data expires on "+ti.DataAccessExpiresAt.Format("2006-01-02")+" unless renewed")
	}
	return strings.Join(parts, "; ")
}

// writePermissions lists permissions with what each is for.
func writePermissions(e env, ps []facebook.Permission) {
	for _, p := range ps {
		fmt.Fprintf(e.stderr, "  %-25s %s\n", p.Name, p.Why)
	}
}

// missingPermissions says exactly which of Meta's permissions scopes
// lacks and returns exitFailed, or exitOK when none is missing.
func missingPermissions(e env, what string, scopes []string) int {
	missing := facebook.MissingPermissions(scopes)
	if len(missing) == 0 {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "inboxbot: %s lacks these permissions (Meta's names):\n", what)
	writePermissions(e, missing)
	fmt.Fprintln(e.stderr, "Add them when you make the token (and, for a live app, have them approved in App Review), then run this again. Nothing was changed.")
	return exitFailed
}

// choosePage picks the Page: the one --page names, the only one, or the
// one the person chooses from the list.
func (c *connection) choosePage(pages []facebook.Page, want string) (facebook.Page, int) {
	e := c.e
	if len(pages) == 0 {
		return facebook.Page{}, fail(e, "the token's user manages no Page (or the token lacks pages_show_list)")
	}
	if want != "" {
		for _, p := range pages {
			if p.ID == want {
				return p, exitOK
			}
		}
		return facebook.Page{}, fail(e, "the token's user does not manage Page %s", want)
	}
	if len(pages) == 1 {
		return pages[0], exitOK
	}
	fmt.Fprintln(e.stderr, "The Pages you manage:")
	for i, p := range pages {
		fmt.Fprintf(e.stderr, "  %d. %s (%s)\n", i+1, p.Name, p.ID)
	}
	ans, err := c.ask.ask("Page number", "")
	n, perr := strconv.Atoi(ans)
	if err != nil || perr != nil || n < 1 || n > len(pages) {
		return facebook.Page{}, usageErr(e, fmt.Errorf("choose a number from 1 to %d (or use --page ID)", len(pages)))
	}
	return pages[n-1], exitOK
}

// facebookWebhook points the app's webhook at this instance, once it
// answers Meta's verification request there. strict makes a failure the
// command's failure; otherwise what to do is printed.
func (c *connection) facebookWebhook(ctx context.Context, s facebook.Setup, verifyToken string, strict bool) int {
	e := c.e
	if c.cfg.HTTP.PublicURL == "" {
		return fail(e, "http.public_url is not set: the webhook needs the address Meta can reach")
	}
	callback := c.cfg.HTTP.PublicURL + "webhooks/facebook"
	if err := s.ProbeWebhook(ctx, callback, verifyToken); err != nil {
		if strict {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "  Webhook: %s does not answer yet. Restart `inboxbot serve` with this config, then run:\n"+
			"      inboxbot connect facebook --webhook-only --config %s\n", callback, c.path)
		return exitOK
	}
	if err := s.SetAppWebhook(ctx, callback, verifyToken, facebook.WebhookFields); err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "  Webhook: Meta delivers the Page's %s to %s.\n", strings.Join(facebook.WebhookFields, " and "), callback)
	return exitOK
}

// x connects the support account on X.
func (c *connection) x(ctx context.Context, webhookOnly bool) int {
	e, tc := c.e, c.cfg.Twitter
	var err error
	key, secret := tc.ConsumerKey, tc.ConsumerSecret
	if key == "" {
		if key, err = c.ask.ask("X app's API key (consumer key; developer console → your app → Keys and tokens)", ""); err != nil || key == "" {
			return fail(e, "the API key is required")
		}
		c.secret(c.secretFile("twitter.consumer_key_file", tc.ConsumerKeyFile), key)
	}
	if secret == "" {
		if secret, err = c.ask.ask("X app's API key secret (consumer secret)", ""); err != nil || secret == "" {
			return fail(e, "the API key secret is required")
		}
		c.secret(c.secretFile("twitter.consumer_secret_file", tc.ConsumerSecretFile), secret)
	}
	tc.ConsumerKey, tc.ConsumerSecret = key, secret
	s := twitter.SetupFor(tc)
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if webhookOnly {
		if !tc.Enabled || tc.AccessToken == "" || tc.AccessSecret == "" {
			return fail(e, "X is not connected yet: run `inboxbot connect x` first")
		}
		return c.xWebhook(ctx, s, twitter.Token{Token: tc.AccessToken, Secret: tc.AccessSecret}, true)
	}
	a, err := s.Authorize(ctx)
	if err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "Open this page signed in as the support account, press \"Authorize app\", and type the PIN it shows:\n\n    %s\n\n", a.URL)
	// A person takes their time: the PIN is not bounded by connectTimeout.
	pin, err := c.ask.ask("PIN", "")
	if err != nil || pin == "" {
		return fail(e, "no PIN given")
	}
	tok, err := s.Finish(ctx, a, pin)
	if err != nil {
		return fail(e, "%v", err)
	}
	acct, err := s.Verify(ctx, tok)
	if err != nil {
		return fail(e, "%v", err)
	}
	tokenFile := c.secretFile("twitter.access_token_file", tc.AccessTokenFile)
	c.secret(tokenFile, tok.Token)
	c.secret(c.secretFile("twitter.access_secret_file", tc.AccessSecretFile), tok.Secret)
	c.set("twitter.enabled", true)
	// Knowing our id saves a users/me call (and its price) at each start.
	c.set("policy.twitter.account_id", acct.ID)
	if err := c.save(); err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "X connected: @%s (%s). The access token and secret are in %s.\n", acct.Username, acct.ID, filepath.Dir(tokenFile))
	if c.cfg.HTTP.PublicURL != "" {
		c.xWebhook(ctx, s, tok, false)
	}
	fmt.Fprintln(e.stdout, "Restart `inboxbot serve` to start.")
	return exitOK
}

// xWebhook registers this instance's X webhook and subscribes the
// account, once the instance answers X's CRC check there. strict makes a
// failure the command's failure; otherwise what to do is printed.
func (c *connection) xWebhook(ctx context.Context, s twitter.Setup, tok twitter.Token, strict bool) int {
	e := c.e
	if c.cfg.HTTP.PublicURL == "" {
		return fail(e, "http.public_url is not set: the webhook needs the address X can reach")
	}
	hook := c.cfg.HTTP.PublicURL + "webhooks/twitter"
	if err := s.ProbeWebhook(ctx, hook); err != nil {
		if strict {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "  Webhook: %s does not answer yet. Restart `inboxbot serve` with this config, then run:\n"+
			"      inboxbot connect x --webhook-only --config %s\n", hook, c.path)
		return exitOK
	}
	h, err := s.RegisterWebhook(ctx, hook, tok)
	if err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "  Webhook %s registered at %s; the account's mentions and DMs arrive in real time.\n", h.ID, hook)
	return exitOK
}
