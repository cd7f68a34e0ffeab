package app

import (
	"context"
	"net"
	"strings"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/health"
)

// PlatformsComponent is the /healthz component that says an instance
// that runs the connectors has no platform to poll.
const PlatformsComponent = "platforms"

// NoPlatformReason is PlatformsComponent's reason when no platform is
// enabled.
const NoPlatformReason = "no platform enabled"

// watchCredentials shows on /healthz what an operator must set up or
// renew before it stops anything: an instance with no platform enabled
// (said once in the log too), and the Page token's expiry, read from
// debug_token at start and daily.
func (a *App) watchCredentials() error {
	cfg := a.Config
	if !cfg.Facebook.Enabled && !cfg.Twitter.Enabled {
		a.Health.Register(PlatformsComponent, false)
		a.Health.Set(PlatformsComponent, health.Unconfigured, NoPlatformReason+": connect one with `inboxbot connect facebook` or `inboxbot connect x`")
		a.Log.Warn("no platform enabled: nothing will be polled or sent until one is connected (inboxbot connect facebook, inboxbot connect x)")
		return nil
	}
	if !cfg.Facebook.Enabled {
		return nil
	}
	w, err := facebook.NewTokenWatch(facebook.TokenWatchConfig{
		Setup: facebook.SetupFor(cfg.Facebook), PageToken: cfg.Facebook.PageToken,
		Health: a.Health, Expiry: a.Metrics.TokenExpiry, Log: a.Log,
	})
	if err != nil {
		return err
	}
	a.parts = append(a.parts, part{facebook.TokenComponent, w.Run})
	return nil
}

// exportHealth puts every component's state into
// inboxbot_component_state, for the alert rules.
func (a *App) exportHealth() {
	for name, c := range a.Health.Report().Components {
		for _, st := range health.States {
			v := 0.0
			if c.State == st {
				v = 1
			}
			a.Metrics.ComponentState.WithLabelValues(name, string(st)).Set(v)
		}
	}
}

// SetupLink returns the one-time link that creates the first admin
// (valid for agent.SetupTTL) when this instance serves the desk and the
// store has no agent yet, else "". Each call makes a new link and
// retires the previous one.
func (a *App) SetupLink(ctx context.Context) (string, error) {
	if a.Desk == nil {
		return "", nil
	}
	tok, err := a.Desk.Service().StartSetup(ctx)
	if err != nil || tok == "" {
		return "", err
	}
	return a.BaseURL() + strings.TrimPrefix(agent.SetupPath, "/") + "?token=" + tok, nil
}

// BaseURL is where people reach the desk, with a trailing slash:
// http.public_url, or else the listener's address (localhost when it
// listens on every address).
func (a *App) BaseURL() string {
	if u := a.Config.HTTP.PublicURL; u != "" {
		return u
	}
	scheme := "http"
	if a.Config.HTTP.TLS() {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(a.Addr())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}
