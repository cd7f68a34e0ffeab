package main

import (
	"context"
	"errors"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/demo"
)

// cmdDemo runs everything against simulated Facebook and Twitter; the work
// is in package demo.
func cmdDemo(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("demo", e)
	dataDir := fs.String("data-dir", "", "new or empty directory for the demo's data (default: a new one under the system's temp dir, removed on exit)")
	rate := fs.String("rate", "20/min", "customer messages per minute (N, N/min, N/s or N/h)")
	seed := fs.Int64("seed", 1, "the script's seed: the same seed gives the same customers and messages")
	addr := fs.String("addr", "", "web inbox address (default "+agent.DefaultAddr+", or a free port when that is taken)")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return usageErr(e, errors.New("usage: inboxbot demo [--data-dir DIR] [--rate N/min] [--seed S] [--addr HOST:PORT] [--config FILE]"))
	}
	r, err := demo.ParseRate(*rate)
	if err != nil {
		return usageErr(e, err)
	}
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	// An address set by the config file or INBOXBOT_HTTP_ADDR is meant;
	// only the built-in default falls back to a free port.
	if *addr == "" && cfg.HTTP.Addr != agent.DefaultAddr {
		*addr = cfg.HTTP.Addr
	}
	err = demo.Run(ctx, demo.Options{
		Base: cfg, DataDir: *dataDir, Rate: r, Seed: *seed, Addr: *addr,
		Out: e.stdout, Log: logger(e.stderr, cfg),
	})
	switch {
	case errors.Is(err, demo.ErrUsage):
		return usageErr(e, err)
	case err != nil:
		return fail(e, "%v", err)
	}
	return exitOK
}
