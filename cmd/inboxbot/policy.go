package main

import (
	"context"
	"errors"
	"strings"

	"github.com/inboxbot/inboxbot/app"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
)

// cmdPolicy runs `inboxbot policy test`: the router's decisions for the
// items on stdin, from the very policy chain `serve` builds, with no store
// (every customer starts with no history) and nothing sent.
func cmdPolicy(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("policy", e)
	fs.Bool("jsonl", true, `input lines are JSON items {"platform","kind","text","lang"?,"author"?} (the only format)`)
	langOnly := fs.Bool("lang-only", false, `print only {"language","english"}, fast for large files`)
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 || pos[0] != "test" {
		return usageErr(e, errors.New("usage: inboxbot policy test [--jsonl] [--lang-only] < items.jsonl"))
	}
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	log := logger(e.stderr, cfg)
	if !cfg.Twitter.Enabled && cfg.Policy.Twitter.AccountID == "" {
		// Without an account the DM link cannot be written; a zero id
		// shows where it goes rather than refusing every tweet.
		cfg.Policy.Twitter.AccountID = "0"
	}
	accounts, err := app.Accounts(cfg, nil, log, metrics.New())
	if err != nil {
		return fail(e, "%v", err)
	}
	p, err := router.NewPolicy(cfg.Policy, router.Deps{Log: log, Accounts: accounts})
	if err != nil {
		return fail(e, "%v", err)
	}
	r := router.New(router.Options{Policy: p, Log: log, Redactor: cfg.Policy.Redactor()})
	if err := router.PolicyTest(ctx, r, e.stdin, e.stdout, *langOnly); err != nil {
		if strings.Contains(err.Error(), "context canceled") {
			return exitFailed
		}
		return fail(e, "policy test: %v", err)
	}
	return exitOK
}
